"""Bookings that never overbook: capacity is checked and taken in one conditional UPDATE.

A clinic seat is taken with `UPDATE clinic_sessions SET booked = booked + n WHERE id = ? AND
booked + n <= capacity`; a service bay with the same pattern on every slot of the appointment,
in time order. The database serialises these (row locks on PostgreSQL, the write lock on
SQLite), so two customers can never both get the last seat, whichever process they came from.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.booking import texts
from bot.booking.models import Booking, ClinicSession, ServiceSlot, WantedDay
from bot.booking.reminders import queue_sms
from bot.booking.schedule import Schedule
from bot.booking.when import Preference
from bot.channels.sms.models import OutboxMessage
from bot.profile.consent import textable_phone
from bot.profile.models import Customer, EngagementEvent

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I/L to misread
CODE_LENGTH = 6
SEARCH_DAYS = 21
# Statuses whose seats or bays stay taken: a booking holds capacity from confirmation on, also
# once attendance is marked. Waitlisted and cancelled ones hold none.
HOLDS_CAPACITY = ("confirmed", "attended", "no_show")
SLOT_OFFER = "slot_offer"  # the outbox kind of a text offering a freed service time
WANTED_DAY_RECENT = timedelta(days=14)  # asks older than this get no offer: plans have moved on


@dataclass(frozen=True)
class SessionInfo:
    id: int
    clinic: str
    starts_at: datetime  # dealership-local
    seats_left: int


@dataclass(frozen=True)
class BookingResult:
    ok: bool
    code: str | None = None
    reason: str | None = None  # what to tell the customer when not ok
    alternatives: list[Any] = field(default_factory=list)  # SessionInfo or local datetimes


@dataclass(frozen=True)
class ServiceOffer:
    """The answer to "when can I come in?": the exact time asked for, or why not and what's free."""

    start: datetime | None
    reason: str | None = None
    alternatives: list[datetime] = field(default_factory=list)
    day_full: bool = False  # the day (the part of it asked for) is open but has nothing free left


@dataclass(frozen=True)
class UpcomingBooking:
    """One of a customer's bookings, as the conversation shows it ("Oil change, Tue Dec 1, 9:00 AM")."""

    code: str
    kind: str
    status: str
    starts_at: datetime  # dealership-local
    what: str
    services: list[str] = field(default_factory=list)
    vehicle: dict[str, Any] = field(default_factory=dict)
    transport: str | None = None
    clinic: str | None = None
    attendees: list[dict[str, Any]] = field(default_factory=list)

    def label(self) -> str:
        waiting = " (waitlist)" if self.status == "waitlisted" else ""
        return f"{self.what}, {self.starts_at:%a %b %-d, %-I:%M %p}{waiting} [{self.code}]"


@dataclass(frozen=True)
class CancelResult:
    ok: bool
    reason: str | None = None
    promoted: list[tuple[str, int]] = field(default_factory=list)  # (code, customer id) off the waitlist


class _Full(Exception):
    pass


