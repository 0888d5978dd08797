"""The profile store: every read and write of customer knowledge goes through here.

All methods are synchronous and short; async callers run them in a thread
(`asyncio.to_thread`) so Rasa's and aiohttp's event loops never wait on the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot.channels.sms.models import OutboxMessage
from bot.profile.contact_details import InvalidContactDetail
from bot.profile.merge import merge_customers
from bot.profile.models import (
    ChannelIdentity,
    Contact,
    Customer,
    Email,
    EngagementEvent,
    HandoffRequest,
    HouseholdMember,
    Interest,
    KnowledgeGap,
    Phone,
    StaffAudit,
    Vehicle,
    iso_utc,
    utcnow,
)

# Channels whose sender id is the customer's phone (E.164): such a conversation belongs to the
# customer with that phone (created with it if new), so SMS and web meet on one profile.
PHONE_CHANNELS = frozenset({"sms"})
SEARCH_LIMIT = 50
CONVERSATION_LIMIT = 200


@dataclass(frozen=True)
class ContactDetails:
    """What a customer told us about themselves; values are already validated and normalised."""

    name: str | None = None
    phone: str | None = None  # E.164
    email: str | None = None  # lower-case
    sms_consent: bool | None = None
    source: str = "chat"  # where consent was given, e.g. the channel name


@dataclass(frozen=True)
class EngagementRecord:
    """One message as the engagement broker hands it over."""

    sender_id: str
    channel: str
    ts: datetime
    direction: str
    text: str | None = None
    data: dict[str, Any] | None = None
    intent: str | None = None
    confidence: float | None = None
    action: str | None = None
    topic: str | None = None
    model: str | None = None
    trim: str | None = None
    booking_id: str | None = None


@dataclass(frozen=True)
class VehicleDetails:
    model: str
    trim: str | None = None
    year: int | None = None
    make: str = "Corvane"
    vin: str | None = None
    mileage: int | None = None


class ProfileStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @property
    def sessions(self) -> sessionmaker[Session]:
        """For reports that read across all customers (bot/reports) on the same database."""
        return self._sessions

    # --- conversations -> customers ---------------------------------------------------------

    def customer_for_sender(self, channel: str, sender_id: str) -> int:
        """The customer behind a conversation; a new (anonymous) profile on first contact."""
        with self._sessions.begin() as session:
            return _customer_for_sender(session, channel, sender_id)

    # --- what the customer tells us -----------------------------------------------------

    def record_contact_details(self, customer_id: int, details: ContactDetails) -> int:
        """Save name/phone/email/consent; merges profiles that turn out to be one household.

        Returns the surviving customer id (the oldest profile that shares the phone or email).
        """
        with self._sessions.begin() as session:
            matches = []
            if details.phone:
                matches.append(Phone.e164 == details.phone)
            if details.email:
                matches.append(Email.address == details.email)
            owners = set()
            if matches:
                owners = set(
                    session.scalars(
                        select(Contact.customer_id).outerjoin(Phone).outerjoin(Email).where(or_(*matches))
                    )
                )
            survivor = min(owners | {customer_id})
            for absorbed in sorted((owners | {customer_id}) - {survivor}):
                merge_customers(session, survivor, absorbed)
            contact = _contact_for(session, survivor, details)
            if details.name and (contact.name or "").casefold() != details.name.casefold():
                contact.name = details.name
            if details.phone:
                phone = session.scalar(select(Phone).where(Phone.e164 == details.phone))
                if phone is None:
                    phone = Phone(e164=details.phone)
                    contact.phones.append(phone)
                if details.sms_consent is not None:
                    phone.sms_consent = details.sms_consent
                    phone.sms_consent_at = utcnow()
                    phone.sms_consent_source = details.source
            if details.email and not session.scalar(select(Email).where(Email.address == details.email)):
                contact.emails.append(Email(address=details.email))
            return survivor

    def reachable_phone(self, customer_id: int) -> str | None:
        """A mobile number on the profile that hasn't opted out (so we needn't ask for one)."""
        with self._sessions() as session:
            return session.scalar(
                select(Phone.e164)
                .join(Contact)
                .where(Contact.customer_id == customer_id, Phone.opted_out_at.is_(None))
                .order_by(Phone.id)
                .limit(1)
            )

    def opt_out(self, phone: str, source: str, message: str | None = None) -> bool:
        """Record an SMS opt-out on the number, with the message that asked for it if there was one.

        False if it was already opted out (nothing changes: the first request is the one kept).
        """
        with self._sessions.begin() as session:
            changed = session.execute(
                update(Phone)
                .where(Phone.e164 == phone, Phone.opted_out_at.is_(None))
                .values(opted_out_at=utcnow(), opt_out_source=source, opt_out_message=message)
            ).rowcount
            return changed == 1

    def phones_of(self, customer_id: int) -> list[str]:
        """Every mobile number on the profile, opted out or not (a website opt-out covers them all)."""
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(Phone.e164)
                    .join(Contact)
                    .where(Contact.customer_id == customer_id)
                    .order_by(Phone.id)
                )
            )

    def opt_in(self, phone: str, source: str) -> bool:
        """Undo an opt-out (the customer texted START); texting it is consent to texts again."""
        with self._sessions.begin() as session:
            changed = session.execute(
                update(Phone)
                .where(Phone.e164 == phone, Phone.opted_out_at.is_not(None))
                .values(
                    opted_out_at=None,
                    opt_out_source=None,
                    opt_out_message=None,
                    sms_consent=True,
                    sms_consent_at=utcnow(),
                    sms_consent_source=source,
                )
            ).rowcount
            return changed == 1

    def is_opted_out(self, phone: str) -> bool:
        with self._sessions() as session:
            return session.scalar(select(Phone.opted_out_at).where(Phone.e164 == phone)) is not None

    def open_handoff(
        self, customer_id: int, sender_id: str, channel: str, reason: str, message: str | None
    ) -> int:
        """Ask staff to take over; one open request per conversation (repeats reuse it)."""
        with self._sessions.begin() as session:
            existing = session.scalar(
                select(HandoffRequest).where(
                    HandoffRequest.sender_id == sender_id, HandoffRequest.status == "open"
                )
            )
            if existing is not None:
                return existing.id
            request = HandoffRequest(
                customer_id=customer_id,
                sender_id=sender_id,
                channel=channel,
                reason=reason,
                message=message,
            )
            session.add(request)
            session.flush()
            return request.id

    def vehicles_of(self, customer_id: int) -> list[VehicleDetails]:
        with self._sessions() as session:
            rows = session.scalars(
                select(Vehicle).where(Vehicle.customer_id == customer_id).order_by(Vehicle.id)
            )
            return [VehicleDetails(v.model, v.trim, v.year, v.make, v.vin, v.mileage) for v in rows]

    def add_vehicle(self, customer_id: int, vehicle: VehicleDetails) -> None:
        """Add a vehicle unless the household already has it (same VIN, or same year/model/trim)."""
        with self._sessions.begin() as session:
            for known in session.scalars(select(Vehicle).where(Vehicle.customer_id == customer_id)):
                same_vin = vehicle.vin and known.vin == vehicle.vin
                same_car = (known.model, known.trim, known.year) == (
                    vehicle.model,
                    vehicle.trim,
                    vehicle.year,
                )
                if same_vin or (not vehicle.vin and same_car):
                    return
            session.add(Vehicle(customer_id=customer_id, **vehicle.__dict__))

    def add_household_member(
        self, customer_id: int, name: str, relation: str | None, birth_year: int | None
    ) -> None:
        """Add someone to the household, or fill in what we learn about them (same name)."""
        with self._sessions.begin() as session:
            known = session.scalar(
                select(HouseholdMember).where(
                    HouseholdMember.customer_id == customer_id,
                    func.lower(HouseholdMember.name) == name.lower(),
                )
            )
            if known is None:
                session.add(
                    HouseholdMember(
                        customer_id=customer_id, name=name, relation=relation, birth_year=birth_year
                    )
                )
            else:
                known.relation = known.relation or relation
                known.birth_year = known.birth_year or birth_year

    def record_interest(self, customer_id: int, topic: str) -> None:
        """Count a feature question on the customer's interests."""
        with self._sessions.begin() as session:
            interest = session.scalar(
                select(Interest).where(Interest.customer_id == customer_id, Interest.topic == topic)
            )
            if interest is None:
                session.add(Interest(customer_id=customer_id, topic=topic, count=1))
            else:
                interest.count += 1
                interest.last_at = utcnow()

    def record_knowledge_gap(self, customer_id: int, sender_id: str, text: str, outcome: str) -> None:
        with self._sessions.begin() as session:
            session.add(
                KnowledgeGap(customer_id=customer_id, sender_id=sender_id, text=text, outcome=outcome)
            )

    def knowledge_gaps(self, limit: int = 200) -> list[dict[str, Any]]:
        """Newest first: questions the assistant couldn't answer outright."""
        with self._sessions() as session:
            rows = session.scalars(select(KnowledgeGap).order_by(KnowledgeGap.id.desc()).limit(limit))
            return [
                {
                    "customer_id": g.customer_id,
                    "sender_id": g.sender_id,
                    "text": g.text,
                    "outcome": g.outcome,
                    "created_at": iso_utc(g.created_at),
                }
                for g in rows
            ]

    # --- engagement -----------------------------------------------------------------------

    def record_engagement(self, records: Iterable[EngagementRecord]) -> int:
        """Write a batch of messages in one transaction (all or nothing, so a retry is safe)."""
        with self._sessions.begin() as session:
            customers: dict[tuple[str, str], int] = {}
            rows = []
            for record in records:
                key = (record.channel, record.sender_id)
                if key not in customers:
                    customers[key] = _customer_for_sender(session, *key)
                rows.append({"customer_id": customers[key], **record.__dict__})
            if rows:  # one multi-row statement, not one ORM insert per row
                session.execute(insert(EngagementEvent), rows)
            return len(rows)

    def channel_of(self, sender_id: str) -> str | None:
        """The channel a conversation was last seen on, for bot messages that don't say."""
        with self._sessions() as session:
            return session.scalar(
                select(ChannelIdentity.channel)
                .where(ChannelIdentity.sender_id == sender_id)
                .order_by(ChannelIdentity.id.desc())
                .limit(1)
            )

    # --- staff reads ----------------------------------------------------------------------

    def find_customers(
        self, *, phone: str | None = None, email: str | None = None, sender_id: str | None = None
    ) -> list[dict[str, Any]]:
        with self._sessions() as session:
            query = select(Customer.id).distinct()
            if phone:
                query = query.join(Contact).join(Phone).where(Phone.e164 == phone)
            elif email:
                query = query.join(Contact).join(Email).where(Email.address == email)
            elif sender_id:
                query = query.join(ChannelIdentity).where(ChannelIdentity.sender_id == sender_id)
            else:
                return []
            ids = list(session.scalars(query.order_by(Customer.id)))
            return [_summary(session, customer_id) for customer_id in ids]

    def search_customers(self, text: str, limit: int = SEARCH_LIMIT) -> list[dict[str, Any]]:
        """Customers whose name, household member, phone, email, VIN or conversation id matches.

        Names, emails and VINs match on any part; four or more digits (in any format, e.g.
        "(555) 010-0123") match any phone containing them.
        """
        text = " ".join(text.split())
        if not text:
            return []
        pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

        def like(column: Any) -> Any:
            return func.lower(column).like(pattern, escape="\\")

        owners = [
            select(Contact.customer_id).where(like(Contact.name)),
            select(HouseholdMember.customer_id).where(like(HouseholdMember.name)),
            select(Contact.customer_id).join(Email).where(like(Email.address)),
            select(Vehicle.customer_id).where(like(Vehicle.vin)),
            select(ChannelIdentity.customer_id).where(ChannelIdentity.sender_id == text),
        ]
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) >= 4 and len(digits) >= len(text.replace(" ", "")) // 2:
            owners.append(select(Contact.customer_id).join(Phone).where(Phone.e164.like(f"%{digits}%")))
        with self._sessions() as session:
            ids = session.scalars(
                select(Customer.id)
                .where(or_(*(Customer.id.in_(query) for query in owners)))
                .order_by(Customer.id.desc())
                .limit(limit)
            ).all()
            return [_summary(session, customer_id) for customer_id in ids]

    # --- human handoff ----------------------------------------------------------------------

    def open_handoffs(self) -> list[dict[str, Any]]:
        """Handoff requests waiting for (or being answered by) staff, oldest first."""
        with self._sessions() as session:
            rows = session.scalars(
                select(HandoffRequest).where(HandoffRequest.status == "open").order_by(HandoffRequest.id)
            )
            return [_handoff(h) for h in rows]

    def handoff(self, handoff_id: int) -> dict[str, Any] | None:
        """One handoff with the conversation so far (its last 200 messages, oldest first)."""
        with self._sessions() as session:
            row = session.get(HandoffRequest, handoff_id)
            if row is None:
                return None
            events = session.scalars(
                select(EngagementEvent)
                .where(EngagementEvent.sender_id == row.sender_id)
                .order_by(EngagementEvent.ts.desc(), EngagementEvent.id.desc())
                .limit(CONVERSATION_LIMIT)
            ).all()
            return {**_handoff(row), "conversation": [_event(e) for e in reversed(events)]}

    def take_handoff(self, handoff_id: int, staff: str) -> bool:
        """Mark an open handoff as taken over by a staff member; False if it isn't open."""
        with self._sessions.begin() as session:
            row = session.get(HandoffRequest, handoff_id)
            if row is None or row.status != "open":
                return False
            if row.taken_by is None:
                row.taken_by, row.taken_at = staff, utcnow()
            return True

    def is_taken_over(self, sender_id: str) -> bool:
        """Whether staff hold this conversation (an open handoff they took): the assistant keeps quiet."""
        with self._sessions() as session:
            return (
                session.scalar(
                    select(HandoffRequest.id)
                    .where(
                        HandoffRequest.sender_id == sender_id,
                        HandoffRequest.status == "open",
                        HandoffRequest.taken_by.is_not(None),
                    )
                    .limit(1)
                )
                is not None
            )

    def close_handoff(self, handoff_id: int, staff: str) -> bool:
        with self._sessions.begin() as session:
            row = session.get(HandoffRequest, handoff_id)
            if row is None or row.status != "open":
                return False
            row.status, row.closed_at, row.closed_by = "closed", utcnow(), staff
            return True

    def queue_staff_sms(self, handoff_id: int, staff: str, body: str) -> int:
        """Queue a staff reply to an SMS conversation in the outbox; never to an opted-out number.

        Raises InvalidContactDetail (a reason staff can act on) when it can't be sent.
        """
        with self._sessions.begin() as session:
            row = session.get(HandoffRequest, handoff_id)
            if row is None:
                raise InvalidContactDetail("That handoff doesn't exist.")
            phone = session.scalar(select(Phone).where(Phone.e164 == row.sender_id))
            if phone is not None and phone.opted_out_at is not None:
                raise InvalidContactDetail("This number has opted out of SMS; call them instead.")
            message = OutboxMessage(customer_id=row.customer_id, phone=row.sender_id, body=body, kind="staff")
            session.add(message)
            session.add(
                StaffAudit(
                    staff=staff,
                    customer_id=row.customer_id,
                    action="sms_reply",
                    detail={"handoff_id": handoff_id},
                )
            )
            session.flush()
            return message.id

    # --- staff edits (audited: who, when, what) -----------------------------------------

    def staff_fix_phone(self, staff: str, customer_id: int, old: str, new: str) -> None:
        """Replace a contact's phone number (both already normalised); consent doesn't carry over.

        Raises InvalidContactDetail when the old number isn't this customer's or the new one is taken.
        """
        with self._sessions.begin() as session:
            phone = session.scalar(
                select(Phone).join(Contact).where(Phone.e164 == old, Contact.customer_id == customer_id)
            )
            if phone is None:
                raise InvalidContactDetail("That number isn't on this customer's profile.")
            if old == new:
                return
            if session.scalar(select(Phone.id).where(Phone.e164 == new)) is not None:
                raise InvalidContactDetail("That number already belongs to a customer; search for it.")
            phone.e164 = new
            phone.sms_consent = phone.sms_consent_at = phone.sms_consent_source = None
            session.add(
                StaffAudit(
                    staff=staff,
                    customer_id=customer_id,
                    action="phone_fixed",
                    detail={"from": old, "to": new},
                )
            )

    def staff_add_household_member(
        self, staff: str, customer_id: int, name: str, relation: str | None, birth_year: int | None
    ) -> None:
        self.add_household_member(customer_id, name, relation, birth_year)
        self.audit(
            staff,
            customer_id,
            "household_added",
            {"name": name, "relation": relation, "birth_year": birth_year},
        )

    def audit(self, staff: str, customer_id: int | None, action: str, detail: dict[str, Any]) -> None:
        with self._sessions.begin() as session:
            session.add(StaffAudit(staff=staff, customer_id=customer_id, action=action, detail=detail))

    def audit_trail(self, customer_id: int) -> list[dict[str, Any]]:
        """Staff changes to a customer, newest first."""
        with self._sessions() as session:
            rows = session.scalars(
                select(StaffAudit).where(StaffAudit.customer_id == customer_id).order_by(StaffAudit.id.desc())
            )
            return [
                {"at": iso_utc(a.at), "staff": a.staff, "action": a.action, "detail": a.detail} for a in rows
            ]

    def profile_summary(self, customer_id: int) -> dict[str, Any] | None:
        """The profile without the engagement history (exports of many customers)."""
        with self._sessions() as session:
            if session.get(Customer, customer_id) is None:
                return None
            return _summary(session, customer_id)

    def profile(self, customer_id: int) -> dict[str, Any] | None:
        """Everything known about a customer, engagement oldest first (the staff API's shape)."""
        with self._sessions() as session:
            if session.get(Customer, customer_id) is None:
                return None
            profile = _summary(session, customer_id)
            events = session.scalars(
                select(EngagementEvent)
                .where(EngagementEvent.customer_id == customer_id)
                .order_by(EngagementEvent.ts, EngagementEvent.id)
            )
            profile["engagement"] = [_event(event) for event in events]
            return profile


