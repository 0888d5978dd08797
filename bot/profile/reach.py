"""Handoffs reach a person: the department's staff on duty are alerted (SMS and email), the next
one if nobody takes it in time, and the customer is told honestly what is happening.

- A new handoff alerts the first person on its department's list (`knowledge/dealership.yml`)
  in the same transaction that creates it: an SMS through the SMS outbox (kind `staff_alert`:
  staff are not customers, so no customer consent applies, but the sender never texts an
  opted-out number) and an email through the email outbox, each with a link to the handoff in
  the staff console. Out of hours the email goes at once and the SMS waits for the opening
  (the outbox's `next_attempt_at`), so nobody is texted at 3 AM.
- `escalate_due` (run by the SMS sender's loop every minute) alerts the next person when a
  handoff has waited `HANDOFF_ALERT_MINUTES` during the department's opening hours without being
  taken, and queues a note to the customer; when the list is used up it is reported missed.
  Each step is one conditional UPDATE on the handoff (like the outbox lease), so several
  senders escalate a handoff once.
- A sales handoff is also a lead for the dealership's CRM (`bot/crm`), queued in the same
  transaction when `CRM_LEAD_EMAIL` is set.
- The invariant (`unreached`): every open handoff is taken, alerted to someone, or reported
  missed.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from bot import config
from bot.channels.sms.models import OutboxMessage
from bot.crm import SalesAsk, queue_handoff_lead
from bot.dealership import Dealership, StaffMember
from bot.knowledge import VehicleRef
from bot.mail.models import EmailMessage
from bot.profile.models import EngagementEvent, HandoffRequest, Phone

if TYPE_CHECKING:
    from bot.services import Services

ALERT_KIND = "staff_alert"  # an SMS or email to staff about a handoff
NOTICE_KIND = "handoff_notice"  # an SMS to the customer about the wait
NOTICE_ACTION = "handoff_notice"  # the engagement event's action for that note, on every channel
MIN_MEASURED = 10  # taken handoffs needed before the promise quotes the measured median
MEASURED_DAYS = 90
REASON_WORDS = {"asked": "asked for a person", "escalation": "escalation", "pricing": "pricing"}

# Which department's staff a handoff goes to, from what the customer wrote (plain word lists).
SALES_WORDS = re.compile(
    r"\b(price|prices|pricing|cost|deal|deals|discount|trade|trade-in|trading|lease|leasing|financ\w*|"
    r"loan|apr|buy|buying|purchase|quote|msrp|out[- ]the[- ]door|test drive|payment|payments|new car)\b",
    re.I,
)
# What a sales request is about, in ADF's vehicle interests (buy unless one of these says otherwise).
TRADE_IN_WORDS = re.compile(r"\btrad(e|es|ed|ing)([- ]?in\b|\b)", re.I)
INTEREST_WORDS = (
    ("lease", re.compile(r"\b(lease|leases|leased|leasing)\b", re.I)),
    ("test-drive", re.compile(r"\btest[- ]?driv(e|es|ing)\b", re.I)),
)
SERVICE_WORDS = re.compile(
    r"\b(service|serviced|repair\w*|oil|brake\w*|tire\w*|tyre\w*|recall\w*|maintenance|warranty|"
    r"mechanic|engine|noise|leak\w*|battery|check[- ]engine|alignment|diagnos\w*|appointment|"
    r"loaner|shuttle|inspection)\b",
    re.I,
)
SERVICE_FORMS = ("service_form", "booking_change_form")


def department_for(shop: Dealership, reason: str, message: str | None, active_form: str | None) -> str:
    """Sales for prices, trade-ins and buying; service for service questions (or while booking
    service); otherwise the dealership's `handoff_department` (sales unless configured)."""
    text = message or ""
    if sales_ask(reason, message) is not None:
        return "sales"
    if active_form in SERVICE_FORMS or SERVICE_WORDS.search(text):
        return "service"
    return shop.handoff_department


def sales_ask(reason: str, message: str | None) -> SalesAsk | None:
    """What a request for prices, trade-ins or buying is about (ADF's interest in the car they
    want, and whether they trade one in); None when it isn't one."""
    text = message or ""
    if reason != "pricing" and not SALES_WORDS.search(text):
        return None
    interest = next((name for name, words in INTEREST_WORDS if words.search(text)), "buy")
    return SalesAsk(interest, trade_in=TRADE_IN_WORDS.search(text) is not None)


@dataclass(frozen=True)
class Opened:
    """A handoff as the customer's reply needs it."""

    id: int
    created: bool  # False: the conversation's open request was reused
    department: str
    open_now: bool  # the department is open, so staff can answer now
    missed: bool  # nobody is on duty to alert


