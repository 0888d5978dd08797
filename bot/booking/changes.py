"""Reading a request to move or cancel one's own booking, whatever the classifier made of it.

A word for moving (or cancelling) and a reference to a booking (my appointment, my booking, my
service, a service on the menu, a clinic) is a change to a booking; so is a new time for "that"
or "it" ("can we do saturday morning instead"). Used by the NLU guard and by "never mind, cancel
the car seat check".
"""

from __future__ import annotations

import re

from bot.booking.clinic_talk import clinic_named
from bot.booking.schedule import Schedule
from bot.booking.when import mentions_time

MOVE = re.compile(
    r"\b(reschedul\w*|re-schedul\w*|move|moved|moving|push(ed)?|switch|bump|shift|postpone"
    r"|change (the )?(day|date|time)|different (day|date|time)|earlier in the day"
    r"|later (slot|time|in the day)"
    r"|instead)\b",
    re.IGNORECASE,
)
CANCEL = re.compile(
    r"\b(cancel\w*|call off|can'?t make it|won'?t make it|unsubscribe from|drop out of)\b", re.IGNORECASE
)
# A new time for what was booked: "...instead", "switch that to", "move it to".
NEW_TIME_FOR_IT = re.compile(
    r"\binstead\b|\b(switch|move|push|bump|change|shift|reschedule)\s+(that|it|this)\b", re.IGNORECASE
)
# One's own booking: "my appointment", "our spot", "the booking" (not "the seat": a car's).
BOOKING = re.compile(
    r"\b(my|our)\s+(\w+\s+)?(appointment|appt|booking|reservation|service|visit|slot|spot|seat|class|clinic)\b"
    r"|\b(the|that)\s+(\w+\s+)?(appointment|appt|booking|reservation)\b",
    re.IGNORECASE,
)


def change_asked(schedule: Schedule, text: str) -> str | None:
    """`cancel_booking` or `reschedule_booking` for a change to a booking one refers to, or a new
    time for "that" / "it" ("can we do saturday morning instead", "switch that to thursday")."""
    if text.startswith("/"):
        return None
    refers = BOOKING.search(text) or schedule.services_in(text) or clinic_named(schedule, text)
    if not refers:
        return "reschedule_booking" if NEW_TIME_FOR_IT.search(text) and mentions_time(text) else None
    if CANCEL.search(text):
        return "cancel_booking"
    return "reschedule_booking" if MOVE.search(text) else None