class BookingStore:
    def __init__(self, sessions: sessionmaker[Session], schedule: Schedule) -> None:
        self._sessions = sessions
        self.schedule = schedule

    # --- clinics ---------------------------------------------------------------------------

    def clinic_sessions(self, clinic_id: str, after: datetime, days: int = SEARCH_DAYS) -> list[SessionInfo]:
        """Upcoming sessions with seats left (rows are created the first time they are asked for)."""
        clinic = self.schedule.clinics[clinic_id]
        starts = self.schedule.clinic_starts(clinic_id, after, after + timedelta(days=days))
        wanted = [_utc(s) for s in starts]
        with self._sessions.begin() as session:
            # Read first, and write only what is missing: most calls then take no write lock
            # (on SQLite, one writer at a time for the whole system, Rasa's tracker store too).
            known = set(
                session.scalars(
                    select(ClinicSession.starts_at).where(
                        ClinicSession.clinic == clinic_id, ClinicSession.starts_at.in_(wanted)
                    )
                )
            )
            for start in starts:
                if _utc(start) in known:
                    continue
                _insert_if_missing(
                    session,
                    ClinicSession(
                        clinic=clinic_id,
                        starts_at=_utc(start),
                        ends_at=_utc(start + timedelta(minutes=clinic.minutes)),
                        capacity=clinic.seats,
                        booked=0,
                    ),
                )
            rows = session.scalars(
                select(ClinicSession)
                .where(ClinicSession.clinic == clinic_id, ClinicSession.starts_at.in_(wanted))
                .order_by(ClinicSession.starts_at)
            )
            return [self._info(row) for row in rows]

    def book_clinic(
        self,
        customer_id: int,
        session_id: int,
        party_size: int,
        attendees: list[dict[str, Any]],
        now: datetime,
    ) -> BookingResult:
        clinic_session = self._session_row(session_id)
        if clinic_session is None:
            return BookingResult(False, reason="I couldn't find that session; here are the upcoming ones.")
        if party_size < 1 or party_size > clinic_session.capacity:
            return BookingResult(
                False,
                reason=f"A session has {clinic_session.capacity} seats in all, so a party of "
                f"{party_size} won't fit. For a group, our team can set something up.",
            )
        if clinic_session.starts_at <= _utc(now):
            return BookingResult(False, reason="That session has already started.")
        with self._sessions.begin() as session:
            taken = session.execute(
                update(ClinicSession)
                .where(
                    ClinicSession.id == session_id,
                    ClinicSession.booked + party_size <= ClinicSession.capacity,
                )
                .values(booked=ClinicSession.booked + party_size)
            ).rowcount
            if taken == 1:
                code = self._new_booking(
                    session, "clinic", customer_id, "confirmed", clinic_session, party_size, attendees
                )
                return BookingResult(True, code=code)
        alternatives = [
            s
            for s in self.clinic_sessions(
                clinic_session.clinic, _local(clinic_session.starts_at, self.schedule)
            )
            if s.id != session_id and s.seats_left >= party_size
        ][:3]
        return BookingResult(False, reason="Sorry, that session just filled up.", alternatives=alternatives)

    def join_waitlist(
        self, customer_id: int, session_id: int, party_size: int, attendees: list[dict[str, Any]]
    ) -> BookingResult:
        clinic_session = self._session_row(session_id)
        if clinic_session is None:
            return BookingResult(False, reason="I couldn't find that session.")
        with self._sessions.begin() as session:
            code = self._new_booking(
                session, "clinic", customer_id, "waitlisted", clinic_session, party_size, attendees
            )
        return BookingResult(True, code=code)

    # --- service ---------------------------------------------------------------------------

    def service_minutes(self, service_ids: list[str]) -> int:
        """Total shop time, rounded up to the appointment grid."""
        total = sum(self.schedule.services[s].minutes for s in service_ids)
        grid = self.schedule.slot_minutes
        return max(grid, math.ceil(total / grid) * grid)

    def why_not_open(self, start: datetime, minutes: int, now: datetime) -> str | None:
        """Why a service appointment can't start then, in words; None if it can."""
        local = start.astimezone(self.schedule.tz)
        if start <= now:
            return "That time has already passed."
        window = self.schedule.hours.get(local.weekday())
        if window is None:
            return f"The service department is closed on {local:%A}s."
        end = local + timedelta(minutes=minutes)
        if local.time() < window[0] or end.time() > window[1] or end.date() != local.date():
            return (
                f"On {local:%A}s the service department is open {window[0]:%-I:%M %p} to "
                f"{window[1]:%-I:%M %p}, and this visit takes {minutes} minutes."
            )
        if (local.minute % self.schedule.slot_minutes) or local.second:
            return f"Appointments start every {self.schedule.slot_minutes} minutes."
        return None

    def book_service(
        self,
        customer_id: int,
        start: datetime,
        service_ids: list[str],
        vehicle: dict[str, Any],
        transport: str,
        now: datetime,
    ) -> BookingResult:
        minutes = self.service_minutes(service_ids)
        reason = self.why_not_open(start, minutes, now)
        if reason:
            return BookingResult(
                False, reason=reason, alternatives=self.free_service_starts(minutes, max(start, now))
            )
        slots = self._slot_starts(start, minutes)
        try:
            with self._sessions.begin() as session:
                for slot in slots:
                    _insert_if_missing(session, ServiceSlot(starts_at=slot, bays_used=0))
                for slot in slots:  # in time order, so concurrent bookings never deadlock
                    taken = session.execute(
                        update(ServiceSlot)
                        .where(ServiceSlot.starts_at == slot, ServiceSlot.bays_used < self.schedule.bays)
                        .values(bays_used=ServiceSlot.bays_used + 1)
                    ).rowcount
                    if taken != 1:
                        raise _Full
                booking = Booking(
                    code=_new_code(),
                    kind="service",
                    customer_id=customer_id,
                    status="confirmed",
                    starts_at=_utc(start),
                    ends_at=_utc(start) + timedelta(minutes=minutes),
                    party_size=1,
                    services=service_ids,
                    vehicle=vehicle,
                    transport=transport,
                )
                session.add(booking)
                session.flush()
                return BookingResult(True, code=booking.code)
        except _Full:
            alternatives = self.free_service_starts(minutes, start)
            return BookingResult(False, reason="Sorry, that time just filled up.", alternatives=alternatives)

    def free_service_starts(
        self,
        minutes: int,
        after: datetime,
        limit: int = 3,
        before: datetime | None = None,
        spacing: int = 0,
    ) -> list[datetime]:
        """The nearest local start times after `after` (and before `before`) with a bay free for
        the whole visit; `spacing` minutes apart so the choices are real alternatives."""
        horizon = (
            min(before, after + timedelta(days=SEARCH_DAYS))
            if before
            else after + timedelta(days=SEARCH_DAYS)
        )
        with self._sessions() as session:
            busy = {
                row.starts_at
                for row in session.scalars(
                    select(ServiceSlot).where(
                        ServiceSlot.starts_at >= _utc(after),
                        ServiceSlot.starts_at < _utc(horizon + timedelta(minutes=minutes)),
                        ServiceSlot.bays_used >= self.schedule.bays,
                    )
                )
            }
        found: list[datetime] = []
        step = timedelta(minutes=self.schedule.slot_minutes)
        local = after.astimezone(self.schedule.tz)
        candidate = local.replace(second=0, microsecond=0) + timedelta(
            minutes=-(local.minute % self.schedule.slot_minutes) + self.schedule.slot_minutes
        )
        while candidate < horizon and len(found) < limit:
            if self.why_not_open(candidate, minutes, after) is None and not busy & set(
                self._slot_starts(candidate, minutes)
            ):
                found.append(candidate)
                candidate += max(step, timedelta(minutes=spacing))
            else:
                candidate += step
        return found

    def service_offers(self, wanted: Preference, minutes: int, now: datetime) -> ServiceOffer:
        """The customer's preferred time if it's free; otherwise why not, and the nearest free times
        (that day if possible, then the following days)."""
        tz = self.schedule.tz
        hours = self.schedule.hours.get(wanted.day.weekday())
        if wanted.at is not None:
            start = datetime.combine(wanted.day, wanted.at, tzinfo=tz)
            reason = self.why_not_open(start, minutes, now)
            if reason is None:
                if self.free_service_starts(
                    minutes, start - timedelta(minutes=1), 1, start + timedelta(minutes=1)
                ):
                    return ServiceOffer(start)
                reason = f"{wanted.describe()} is fully booked."
        elif hours is None:
            reason = f"The service department is closed on {wanted.day:%A}s."
        else:
            reason = None
        day_full = False
        if hours is None:
            day_alternatives: list[datetime] = []
        else:
            opens, closes = wanted.window or hours
            day_start = datetime.combine(wanted.day, max(opens, hours[0]), tzinfo=tz)
            day_end = datetime.combine(wanted.day, min(closes, hours[1]), tzinfo=tz)
            same_day = self.free_service_starts(
                minutes, max(now, day_start - timedelta(minutes=1)), 48, day_end
            )
            if wanted.at is not None:
                target = datetime.combine(wanted.day, wanted.at, tzinfo=tz)
                same_day = sorted(same_day, key=lambda s: abs(s - target))
            day_alternatives = sorted(_spread(same_day, 60)[:3])
            day_full = not day_alternatives and max(now, day_start) < day_end
            if not day_alternatives and reason is None:
                reason = f"Nothing's free then on {wanted.day:%A %b} {wanted.day.day}."
        if day_alternatives and wanted.at is None:
            return ServiceOffer(None, None, day_alternatives)
        later = datetime.combine(wanted.day + timedelta(days=1), time(0), tzinfo=tz)
        alternatives = day_alternatives or self.free_service_starts(minutes, max(now, later), 3, spacing=60)
        return ServiceOffer(None, reason, alternatives, day_full)

    # --- both ------------------------------------------------------------------------------

    def cancel(self, code: str, customer_id: int, now: datetime) -> CancelResult:
        """Cancel one's own booking; a freed clinic seat goes to the first waitlisted party that fits,
        and a freed service time is offered by text to customers who wanted that day (every way of
        cancelling comes here, so none of it can be skipped).

        Someone else's code gets the same answer as an unknown one: nothing is revealed.
        """
        promoted: list[tuple[str, int]] = []
        with self._sessions.begin() as session:
            booking = session.scalar(
                select(Booking).where(
                    Booking.code == code.strip().upper(), Booking.customer_id == customer_id
                )
            )
            if booking is None or booking.status not in ("confirmed", "waitlisted"):
                return CancelResult(
                    False, reason="I couldn't find an upcoming booking with that code on your profile."
                )
            was_confirmed = booking.status == "confirmed"
            booking.status = "cancelled"
            if booking.kind == "service" and was_confirmed:
                for slot in self._slot_starts(
                    booking.starts_at.replace(tzinfo=timezone.utc), _minutes(booking)
                ):
                    session.execute(
                        update(ServiceSlot)
                        .where(ServiceSlot.starts_at == slot, ServiceSlot.bays_used > 0)
                        .values(bays_used=ServiceSlot.bays_used - 1)
                    )
                if booking.starts_at > _utc(now):
                    _offer_freed_time(session, booking, self.schedule, now)
            if booking.kind == "clinic" and was_confirmed:
                session.execute(
                    update(ClinicSession)
                    .where(ClinicSession.id == booking.clinic_session_id)
                    .values(booked=ClinicSession.booked - booking.party_size)
                )
                promoted = _promote_waitlist(session, booking.clinic_session_id, self.schedule)
        return CancelResult(True, promoted=promoted)

    def note_wanted_day(self, customer_id: int, day: date, now: datetime) -> None:
        """The customer asked for a service time on `day` and nothing was free: remember it, so a
        cancellation that day can be offered to them."""
        with self._sessions.begin() as session:
            session.add(WantedDay(customer_id=customer_id, day=day, asked_at=_utc(now)))

    def upcoming_of(self, customer_id: int, now: datetime) -> list[UpcomingBooking]:
        """A customer's own bookings still ahead (confirmed or waitlisted), soonest first."""
        with self._sessions() as session:
            rows = session.scalars(
                select(Booking)
                .where(
                    Booking.customer_id == customer_id,
                    Booking.status.in_(("confirmed", "waitlisted")),
                    Booking.starts_at > _utc(now),
                )
                .order_by(Booking.starts_at)
            ).all()
            clinics = {
                row.id: row.clinic
                for row in session.scalars(
                    select(ClinicSession).where(ClinicSession.id.in_({b.clinic_session_id for b in rows}))
                )
            }
            return [
                UpcomingBooking(
                    code=b.code,
                    kind=b.kind,
                    status=b.status,
                    starts_at=_local(b.starts_at, self.schedule),
                    what=self._what(b, clinics.get(b.clinic_session_id)),
                    services=list(b.services or []),
                    vehicle=dict(b.vehicle or {}),
                    transport=b.transport,
                    clinic=clinics.get(b.clinic_session_id),
                    attendees=list(b.attendees or []),
                )
                for b in rows
            ]

    def _what(self, booking: Booking, clinic: str | None) -> str:
        if booking.kind == "clinic":
            known = self.schedule.clinics.get(clinic or "")
            return known.name if known else "Clinic"
        names = [
            self.schedule.services[s].name if s in self.schedule.services else s
            for s in booking.services or []
        ]
        return " + ".join(names) or "Service"

    # --- staff -----------------------------------------------------------------------------

    def bookings_between(
        self, start: datetime, end: datetime, kind: str | None = None
    ) -> list[dict[str, Any]]:
        query = select(Booking).where(Booking.starts_at >= _utc(start), Booking.starts_at < _utc(end))
        if kind:
            query = query.where(Booking.kind == kind)
        return self._listed(query)

    def bookings_of(self, customer_id: int) -> list[dict[str, Any]]:
        """A customer's bookings, all statuses, in time order (the console's profile page)."""
        return self._listed(select(Booking).where(Booking.customer_id == customer_id))

    def _listed(self, query: Any) -> list[dict[str, Any]]:
        with self._sessions() as session:
            rows = session.scalars(query.order_by(Booking.starts_at, Booking.id)).all()
            clinics = {
                row.id: row.clinic
                for row in session.scalars(
                    select(ClinicSession).where(ClinicSession.id.in_({b.clinic_session_id for b in rows}))
                )
            }
            return [
                {
                    "code": b.code,
                    "kind": b.kind,
                    "start": _local(b.starts_at, self.schedule).isoformat(),
                    "end": _local(b.ends_at, self.schedule).isoformat(),
                    "status": b.status,
                    "customer_id": b.customer_id,
                    "vehicle": b.vehicle,
                    "services": b.services,
                    "clinic": clinics.get(b.clinic_session_id),
                    "party_size": b.party_size,
                    "attendees": b.attendees or [],
                    "transport": b.transport,
                    "created_at": _local(b.created_at, self.schedule).isoformat(),
                    "confirmed_at": _local(b.confirmed_at, self.schedule).isoformat()
                    if b.confirmed_at
                    else None,
                }
                for b in rows
            ]

    def clinic_overview(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Every clinic session in the range with capacity, seats booked and the waitlist."""
        days = max(1, (end - start).days + 1)
        for clinic_id in self.schedule.clinics:
            self.clinic_sessions(clinic_id, start, days=days)
        with self._sessions() as session:
            rows = session.scalars(
                select(ClinicSession)
                .where(ClinicSession.starts_at >= _utc(start), ClinicSession.starts_at < _utc(end))
                .order_by(ClinicSession.starts_at)
            ).all()
            waiting: dict[int, int] = {}
            for booking in session.scalars(
                select(Booking).where(
                    Booking.status == "waitlisted", Booking.clinic_session_id.in_([r.id for r in rows])
                )
            ):
                waiting[booking.clinic_session_id] = (
                    waiting.get(booking.clinic_session_id, 0) + booking.party_size
                )
            return [
                {
                    "id": r.id,
                    "clinic": r.clinic,
                    "name": self.schedule.clinics[r.clinic].name
                    if r.clinic in self.schedule.clinics
                    else r.clinic,
                    "start": _local(r.starts_at, self.schedule).isoformat(),
                    "end": _local(r.ends_at, self.schedule).isoformat(),
                    "capacity": r.capacity,
                    "booked": r.booked,
                    "waitlist": waiting.get(r.id, 0),
                }
                for r in rows
            ]

    def mark_attendance(self, code: str, outcome: str) -> bool:
        """Staff record whether a confirmed booking attended; False if there's no such booking."""
        if outcome not in ("attended", "no_show"):
            raise ValueError("attendance must be 'attended' or 'no_show'")
        with self._sessions.begin() as session:
            booking = session.scalar(select(Booking).where(Booking.code == code.strip().upper()))
            if booking is None or booking.status not in HOLDS_CAPACITY:
                return False
            booking.status = outcome
            return True

    # --- helpers ---------------------------------------------------------------------------

    def _session_row(self, session_id: int) -> ClinicSession | None:
        with self._sessions() as session:
            return session.get(ClinicSession, session_id)

    def _info(self, row: ClinicSession) -> SessionInfo:
        return SessionInfo(
            row.id, row.clinic, _local(row.starts_at, self.schedule), row.capacity - row.booked
        )

    def _new_booking(
        self,
        session: Session,
        kind: str,
        customer_id: int,
        status: str,
        clinic_session: ClinicSession,
        party_size: int,
        attendees: list[dict[str, Any]],
    ) -> str:
        booking = Booking(
            code=_new_code(),
            kind=kind,
            customer_id=customer_id,
            status=status,
            starts_at=clinic_session.starts_at,
            ends_at=clinic_session.ends_at,
            clinic_session_id=clinic_session.id,
            party_size=party_size,
            attendees=attendees,
        )
        session.add(booking)
        session.flush()
        return booking.code

    def _slot_starts(self, start: datetime, minutes: int) -> list[datetime]:
        step = self.schedule.slot_minutes
        return [_utc(start) + timedelta(minutes=offset) for offset in range(0, minutes, step)]


def _promote_waitlist(session: Session, session_id: int, schedule: Schedule) -> list[tuple[str, int]]:
    """Seat waitlisted parties in the order they asked, while they fit, and tell each of them
    (a text if they agreed to texts; an engagement event on their profile either way)."""
    promoted = []
    waiting = session.scalars(
        select(Booking)
        .where(Booking.clinic_session_id == session_id, Booking.status == "waitlisted")
        .order_by(Booking.id)
    ).all()
    for booking in waiting:
        taken = session.execute(
            update(ClinicSession)
            .where(
                ClinicSession.id == session_id,
                ClinicSession.booked + booking.party_size <= ClinicSession.capacity,
            )
            .values(booked=ClinicSession.booked + booking.party_size)
        ).rowcount
        if taken != 1:
            break  # first come, first served: nobody jumps the queue
        booking.status = "confirmed"
        promoted.append((booking.code, booking.customer_id))
        clinic = session.get(ClinicSession, session_id).clinic
        name = schedule.clinics[clinic].name if clinic in schedule.clinics else "clinic"
        body = texts.waitlist_seat(booking, name, schedule)
        queue_sms(session, booking, "waitlist_promoted", body)
        session.add(_booking_event(booking, body, "waitlist_promoted"))
    return promoted


def _offer_freed_time(session: Session, freed: Booking, schedule: Schedule, now: datetime) -> None:
    """Text the freed time to the customers who recently asked for its day, found nothing and have
    no booking that day: only to a consented phone that hasn't opted out, and at most one such
    offer per customer a day (their profile row is locked while deciding, so two cancellations at
    once can't both send one)."""
    local_day = _local(freed.starts_at, schedule).date()
    day_start = _utc(datetime.combine(local_day, time(0), tzinfo=schedule.tz))
    day_end = _utc(datetime.combine(local_day + timedelta(days=1), time(0), tzinfo=schedule.tz))
    today = _utc(datetime.combine(now.astimezone(schedule.tz).date(), time(0), tzinfo=schedule.tz))
    booked_that_day = select(Booking.id).where(
        Booking.customer_id == WantedDay.customer_id,
        Booking.status.in_(HOLDS_CAPACITY),
        Booking.starts_at >= day_start,
        Booking.starts_at < day_end,
    )
    wanting = session.scalars(
        select(WantedDay.customer_id)
        .where(
            WantedDay.day == local_day,
            WantedDay.asked_at >= _utc(now) - WANTED_DAY_RECENT,
            WantedDay.customer_id != freed.customer_id,
            ~booked_that_day.exists(),
        )
        .distinct()
        .order_by(WantedDay.customer_id)
    ).all()
    for customer_id in wanting:
        session.execute(select(Customer.id).where(Customer.id == customer_id).with_for_update())
        offered_today = session.scalar(
            select(OutboxMessage.id).where(
                OutboxMessage.customer_id == customer_id,
                OutboxMessage.kind == SLOT_OFFER,
                OutboxMessage.created_at >= today,
            )
        )
        phone = textable_phone(session, customer_id)
        if offered_today is None and phone is not None:
            session.add(
                OutboxMessage(
                    customer_id=customer_id,
                    phone=phone,
                    body=texts.slot_offer(freed, schedule),
                    kind=SLOT_OFFER,
                    created_at=_utc(now),
                )
            )
            session.flush()


def _booking_event(booking: Booking, text: str, action: str) -> EngagementEvent:
    """A booking change that happened outside the customer's conversation, on their timeline."""
    return EngagementEvent(
        customer_id=booking.customer_id,
        sender_id="system",
        ts=datetime.now(timezone.utc).replace(tzinfo=None),
        channel="system",
        direction="out",
        text=text,
        action=action,
        booking_id=booking.code,
    )


def _spread(starts: list[datetime], minutes: int) -> list[datetime]:
    """Keep start times at least `minutes` apart, in the given order of preference."""
    kept: list[datetime] = []
    for start in starts:
        if all(abs(start - other) >= timedelta(minutes=minutes) for other in kept):
            kept.append(start)
    return kept


def _insert_if_missing(session: Session, row: Any) -> None:
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        pass  # someone else created it first


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _minutes(booking: Booking) -> int:
    return int((booking.ends_at - booking.starts_at).total_seconds() // 60)


def _utc(moment: datetime) -> datetime:
    """Stored times are naive UTC."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _local(stored: datetime, schedule: Schedule) -> datetime:
    return stored.replace(tzinfo=timezone.utc).astimezone(schedule.tz)
