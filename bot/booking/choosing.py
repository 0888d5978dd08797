"""Which of the times just offered a customer means: "the first one", "2nd", "option 3", "the
last one", "the earliest", "the saturday one", "dec 12", "next week's", "the 6pm one", "any".

Everything said narrows the offered times (a weekday, a date, a week, a clock time, a part of
the day); an ordinal then counts within what's left ("the second saturday"), and otherwise the
earliest that fits is meant ("the saturday one" when every session is on a Saturday is the
next one, which the confirmation then shows with its date).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from bot.booking.when import MONTHS, PARTS_OF_DAY, WEEKDAYS, UnreadableTime, day_named, time_named

ORDINALS = {
    "first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
    "fifth": 4, "5th": 4, "sixth": 5, "6th": 5,
}  # fmt: skip
EARLIEST = re.compile(
    r"\b(earliest|soonest|sooner|next (one|available|session)|first available|asap|as soon as|closest)\b"
)
LAST = re.compile(r"\b(last|latest|later one|final)\b")
ANY = re.compile(
    r"\b(any|anyone|either|whichever|whatever|don'?t mind|doesn'?t matter|dont care|up to you|you pick|"
    r"you choose|surprise me|no preference)\b"
)
AGREE = re.compile(
    r"^(yes|yeah|yep|yup|ya|sure|ok|okay|k|that one|that works|sounds good|perfect|great|fine)\b"
)
_NUMBER = re.compile(r"^(?:option|opt|number|no\.?|#|choice|button)?\s*(\d)$")
_WEEKDAY = re.compile(r"\b(" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")(?:s|'s)?\b")


def choose(text: str, offered: list[datetime], now: datetime) -> datetime | None:
    """The one of `offered` (soonest first) that `text` means, or None if it can't tell."""
    said = " ".join(text.lower().replace("’", "'").strip(" .!?").split())
    if not offered or not said:
        return None
    number = _NUMBER.match(said)
    if number:
        index = int(number[1]) - 1
        return offered[index] if 0 <= index < len(offered) else None
    if len(offered) == 1 and AGREE.match(said):
        return offered[0]
    fitting = _narrowed(said, offered, now)
    ordinal = next((ORDINALS[w] for w in re.findall(r"[a-z0-9]+", said) if w in ORDINALS), None)
    if ordinal is not None:
        return fitting[ordinal] if fitting and ordinal < len(fitting) else None
    if LAST.search(said):
        return fitting[-1] if fitting else None
    if fitting is not offered or EARLIEST.search(said) or ANY.search(said):
        return fitting[0] if fitting else None
    return None


def _narrowed(said: str, offered: list[datetime], now: datetime) -> list[datetime]:
    """The offered times that fit what's said; `offered` itself (the same list) if nothing
    narrows it."""
    fitting = offered
    weekday = _WEEKDAY.search(said)
    if weekday:
        fitting = [s for s in fitting if s.weekday() == WEEKDAYS[weekday[1]]]
    week = re.search(r"\b(this|next|following) (week|weekend)\b", said)
    day = _day(said, now.date()) if not weekday and not week else None
    if day is not None:
        fitting = [s for s in fitting if s.date() == day]
    if week:
        monday = now.date() - timedelta(days=now.weekday())
        if week[1] != "this":
            monday += timedelta(days=7)
        fitting = [s for s in fitting if monday <= s.date() < monday + timedelta(days=7)]
    try:
        at = time_named(said)
    except UnreadableTime:
        at = None
    if at is not None:
        fitting = [s for s in fitting if (s.hour, s.minute) == (at.hour, at.minute)]
    part = next((span for name, span in PARTS_OF_DAY.items() if name in said), None)
    if part is not None and at is None:
        fitting = [s for s in fitting if part[0] <= s.time() < part[1]]
    return fitting


def _day(said: str, today: date) -> date | None:
    """A date said ("dec 12", "12/12", "the 12th", "tomorrow"); ordinals up to the 6th count as
    positions in the list instead ("the 2nd one")."""
    if re.search(r"\b[1-6](st|nd|rd|th)\b", said) and not any(w in MONTHS for w in said.split()):
        return None
    try:
        return day_named(said, today)
    except UnreadableTime:
        return None
