"""The database's invariants, checked (and where it is safe, repaired) for `python -m bot check-data`.

The invariants are what the assistant promised customers: a seat or bay counted as taken is a
confirmed booking and the other way round; everything keyed to a customer belongs to one that
exists; a phone's texts and its profile are one customer. The property tests check the same
functions after every step, so a new path that breaks one is caught.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, literal, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.booking.models import Booking, ClinicSession, ServiceSlot
from bot.booking.store import HOLDS_CAPACITY
from bot.channels.sms.models import OutboxMessage
from bot.profile.merge import customer_tables, merge_customers
from bot.profile.models import ChannelIdentity, Contact, Customer, Phone
from bot.profile.store import PHONE_CHANNELS


@dataclass(frozen=True)
class Finding:
    """One broken invariant, in words a dealer's IT person can act on."""

    check: str
    message: str
    repairable: bool

    def __str__(self) -> str:
        return f"{self.check}: {self.message}" + ("" if self.repairable else " (needs a person)")


def find_problems(sessions: sessionmaker[Session]) -> list[Finding]:
    with sessions() as session:
        return [
            *_clinic_capacity(session),
            *_service_capacity(session),
            *_orphans(session),
            *_split_phones(session),
        ]


def repair(sessions: sessionmaker[Session]) -> list[str]:
    """Fix what can be fixed without a judgement call; say what was done, one line each."""
    done: list[str] = []
    with sessions.begin() as session:
        for session_id, _, counted, held in _clinic_counts(session):
            session.execute(update(ClinicSession).where(ClinicSession.id == session_id).values(booked=held))
            done.append(f"clinic session {session_id}: seats taken recounted {counted} -> {held}")
        for slot_id, starts_at, counted, held in _slot_counts(session):
            session.execute(update(ServiceSlot).where(ServiceSlot.id == slot_id).values(bays_used=held))
            done.append(f"service slot {starts_at:%Y-%m-%d %H:%M} UTC: bays recounted {counted} -> {held}")
        # One merge at a time: a merge can settle the next split phone too.
        while split := _split_phone_rows(session):
            phone, texts_on, owner = split[0]
            survivor, absorbed = sorted((texts_on, owner))
            merge_customers(session, survivor, absorbed)
            done.append(f"phone {phone}: customer {absorbed} merged into {survivor} (texts and profile)")
    return done


def _clinic_counts(session: Session) -> list[tuple[int, int, int, int]]:
    """(session id, capacity, seats counted, seats held by bookings) where the two differ."""
    held = func.coalesce(func.sum(Booking.party_size), 0)
    rows = session.execute(
        select(ClinicSession.id, ClinicSession.capacity, ClinicSession.booked, held)
        .outerjoin(
            Booking,
            and_(Booking.clinic_session_id == ClinicSession.id, Booking.status.in_(HOLDS_CAPACITY)),
        )
        .group_by(ClinicSession.id, ClinicSession.capacity, ClinicSession.booked)
        .having(ClinicSession.booked != held)
        .order_by(ClinicSession.id)
    )
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def _slot_counts(session: Session) -> list[tuple]:
    """(slot id, start, bays counted, bays held by service bookings covering it) where they differ."""
    held = func.count(Booking.id)
    rows = session.execute(
        select(ServiceSlot.id, ServiceSlot.starts_at, ServiceSlot.bays_used, held)
        .outerjoin(
            Booking,
            and_(
                Booking.kind == "service",
                Booking.status.in_(HOLDS_CAPACITY),
                Booking.starts_at <= ServiceSlot.starts_at,
                Booking.ends_at > ServiceSlot.starts_at,
            ),
        )
        .group_by(ServiceSlot.id, ServiceSlot.starts_at, ServiceSlot.bays_used)
        .having(ServiceSlot.bays_used != held)
        .order_by(ServiceSlot.starts_at)
    )
    return [tuple(r) for r in rows]


def _clinic_capacity(session: Session) -> list[Finding]:
    findings = [
        Finding(
            "clinic_capacity",
            f"clinic session {session_id} counts {counted} seats taken but its bookings hold {held}",
            repairable=True,
        )
        for session_id, _, counted, held in _clinic_counts(session)
    ]
    overbooked = session.execute(
        select(ClinicSession.id, ClinicSession.capacity, ClinicSession.booked).where(
            ClinicSession.booked > ClinicSession.capacity
        )
    )
    findings += [
        Finding(
            "clinic_overbooked",
            f"clinic session {sid} has {booked} seats taken of {capacity}: call the extra parties",
            repairable=False,
        )
        for sid, capacity, booked in overbooked
    ]
    return findings


def _service_capacity(session: Session) -> list[Finding]:
    return [
        Finding(
            "service_capacity",
            f"service slot {starts_at:%Y-%m-%d %H:%M} UTC counts {counted} bays in use but "
            f"{held} service bookings cover it",
            repairable=True,
        )
        for _, starts_at, counted, held in _slot_counts(session)
    ]


def _orphans(session: Session) -> list[Finding]:
    """Rows keyed to a customer (or booking, or session) that does not exist."""
    findings = []
    for table in customer_tables():
        missing = session.scalar(
            select(func.count())
            .select_from(table)
            .where(~select(literal(1)).where(Customer.id == table.c.customer_id).exists())
        )
        if missing:
            findings.append(
                Finding("missing_customer", f"{missing} row(s) in {table.name} point at no customer", False)
            )
    for what, query in (
        (
            "bookings point at no clinic session",
            select(func.count())
            .select_from(Booking)
            .where(
                Booking.clinic_session_id.is_not(None),
                ~select(literal(1)).where(ClinicSession.id == Booking.clinic_session_id).exists(),
            ),
        ),
        (
            "outbox messages point at no booking",
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.booking_id.is_not(None),
                ~select(literal(1)).where(Booking.id == OutboxMessage.booking_id).exists(),
            ),
        ),
    ):
        if count := session.scalar(query):
            findings.append(Finding("dangling_reference", f"{count} {what}", False))
    return findings


def _split_phone_rows(session: Session) -> list[tuple[str, int, int]]:
    """(phone, customer its texts land on, customer whose contact owns it) where those differ."""
    rows = session.execute(
        select(Phone.e164, ChannelIdentity.customer_id, Contact.customer_id)
        .join(Contact, Contact.id == Phone.contact_id)
        .join(
            ChannelIdentity,
            and_(ChannelIdentity.sender_id == Phone.e164, ChannelIdentity.channel.in_(PHONE_CHANNELS)),
        )
        .where(ChannelIdentity.customer_id != Contact.customer_id)
        .order_by(Phone.e164)
    )
    return [tuple(r) for r in rows]


def _split_phones(session: Session) -> list[Finding]:
    return [
        Finding(
            "phone_on_two_profiles",
            f"phone {phone}: its texts are on customer {texts_on} but the number is on customer {owner}",
            repairable=True,
        )
        for phone, texts_on, owner in _split_phone_rows(session)
    ]
