"""Reading which item of a list a customer means, the way people answer a list in chat or SMS:
"the 2nd one", "option 3", "last", "the earliest", "whichever", "yes" (when there is only one),
and for offered times also "the saturday one", "dec 12", "next week's", "the 6pm one"; and
"never mind, how do I ..." (a stop with a question still to answer).

Shared by every list the assistant offers (clinic sessions, service times, the customer's own
bookings, the profile's cars), so every list accepts the same answers.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from bot.booking.when import (
    MONTHS,
    PARTS_OF_DAY,
    WEEKDAYS,
    UnreadableTime,
    day_named,
    mentions_time,
    next_week_day,
    read_preference,
    time_named,
)

ORDINALS = {
    "first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
    "fifth": 4, "5th": 4, "sixth": 5, "6th": 5,
}  # fmt: skip
# "Any of them": the first one on the list, which is always the soonest.
ANY_OF_THEM = re.compile(
    r"\b(earliest|soonest|sooner|closest|first (available|free|open)|next (one|available|free|open|session)"
    r"|whichever|whatever|any( ?one| of (them|those|these)| is (fine|ok|good))?|either( one)?"
    r"|doesn'?t matter|don'?t (mind|care)|dont care|you (pick|choose)|up to you|surprise me|no preference"
    r"|asap|as soon as( possible)?)\b",
    re.I,
)
LAST = re.compile(r"\b(last|latest|latter|later one|final)\b", re.I)
YES = re.compile(
    r"^\s*(y|ya|yes|yeah|yea|yep|yup|sure|ok|okay|k|correct|right|perfect|great|fine|sounds good"
    r"|that works|that'?s (it|the one|right)|that one|this one)\b[\s!.,]*"
    r"(please|pls|plz|thanks|thx|that'?s (it|the one|right)|that one)?[\s!.]*$",
    re.I,
)
STOP_THEN_MORE = re.compile(
    r"^\s*(?:oh\s+|ok\s+|okay\s+|actually\s+|hmm+\s+|no\s+|nah\s+|wait\s+)?"
    r"(?:(?:never\s*mind|nvm)(?:\s+(?:that|this|it|the booking|the appointment))?"
    r"|forget (?:it|that|about it)|scrap that|cancel that)\b"
    r"[\s,.;:!\-\u2013\u2014]*(?:and\s+|but\s+|instead\s+|just\s+)?(.*)$",
    re.I | re.S,
)
NUMBERED = re.compile(
    r"^\s*(?:the\s+)?(?:option|opt|number|no\.?|#|choice|button)?\s*(\d)\s*(?:st|nd|rd|th)?\s*(?:one|option)?"
    r"[\s.!]*$",
    re.I,
)
_WEEKDAY = re.compile(r"\b(" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")(?:s|'s)?\b")


def position_in(text: str, count: int) -> int | None:
    """The position (0-based) a short answer picks from a list of `count`: "second", "2nd one",
    "#2", "option 3", "the last one", "the earliest", "whichever", or "yes" when there is one item.
    None when the answer names no position (or one past the end)."""
    said = text.lower().strip()
    if not said or count == 0:
        return None
    words = re.findall(r"[a-z0-9']+", said)
    named = {ORDINALS[w] for w in words if w in ORDINALS}
    if LAST.search(said) and len(words) <= 6:
        named.add(count - 1)
    number = NUMBERED.match(said)
    if number:
        named.add(int(number[1]) - 1)
    if not named and (ANY_OF_THEM.search(said) or (count == 1 and YES.match(said))):
        named.add(0)
    if len(named) != 1:
        return None
    index = named.pop()
    return index if 0 <= index < count else None


def is_yes(text: str) -> bool:
    """A plain yes ("yep", "that one", "ok thanks")."""
    return bool(YES.match(text))


def question_after_stop(text: str) -> str | None:
    """What follows "never mind" / "forget it" in the same message, if it's more than a word or
    two ("never mind, how do I pair my phone?" -> "how do I pair my phone?")."""
    found = STOP_THEN_MORE.match(text)
    if not found:
        return None
    rest = found[1].strip()
    return rest if len(re.findall(r"[A-Za-z0-9']+", rest)) >= 3 else None


def choose(text: str, offered: list[datetime], now: datetime) -> datetime | None:
    """The one of `offered` times (soonest first) that `text` means, or None if it can't tell.

    Everything said narrows the offered times (a weekday, a date, a week, a clock time, a part of
    the day); an ordinal then counts within what's left ("the second saturday"), and otherwise the
    earliest that fits is meant ("the saturday one" when every session is on a Saturday is the
    next one, which the confirmation then shows with its date).
    """
    said = " ".join(text.lower().replace("’", "'").strip(" .!?").split())
    if not offered or not said:
        return None
    number = NUMBERED.match(said)
    if number:
        index = int(number[1]) - 1
        return offered[index] if 0 <= index < len(offered) else None
    if len(offered) == 1 and YES.match(said):
        return offered[0]
    fitting = _narrowed(said, offered, now)
    ordinal = next((ORDINALS[w] for w in re.findall(r"[a-z0-9]+", said) if w in ORDINALS), None)
    if ordinal is not None:
        return fitting[ordinal] if fitting and ordinal < len(fitting) else None
    if LAST.search(said):
        return fitting[-1] if fitting else None
    if fitting is not offered or ANY_OF_THEM.search(said):
        return fitting[0] if fitting else None
    return None


def chosen_start(text: str, offered: list[datetime], now: datetime) -> datetime | None:
    """The offered time an answer picks (as `choose` reads it), or a button's exact time. A range
    ("afternoon", "after 2", "Friday") picks none: the caller then takes the first free time in
    it, which may be a time that wasn't on the list."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    if mentions_time(text):
        try:
            if read_preference(text, now, offered[0].date() if offered else None).at is None:
                return None
        except UnreadableTime:
            return None
    return choose(text, offered, now)


def _narrowed(said: str, offered: list[datetime], now: datetime) -> list[datetime]:
    """The offered times that fit what's said; `offered` itself (the same list) if nothing
    narrows it."""
    fitting = offered
    weekday = _WEEKDAY.search(said)
    if weekday:
        fitting = [s for s in fitting if s.weekday() == WEEKDAYS[weekday[1]]]
        if re.search(r"\bnext\s+" + re.escape(weekday[0]), said):  # "next wednesday": next week's
            fitting = [s for s in fitting if s.date() == next_week_day(WEEKDAYS[weekday[1]], now.date())]
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