def open_and_alert(
    services: Services,
    customer_id: int,
    sender_id: str,
    channel: str,
    reason: str,
    message: str | None,
    department: str,
    about: VehicleRef | None = None,
) -> Opened:
    """Open (or reuse) the conversation's handoff and, for a new one, alert the first person on
    duty in the same transaction, or report it missed when nobody is listed; a sales one is also
    queued as a CRM lead about the car `about` (the one the customer named)."""
    shop, now = services.dealership, services.clock()
    open_now = shop.is_open(now, department)
    with services.sessions.begin() as session:
        existing = session.scalar(
            select(HandoffRequest).where(
                HandoffRequest.sender_id == sender_id, HandoffRequest.status == "open"
            )
        )
        if existing is not None:
            return Opened(
                existing.id,
                False,
                existing.department or department,
                open_now,
                existing.missed_at is not None,
            )
        staff = shop.staff_on_duty(department)
        wait_from = now if open_now else shop.next_opening(now, department)
        row = HandoffRequest(
            customer_id=customer_id,
            sender_id=sender_id,
            channel=channel,
            reason=reason,
            message=message,
            department=department,
            created_at=_naive(now),
            wait_from=_naive(wait_from),
        )
        session.add(row)
        session.flush()
        if staff:
            row.alerts = 1
            row.next_alert_at = _naive(wait_from + _timeout())
            _alert(session, shop, row, staff[0], None, sms_at=None if open_now else _naive(wait_from))
        else:
            row.missed_at = _naive(now)
        ask = sales_ask(reason, message)
        if ask is not None:
            queue_handoff_lead(session, services, row, ask, about, handoff_link(row.id))
        return Opened(row.id, True, department, open_now, row.missed_at is not None)


def escalate_due(services: Services) -> Counter[str]:
    """Alert the next person for each handoff left waiting too long in opening hours, or report it
    missed; idempotent across several senders. Counts outcomes (escalated, missed, deferred)."""
    shop, now = services.dealership, services.clock()
    outcomes: Counter[str] = Counter()
    with services.sessions() as session:
        due = session.execute(
            select(HandoffRequest.id, HandoffRequest.alerts, HandoffRequest.next_alert_at)
            .where(_waiting(), HandoffRequest.next_alert_at <= _naive(now))
            .order_by(HandoffRequest.id)
        ).all()
    for handoff_id, alerts, due_at in due:
        with services.sessions.begin() as session:
            row = session.get(HandoffRequest, handoff_id)
            department = row.department or shop.handoff_department
            claim = update(HandoffRequest).where(
                HandoffRequest.id == handoff_id,
                HandoffRequest.alerts == alerts,
                HandoffRequest.next_alert_at == due_at,
                _waiting(),
            )
            if not shop.is_open(now, department):  # nobody to blame out of hours: wait for the opening
                later = _naive(shop.next_opening(now, department))
                if session.execute(claim.values(next_alert_at=later)).rowcount == 1:
                    outcomes["deferred"] += 1
                continue
            staff = shop.staff_on_duty(department)
            if alerts < len(staff):
                values = {"alerts": alerts + 1, "next_alert_at": _naive(now + _timeout())}
            else:
                values = {"next_alert_at": None, "missed_at": _naive(now)}
            if session.execute(claim.values(**values)).rowcount != 1:
                continue  # another sender did it
            session.refresh(row)
            if alerts < len(staff):
                _alert(session, shop, row, staff[alerts], staff[alerts - 1] if alerts else None, sms_at=None)
                _tell_customer(session, shop, row, _escalated_notice(shop, department, staff[alerts]), now)
                outcomes["escalated"] += 1
            else:
                _missed_email(session, shop, row, department)
                _tell_customer(session, shop, row, _missed_notice(shop, department), now)
                outcomes["missed"] += 1
    return outcomes


def unreached(services: Services) -> list[int]:
    """Open handoffs that break the invariant: not taken, nobody alerted, not reported missed."""
    with services.sessions() as session:
        return list(
            session.scalars(
                select(HandoffRequest.id).where(
                    HandoffRequest.status == "open",
                    HandoffRequest.taken_by.is_(None),
                    HandoffRequest.missed_at.is_(None),
                    HandoffRequest.alerts == 0,
                )
            )
        )


def take_over_minutes(services: Services, since: datetime, until: datetime | None = None) -> list[float]:
    """Minutes from when staff could first answer (creation, or the next opening) to a person
    taking each handoff created in the period."""
    query = select(HandoffRequest.wait_from, HandoffRequest.taken_at).where(
        HandoffRequest.taken_at.is_not(None),
        HandoffRequest.wait_from.is_not(None),
        HandoffRequest.created_at >= _naive(since),
    )
    if until is not None:
        query = query.where(HandoffRequest.created_at < _naive(until))
    with services.sessions() as session:
        rows = session.execute(query).all()
    return [max(0.0, (taken - wait).total_seconds() / 60) for wait, taken in rows]


