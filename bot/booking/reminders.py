"""Booking reminders: queued in the SMS outbox 24 hours and 2 hours before each booking, and in
the email outbox for customers who get booking emails (each by the channels the customer chose,
bot/profile/contacts.py: booking_channels).

The SMS sender queues them once a minute as part of its loop (`python -m bot sms-sender`), so no
cron is needed; `make reminders` does one pass by hand or from cron. It is idempotent: the outbox
has one row per booking and reminder kind, so a reminder is never queued twice, however often or
from however many machines or senders this runs. Only phones with SMS consent and no opt-out get one.
A reminder asks for a reply (C to confirm, R to reschedule, X to cancel: bot/booking/replies.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.booking import texts
from bot.booking.models import Booking, ClinicSession
from bot.booking.schedule import Schedule
from bot.channels.sms.models import OutboxMessage
from bot.profile.consent import booking_channels, textable_phone

if TYPE_CHECKING:
    from bot.mail.customers import CustomerMail
    from bot.services import Services


@dataclass(frozen=True)
class Lead:
    kind: str
    before: timedelta
    until: timedelta  # too late for this reminder once the booking is closer than this


LEADS = (
    Lead("reminder_24h", timedelta(hours=24), timedelta(hours=2)),
    Lead("reminder_2h", timedelta(hours=2), timedelta(minutes=0)),
)
KINDS = tuple(lead.kind for lead in LEADS)  # the outbox kinds of reminders


def queue_reminders(
    sessions: sessionmaker[Session],
    schedule: Schedule,
    dealership: str,
    now: datetime,
    mail: CustomerMail | None = None,
) -> int:
    """Queue every reminder that is due now (texts, and emails with `mail`); returns how many
    were newly queued."""
    utc_now = now.astimezone(timezone.utc).replace(tzinfo=None)
    queued = 0
    with sessions.begin() as session:
        due = session.execute(
            select(Booking, ClinicSession.clinic)
            .outerjoin(ClinicSession, Booking.clinic_session_id == ClinicSession.id)
            .where(
                Booking.status == "confirmed",
                Booking.starts_at > utc_now,
                Booking.starts_at <= utc_now + LEADS[0].before,
            )
        ).all()
        for booking, clinic in due:
            left = booking.starts_at - utc_now
            channels = booking_channels(session, booking.customer_id)
            for lead in LEADS:
                if lead.until < left <= lead.before:
                    if "sms" in channels:
                        body = texts.reminder(booking, clinic, schedule, dealership)
                        queued += queue_sms(session, booking, lead.kind, body)
                    if mail is not None:
                        queued += mail.queue_booking(session, booking, clinic, lead.kind)
    return queued


def queue_due_now(services: Services) -> int:
    """One pass with this deployment's schedule and dealership name (the sender's loop, `make reminders`)."""
    from bot.mail.customers import CustomerMail  # bot.mail reads bookings: imported when used

    return queue_reminders(
        services.sessions,
        services.schedule,
        services.dealership.name,
        services.clock(),
        CustomerMail(services),
    )


def queue_sms(session: Session, booking: Booking, kind: str, body: str) -> int:
    """Queue one text about a booking to the customer's consented, not opted-out phone; 0 if there
    is none or this kind of text about this booking was queued before."""
    phone = textable_phone(session, booking.customer_id)
    if phone is None:
        return 0
    try:
        with session.begin_nested():
            session.add(
                OutboxMessage(
                    customer_id=booking.customer_id, phone=phone, body=body, kind=kind, booking_id=booking.id
                )
            )
        return 1
    except IntegrityError:
        return 0  # already queued (by an earlier run, or another machine just now)
