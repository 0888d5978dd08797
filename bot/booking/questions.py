"""Questions about a booking the customer already has: "what time does it start?", "where do I
go?", "what's my code again?", "can my husband come too?". Answered from their own upcoming
bookings, never from what was said earlier in the conversation, so they stay true after a move
or a cancellation."""

from __future__ import annotations

import re

from bot.booking.store import UpcomingBooking

WHERE = re.compile(r"\b(where|address|location|located|directions|how do i get|find you|park|parking)\b")
CODE = re.compile(r"\b(code|confirmation|reference|ref|number)\b")
ADD = re.compile(
    r"\b(come too|come along|come as well|come with|join|bring|add|another|extra|one more|plus one|"
    r"tag along|also come|can (my|our)|could (my|our))\b"
)
_KINDS = {"clinic": ("clinic", "class", "session", "course"), "service": ("service", "car", "oil", "repair")}


def question_kind(text: str) -> str:
    """What is asked about the booking: "add" (someone else coming), "where", "code" or "when"
    (the default: when it is, with everything else the customer may need)."""
    said = text.lower()
    if ADD.search(said):
        return "add"
    if WHERE.search(said):
        return "where"
    if CODE.search(said) and "when" not in said and "time" not in said:
        return "code"
    return "when"


def booking_meant(text: str, upcoming: list[UpcomingBooking]) -> UpcomingBooking | None:
    """The booking a question is about: the one its code or kind names ("my class", "the oil
    change"), else the soonest."""
    said = text.lower()
    for booking in upcoming:
        if booking.code.lower() in said.split():
            return booking
    for kind, words in _KINDS.items():
        if any(re.search(rf"\b{word}", said) for word in words):
            named = [b for b in upcoming if b.kind == kind]
            if named:
                return named[0]
    return upcoming[0] if upcoming else None


def when_of(booking: UpcomingBooking) -> str:
    """ "Sat Dec 12 at 10:00 AM", as the answers say it."""
    return f"{booking.starts_at:%a %b %-d} at {booking.starts_at:%-I:%M %p}"