# --- helpers (inside a caller's transaction) ------------------------------------------------


def _customer_for_sender(session: Session, channel: str, sender_id: str) -> int:
    lookup = select(ChannelIdentity.customer_id).where(
        ChannelIdentity.channel == channel, ChannelIdentity.sender_id == sender_id
    )
    customer_id = session.scalar(lookup)
    if customer_id is not None:
        return customer_id
    phone = sender_id if channel in PHONE_CHANNELS else None
    if phone:
        customer_id = session.scalar(select(Contact.customer_id).join(Phone).where(Phone.e164 == phone))
    # Reads stay outside the savepoint: on SQLite a transaction that reads and then writes fails
    # at once ("database is locked") instead of waiting when another process wrote meanwhile.
    try:
        with session.begin_nested():
            if customer_id is None:
                customer = Customer()
                session.add(customer)
                session.flush()
                customer_id = customer.id
                if phone:
                    session.add(Contact(customer_id=customer_id, phones=[Phone(e164=phone)]))
            session.add(ChannelIdentity(customer_id=customer_id, channel=channel, sender_id=sender_id))
            session.flush()
            return customer_id
    except IntegrityError:
        # Another process created it between our read and write: use theirs (found by the
        # conversation, or by the phone if that is what it added).
        return session.scalar(lookup) or _customer_for_sender(session, channel, sender_id)


