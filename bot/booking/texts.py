"""The wording of the texts about bookings that go out without the assistant: reminders, the
answers to a reply of C or X to a reminder, seats freed from a clinic's waitlist and service times
freed by a cancellation. One place, so the dealership's voice in them is edited together (the
assistant's own wording is in domain.yml)."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.booking.models import Booking
from bot.booking.schedule import Schedule

OPT_OUT = "Reply STOP to opt out."


def what(booking: Booking, clinic: str | None, schedule: Schedule) -> str:
    """ "your Teen Driver Safety Clinic", "your service appointment (Oil change, Tire rotation)"."""
    if booking.kind == "clinic" and clinic in schedule.clinics:
        return f"your {schedule.clinics[clinic].name}"
    names = [schedule.services[s].name for s in booking.services or [] if s in schedule.services]
    return "your service appointment" + (f" ({', '.join(names)})" if names else "")


def when(start: datetime, schedule: Schedule) -> str:
    """A stored (naive UTC) or aware time as the customer reads it: "Thu Nov 26 at 9:00 AM"."""
    aware = start if start.tzinfo else start.replace(tzinfo=timezone.utc)
    local = aware.astimezone(schedule.tz)
    return f"{local:%a %b %-d} at {local:%-I:%M %p}"


def reminder(booking: Booking, clinic: str | None, schedule: Schedule, dealership: str) -> str:
    """A confirmed booking has nothing left to confirm, so it is offered only moving or cancelling."""
    replies = (
        "R to reschedule, X to cancel"
        if booking.confirmed_at
        else "C to confirm, R to reschedule, X to cancel"
    )
    return (
        f"{dealership}: reminder that {what(booking, clinic, schedule)} is on "
        f"{when(booking.starts_at, schedule)}. Confirmation code {booking.code}. Reply {replies}. {OPT_OUT}"
    )


def reply_confirmed(booking: Booking, clinic: str | None, schedule: Schedule) -> str:
    return (
        f"Thanks, you're confirmed: {what(booking, clinic, schedule)} on {when(booking.starts_at, schedule)} "
        f"(code {booking.code}). See you then! Reply R to reschedule or X to cancel."
    )


def reply_cancelled(booking: Booking, clinic: str | None, schedule: Schedule) -> str:
    return (
        f"Done: {what(booking, clinic, schedule)} on {when(booking.starts_at, schedule)} is cancelled "
        f"(code {booking.code}). Text us any time to book again."
    )


def waitlist_seat(booking: Booking, clinic_name: str, schedule: Schedule) -> str:
    return (
        f"Good news: a place opened up at the {clinic_name} on {when(booking.starts_at, schedule)}, and "
        f"it's yours (code {booking.code}). Can't make it? Reply to cancel. {OPT_OUT}"
    )


def slot_offer(freed: Booking, schedule: Schedule) -> str:
    return (
        f"Good news from our service department: a time just opened up on {when(freed.starts_at, schedule)}, "
        f"the day you asked for. Reply here if you'd like it and we'll book it. {OPT_OUT}"
    )
