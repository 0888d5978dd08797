"""Answering a booking reminder by text: C confirms, X cancels, R starts moving it with the assistant.

A reply acts only on the booking the phone's latest sent reminder was about, only while that
reminder is unanswered, and only while the booking is still ahead, still confirmed and on the
profile of the customer texting; otherwise the message is an ordinary one for the assistant. The
reminder is claimed by one conditional update, so a reply acts once whichever process handles it.
Cancelling goes through `steps.cancel`, the assistant's own path (capacity, the freed time offered
to customers who wanted that day).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.booking import reminders, steps, texts
from bot.booking.models import Booking, ClinicSession
from bot.channels.sms.models import OutboxMessage

if TYPE_CHECKING:
    from bot.services import Services

CONFIRM, RESCHEDULE, CANCEL = "confirm", "reschedule", "cancel"


@dataclass(frozen=True)
class ReminderAnswer:
    """What a reply to a reminder did: the outcome, the booking's code, the texts to send back, and
    for R the message that starts moving the booking in the conversation (the assistant answers)."""

    outcome: str
    code: str
    texts: list[str] = field(default_factory=list)
    to_assistant: str | None = None


def reschedule_message(code: str) -> str:
    """The intent the assistant starts moving a booking with, naming the booking: the booking
    change form takes the code from the message as it would from "reschedule K7M2QX"."""
    return "/reschedule_booking" + json.dumps({"booking_code": code})


def answer_reminder(services: Services, phone: str, customer_id: int, reply: str) -> ReminderAnswer | None:
    """Act on a reply (`CONFIRM`, `RESCHEDULE` or `CANCEL`) to the phone's latest reminder; None
    when there is no unanswered reminder of an upcoming booking of this customer to act on."""
    now = services.now()
    claimed = _claim(services.sessions, phone, customer_id, now, confirm=reply == CONFIRM)
    if claimed is None:
        return None
    booking, clinic = claimed
    schedule = services.schedule
    if reply == CONFIRM:
        return ReminderAnswer(
            "reminder_confirmed", booking.code, [texts.reply_confirmed(booking, clinic, schedule)]
        )
    if reply == CANCEL:
        result = steps.cancel(services, customer_id, booking.code)
        said = texts.reply_cancelled(booking, clinic, schedule) if result.ok else str(result.reason)
        return ReminderAnswer("reminder_cancelled", booking.code, [said])
    return ReminderAnswer("reminder_reschedule", booking.code, to_assistant=reschedule_message(booking.code))


def _claim(
    sessions: sessionmaker[Session], phone: str, customer_id: int, now: datetime, confirm: bool
) -> tuple[Booking, str | None] | None:
    """The booking of the phone's latest sent reminder, marking that reminder answered (and, to
    confirm, the booking confirmed) in one transaction; None if it isn't one to act on."""
    utc_now = now.astimezone(timezone.utc).replace(tzinfo=None)
    with sessions.begin() as session:
        latest = session.execute(
            select(OutboxMessage.id, OutboxMessage.booking_id, OutboxMessage.replied_at)
            .where(
                OutboxMessage.phone == phone,
                OutboxMessage.kind.in_(reminders.KINDS),
                OutboxMessage.status == "sent",
            )
            .order_by(OutboxMessage.sent_at.desc(), OutboxMessage.id.desc())
            .limit(1)
        ).first()
        if latest is None or latest.replied_at is not None:
            return None
        booking = session.get(Booking, latest.booking_id)
        if (
            booking is None
            or booking.status != "confirmed"
            or booking.customer_id != customer_id
            or booking.starts_at <= utc_now
        ):
            return None
        claimed = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == latest.id, OutboxMessage.replied_at.is_(None))
            .values(replied_at=utc_now)
        ).rowcount
        if claimed != 1:
            return None  # another delivery of a reply just answered it
        if confirm and booking.confirmed_at is None:
            booking.confirmed_at = utc_now
        clinic = session.scalar(
            select(ClinicSession.clinic).where(ClinicSession.id == booking.clinic_session_id)
        )
        return booking, clinic