def _contact_for(session: Session, customer_id: int, details: ContactDetails) -> Contact:
    """The household contact these details belong to (by phone, email, name, or a blank one)."""
    contacts = list(
        session.scalars(
            select(Contact)
            .where(Contact.customer_id == customer_id)
            .options(selectinload(Contact.phones), selectinload(Contact.emails))
            .order_by(Contact.id)
        )
    )
    for contact in contacts:
        if details.phone and details.phone in {p.e164 for p in contact.phones}:
            return contact
        if details.email and details.email in {e.address for e in contact.emails}:
            return contact
    for contact in contacts:
        if details.name and contact.name and contact.name.casefold() == details.name.casefold():
            return contact
    for contact in contacts:
        if contact.name is None or details.name is None:
            return contact
    contact = Contact(customer_id=customer_id)
    session.add(contact)
    return contact


def _summary(session: Session, customer_id: int) -> dict[str, Any]:
    customer = session.scalars(
        select(Customer)
        .where(Customer.id == customer_id)
        .options(
            selectinload(Customer.contacts).selectinload(Contact.phones),
            selectinload(Customer.contacts).selectinload(Contact.emails),
            selectinload(Customer.household),
            selectinload(Customer.vehicles),
            selectinload(Customer.identities),
            selectinload(Customer.handoffs),
            selectinload(Customer.interests),
        )
    ).one()
    engagement_count = session.scalar(
        select(func.count()).select_from(EngagementEvent).where(EngagementEvent.customer_id == customer_id)
    )
    return {
        "id": customer.id,
        "created_at": iso_utc(customer.created_at),
        "contacts": [
            {
                "id": c.id,
                "name": c.name,
                "phones": [
                    {
                        "e164": p.e164,
                        "sms_consent": p.sms_consent,
                        "sms_consent_at": iso_utc(p.sms_consent_at),
                        "sms_consent_source": p.sms_consent_source,
                        "opted_out_at": iso_utc(p.opted_out_at),
                        "opt_out_source": p.opt_out_source,
                        "opt_out_message": p.opt_out_message,
                    }
                    for p in c.phones
                ],
                "emails": [e.address for e in c.emails],
            }
            for c in customer.contacts
        ],
        "household": [
            {"id": m.id, "name": m.name, "relation": m.relation, "birth_year": m.birth_year}
            for m in customer.household
        ],
        "vehicles": [
            {
                "id": v.id,
                "year": v.year,
                "make": v.make,
                "model": v.model,
                "trim": v.trim,
                "vin": v.vin,
                "mileage": v.mileage,
            }
            for v in customer.vehicles
        ],
        "channels": [
            {"channel": i.channel, "sender_id": i.sender_id, "since": iso_utc(i.created_at)}
            for i in customer.identities
        ],
        "handoffs": [_handoff(h) for h in customer.handoffs],
        "interests": [
            {
                "topic": i.topic,
                "count": i.count,
                "first_at": iso_utc(i.first_at),
                "last_at": iso_utc(i.last_at),
            }
            for i in sorted(customer.interests, key=lambda i: (-i.count, i.topic))
        ],
        "engagement_count": engagement_count,
    }


def _event(event: EngagementEvent) -> dict[str, Any]:
    return {
        "ts": iso_utc(event.ts),
        "channel": event.channel,
        "direction": event.direction,
        "sender_id": event.sender_id,
        "text": event.text,
        "data": event.data,
        "intent": event.intent,
        "confidence": event.confidence,
        "action": event.action,
        "topic": event.topic,
        "model": event.model,
        "trim": event.trim,
        "booking_id": event.booking_id,
    }


def _handoff(h: HandoffRequest) -> dict[str, Any]:
    return {
        "id": h.id,
        "customer_id": h.customer_id,
        "status": h.status,
        "reason": h.reason,
        "channel": h.channel,
        "sender_id": h.sender_id,
        "message": h.message,
        "created_at": iso_utc(h.created_at),
        "closed_at": iso_utc(h.closed_at),
        "taken_by": h.taken_by,
        "taken_at": iso_utc(h.taken_at),
        "closed_by": h.closed_by,
    }