def reply_promise(services: Services, department: str | None = None) -> str:
    """When a person will answer, said honestly: the measured median time to take over once
    there are enough taken handoffs to measure, else the dealership's usual words; out of the
    department's hours, its next opening."""
    now = services.clock()
    shop = services.dealership
    if department is not None and not shop.is_open(now, department):
        return f"We're closed right now, so someone will reply {shop.when_open(now, department)}."
    if shop.is_open(now):
        minutes = take_over_minutes(services, now - timedelta(days=MEASURED_DAYS))
        if len(minutes) >= MIN_MEASURED:
            median = max(1, round(statistics.median(minutes)))
            unit = "minute" if median == 1 else "minutes"
            return f"Someone will reply shortly: half of these requests are picked up within {median} {unit}."
    return shop.staff_reply_promise(now)


def handoff_link(handoff_id: int) -> str:
    return f"{config.console_url()}/staff/handoffs/{handoff_id}"


# --- what is queued ------------------------------------------------------------------------


def _alert(
    session: Session,
    shop: Dealership,
    row: HandoffRequest,
    person: StaffMember,
    before: StaffMember | None,
    sms_at: datetime | None,
) -> None:
    """SMS and email to one staff member about a handoff (SMS never to an opted-out number)."""
    department = row.department or shop.handoff_department
    waited = f" {before.first_name} hasn't taken it yet." if before else ""
    link = handoff_link(row.id)
    if person.mobile and not _opted_out(session, person.mobile):
        session.add(
            OutboxMessage(
                customer_id=row.customer_id,
                phone=person.mobile,
                kind=ALERT_KIND,
                next_attempt_at=sms_at,
                body=f"{shop.name}: a customer wants a person ({department}, "
                f"{REASON_WORDS.get(row.reason, row.reason)}).{waited} Take it: {link}",
            )
        )
    if person.email:
        said = f'\n\nThey wrote: "{row.message}"' if row.message else ""
        session.add(
            EmailMessage(
                to_address=person.email,
                kind=ALERT_KIND,
                handoff_id=row.id,
                subject=f"Handoff #{row.id}: a customer wants a person ({department})",
                body=(
                    f"Hi {person.first_name},\n\nA customer asked for a person on {row.channel} "
                    f"({REASON_WORDS.get(row.reason, row.reason)}).{waited}{said}\n\n"
                    f"Take it over in the staff console: {link}\n"
                ),
            )
        )


def _missed_email(session: Session, shop: Dealership, row: HandoffRequest, department: str) -> None:
    """Nobody on the list took it: the department's own mailbox hears of it."""
    found = shop.departments.get(department)
    address = found.email if found is not None else shop.email
    if address:
        session.add(
            EmailMessage(
                to_address=address,
                kind=ALERT_KIND,
                handoff_id=row.id,
                subject=f"Missed handoff #{row.id} ({department})",
                body=(
                    f"Nobody on the {department} list has taken handoff #{row.id} "
                    f"({REASON_WORDS.get(row.reason, row.reason)}, {row.channel}).\n\n"
                    f"Take it over: {handoff_link(row.id)}\n"
                ),
            )
        )


def _tell_customer(session: Session, shop: Dealership, row: HandoffRequest, text: str, now: datetime) -> None:
    """The note goes out by SMS on an SMS conversation (never to an opted-out number); on every
    channel it is kept on the handoff and in the conversation, so staff see what was said."""
    row.notice, row.notice_at = text, _naive(now)
    if row.channel == "sms" and not _opted_out(session, row.sender_id):
        session.add(
            OutboxMessage(customer_id=row.customer_id, phone=row.sender_id, body=text, kind=NOTICE_KIND)
        )
    session.add(
        EngagementEvent(
            customer_id=row.customer_id,
            sender_id=row.sender_id,
            ts=_naive(now),
            channel=row.channel,
            direction="out",
            text=text,
            action=NOTICE_ACTION,
        )
    )


def _escalated_notice(shop: Dealership, department: str, person: StaffMember) -> str:
    return (
        f"Sorry for the wait: nobody has picked up your request yet, so I've also asked "
        f"{person.first_name} from our {department} team. You'll get a reply here."
    )


def _missed_notice(shop: Dealership, department: str) -> str:
    found = shop.departments.get(department)
    phone = found.phone if found is not None and found.phone else shop.phone
    return (
        f"Sorry: our {department} team hasn't been able to pick up your request yet. It stays with "
        f"them and someone will get back to you; for a quicker answer, call {phone}."
    )


def _opted_out(session: Session, e164: str) -> bool:
    return session.scalar(select(Phone.opted_out_at).where(Phone.e164 == e164)) is not None


def _waiting() -> object:
    return and_(
        HandoffRequest.status == "open",
        HandoffRequest.taken_by.is_(None),
        HandoffRequest.missed_at.is_(None),
        HandoffRequest.next_alert_at.is_not(None),
    )


def _timeout() -> timedelta:
    return timedelta(minutes=config.handoff_alert_minutes())


def _naive(moment: datetime) -> datetime:
    """Stored times are naive UTC (bot.tables.utcnow)."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None)
