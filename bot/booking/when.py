"""Reading when a customer would like to come in: "tomorrow at 3", "next Tue morning", "the 14th".

Dealership customers say days and times in a handful of ways; the common ones are read here
directly (so "at 3" means 3 PM, "the 14th" means the next 14th, and "Feb 30" is an error, not
a guess), and `dateparser` reads the rest ("in a fortnight", "December the third").
"""

from __future__ import annotations

import calendar
import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import dateparser
from dateparser.search import search_dates

from bot.knowledge.language import is_english

WEEKDAYS = {
    name: i
    for i, names in enumerate(
        (
            "monday mon",
            "tuesday tue tues",
            "wednesday wed weds",
            "thursday thu thur thurs",
            "friday fri",
            "saturday sat",
            "sunday sun",
        )
    )
    for name in names.split()
}
FULL_WEEKDAYS = [calendar.day_name[i].lower() for i in range(7)]
MONTHS = {
    name: i
    for i in range(1, 13)
    for name in (
        calendar.month_name[i].lower(),
        calendar.month_abbr[i].lower(),
        calendar.month_abbr[i].lower() + ".",
    )
}
MONTHS["sept"] = 9
PARTS_OF_DAY = {
    "first thing": (time(7), time(9)),
    "early morning": (time(7), time(9)),
    "morning": (time(7), time(12)),
    "lunchtime": (time(11, 30), time(13, 30)),
    "lunch": (time(11, 30), time(13, 30)),
    "midday": (time(11, 30), time(13, 30)),
    "afternoon": (time(12), time(17)),
    "after work": (time(16), time(18)),
    "evening": (time(16), time(18)),
}
_MONTH = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
_WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"
# "after 2", "anytime after 2:30pm", "before noon": a part of the day bounded by a time.
_BOUND = re.compile(
    r"\b(after|later than|from|before|earlier than)\s+"
    r"(noon|midday|lunch|\d{1,2}(?::\d\d)?\s*(?:am|pm|a\.m\.|p\.m\.)?)",
)
_CLOCK = re.compile(
    r"\b\d{1,2}(:\d\d)?\s*(am|pm|a\.m\.|p\.m\.|o'?\s?clock)|\b(at|@|around|by)\s+\d{1,2}\b|\b\d{1,2}:\d\d\b"
)
# A time said on its own in answer to times offered: "9 is fine", "10 works", "3:30 please".
_BARE_HOUR = re.compile(
    r"^(?:ok |okay |yes |um |how about |what about |make it |maybe )?(\d{1,2})(?::(\d\d))?"
    r"(?: (?:is|would be|'?s|works?|sounds|please|then|ok|okay|for me)\b.*)?[.!]*$"
)
# What happened before ("since I hit a pothole last week", "it started yesterday"), not when to come.
_PAST = re.compile(
    rf"\b(?:yesterday|last (?:week|night|month|{'|'.join(WEEKDAYS)})|\w+ (?:days?|weeks?) ago)\b"
)


class UnreadableTime(ValueError):
    """The message names no day or time we can use; the text says why, for the customer."""


@dataclass(frozen=True)
class Preference:
    """What the customer asked for: a day, maybe an exact time or a part of the day."""

    day: date
    at: time | None = None
    window: tuple[time, time] | None = None

    def describe(self) -> str:
        when = f"{self.day:%A %b} {self.day.day}"
        if self.at:
            return f"{when} at {_clock(self.at)}"
        return when


def _clock(at: time) -> str:
    return f"{at:%-I:%M %p}".replace(":00 ", " ")


def _normal(text: str) -> str:
    """Lower case, commas as spaces, and weekdays as typed in a hurry ("wendsday", "thrusday")."""
    words = text.lower().replace(",", " ").split()
    return " ".join(_weekday_spelled(word) for word in words)


def _weekday_spelled(word: str) -> str:
    if len(word) < 5 or word in WEEKDAYS or not word.isalpha() or is_english(word):
        return word
    close = difflib.get_close_matches(word, FULL_WEEKDAYS, 1, 0.8)
    return close[0] if close else word


def mentions_time(text: str) -> bool:
    """Whether a message talks about a day or time at all ("actually make it Thursday")."""
    said = _normal(text)
    return bool(
        re.search(rf"\b({_WEEKDAY}|today|tomorrow|tmrw|tonight|yesterday|next week|noon)\b", said)
        or re.search(rf"\b({_MONTH})\s+\d|\bthe\s+{_ORDINAL}\b|\b\d{{1,2}}/\d{{1,2}}\b", said)
        or re.search(r"\bin (a|an|\d+|one|two|three) (days?|weeks?|fortnight)\b", said)
        or re.search(r"\b\d{1,2}(:\d\d)?\s*(am|pm|a\.m\.|p\.m\.|o'?\s?clock)|\bat\s+\d{1,2}\b", said)
        or any(part in said for part in PARTS_OF_DAY)
        or bool(_BOUND.search(said))
    )


def day_in(text: str, today: date) -> date | None:
    """The day a message names ("friday", "the 14th", "tomorrow"), or None; never raises."""
    try:
        return _day(_normal(text), today)
    except UnreadableTime:
        return None


def _bounded_window(said: str) -> tuple[str, tuple[time, time] | None]:
    """ "after 2" -> (2 PM, closing); "before 11" -> (opening, 11 AM). Returns the text without the
    bound (so "after 2pm" isn't read as exactly 2 PM) and the window."""
    bound = _BOUND.search(said)
    if not bound:
        return said, None
    word, when = bound[1], bound[2]
    at = time(12) if when in ("noon", "midday", "lunch") else _time_of_day(f"at {when}")
    if at is None:
        return said, None
    rest = said[: bound.start()] + said[bound.end() :]
    if word in ("before", "earlier than"):
        return rest, (time(0), at)
    return rest, (at, time(23, 59))


def read_preference(text: str, now: datetime, day_in_talk: date | None = None) -> Preference:
    """The day and time in `text`, relative to `now` (dealership-local); raises UnreadableTime.

    A time without a day ("2pm", "make it 10am") is on `day_in_talk` when there is one: the day
    of the times just offered, or of the time already chosen. Otherwise the next such time."""
    said = _normal(text)
    today = now.date()
    said, bounded = _bounded_window(said)
    day = _day(said, today)
    at = _time_of_day(said)
    window = bounded or next((span for part, span in PARTS_OF_DAY.items() if part in said), None)
    if day is None and (at or window):
        if day_in_talk is not None and day_in_talk >= today:
            day = day_in_talk
        else:
            day = today if (at or window[1]) > now.time() else today + timedelta(days=1)
    if day is None:
        raise UnreadableTime(
            'Sorry, I couldn\'t read a day in that. Try something like "tomorrow at 3", '
            '"next Tuesday morning" or "the 14th".'
        )
    if day < today or (day == today and at is not None and at <= now.time()):
        raise UnreadableTime("That's already in the past. Which day would suit you?")
    return Preference(day, at, window)


def day_named(text: str, today: date) -> date | None:
    """The day a message names, if it names one ("dec 12", "tomorrow", "the 14th"), for picking
    among times already offered; raises UnreadableTime for an impossible date."""
    said = _normal(text)
    without_clock = _CLOCK.sub(" ", said)  # "the 6pm one" names no day
    return _day(without_clock, today) if mentions_time(without_clock) else None


def time_named(text: str) -> time | None:
    """The clock time a message names ("the 6pm one", "at 4"); raises UnreadableTime for "25:00"."""
    return _time_of_day(" ".join(text.lower().split()))


def _day(said: str, today: date) -> date | None:
    """The day wanted; what happened before ("since last week") only when no other day is named,
    read as yesterday so that the customer hears it's in the past."""
    if _PAST.search(said):
        return _day(_PAST.sub(" ", said), today) or today - timedelta(days=1)
    if "day after tomorrow" in said:
        return today + timedelta(days=2)
    if re.search(r"\b(tomorrow|tmrw|tmr)\b", said):
        return today + timedelta(days=1)
    if re.search(r"\b(today|tonight|this (morning|afternoon|evening))\b", said):
        return today
    named = re.search(rf"\b({_MONTH})\s+(?:the\s+)?{_ORDINAL}\b|\b{_ORDINAL}\s+(?:of\s+)?({_MONTH})\b", said)
    if named:
        month_name, day_number = (named[1], named[2]) if named[1] else (named[4], named[3])
        return _month_day(MONTHS[month_name], int(day_number), today)
    numeric = re.search(r"\b(\d{1,2})/(\d{1,2})\b", said)  # US style: 12/3 is December 3
    if numeric:
        return _month_day(int(numeric[1]), int(numeric[2]), today)
    weekday = re.search(rf"\b(next\s+)?({_WEEKDAY})\b", said)
    if weekday:
        return (
            next_week_day(WEEKDAYS[weekday[2]], today) if weekday[1] else _coming(WEEKDAYS[weekday[2]], today)
        )
    ordinal = re.search(rf"\bthe\s+{_ORDINAL}\b|\b(\d{{1,2}})(?:st|nd|rd|th)\b", said)
    if ordinal:
        number = int(ordinal[1] or ordinal[2])
        month = today.replace(day=1)
        for _ in range(3):
            if number <= calendar.monthrange(month.year, month.month)[1]:
                candidate = month.replace(day=number)
                if candidate >= today:
                    return candidate
            month = (month + timedelta(days=32)).replace(day=1)
        raise UnreadableTime(f"There's no {number}th in the coming months. Which day did you mean?")
    if "next week" in said:
        return today + timedelta(days=7 - today.weekday())  # Monday
    return _dateparser_day(said, today)


def _coming(weekday: int, today: date) -> date:
    """The next such weekday after today ("friday" said on a Tuesday is this Friday)."""
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def next_week_day(weekday: int, today: date) -> date:
    """ "Next Wednesday": that day in the coming Monday-to-Sunday week, which is what most people
    mean ("next Wednesday" said on a Tuesday is eight days away, not tomorrow); never earlier
    than the plain weekday would be."""
    monday = today + timedelta(days=7 - today.weekday())
    return max(monday + timedelta(days=weekday), _coming(weekday, today))


def next_weekday_read(text: str, today: date) -> date | None:
    """The day "next <weekday>" was read as, when that differs from the coming such weekday (so
    the reply can say which one it took); None otherwise."""
    said = text.lower()
    named = re.search(rf"\bnext\s+({_WEEKDAY})\b", said)
    if not named:
        return None
    weekday = WEEKDAYS[named[1]]
    read = next_week_day(weekday, today)
    return read if read != _coming(weekday, today) else None


def _month_day(month: int, number: int, today: date) -> date:
    if not 1 <= month <= 12:
        raise UnreadableTime("I couldn't read that date. Could you give the month's name, like \"Dec 3\"?")
    year = today.year if (month, number) >= (today.month, today.day) else today.year + 1
    if not 1 <= number <= calendar.monthrange(year, month)[1]:
        raise UnreadableTime(
            f"{calendar.month_name[month]} doesn't have a {number}{_suffix(number)}. Which day did you mean?"
        )
    return date(year, month, number)


def _suffix(number: int) -> str:
    return "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")


def _time_of_day(said: str) -> time | None:
    if re.search(r"\bnoon\b|\bmidday\b", said):
        return time(12)
    clock = (
        re.search(r"\b(\d{1,2})(?::(\d\d))?\s*(am|pm|a\.m\.|p\.m\.|o'?\s?clock)", said)
        or _BARE_HOUR.match(said.strip())
        or re.search(r"\b(?:at|@|around|by)\s+(\d{1,2})(?::(\d\d))?\b", said)
        or re.search(r"\b(\d{1,2}):(\d\d)\b", said)
    )
    if not clock:
        return None
    hour, minute = int(clock[1]), int(clock[2] or 0)
    marker = clock[3] if clock.re.groups >= 3 else None
    if hour > 23 or minute > 59:
        raise UnreadableTime('I couldn\'t read that time. Try something like "9am" or "2:30 pm".')
    if marker and marker.startswith("o"):
        marker = None  # "10 o'clock": morning or afternoon as for a bare hour
    if marker and marker.startswith("p") and hour < 12:
        hour += 12
    elif marker and marker.startswith("a") and hour == 12:
        hour = 0
    elif not marker and 1 <= hour <= 6:
        hour += 12  # nobody books a car in at 3 in the morning
    return time(hour, minute)


def _names_a_day(phrase: str) -> bool:
    """Whether a phrase dateparser found says something about the day: not a number or a clock
    time alone, which it reads as a month ("10am" is October) or as tomorrow ("8:30")."""
    return bool(re.search(r"[a-z]", re.sub(r"(?<![a-z])(am|pm|a\.m\.|p\.m\.)", "", phrase.lower())))


def _dateparser_day(said: str, today: date) -> date | None:
    base = datetime.combine(today, time(12))
    settings = {"PREFER_DATES_FROM": "future", "RELATIVE_BASE": base, "RETURN_AS_TIMEZONE_AWARE": False}
    found = dateparser.parse(said, languages=["en"], settings=settings)  # type: ignore[arg-type]
    if found is None:
        matches = search_dates(said, languages=["en"], settings=settings) or []  # type: ignore[arg-type]
        found = next((moment for phrase, moment in matches if _names_a_day(phrase)), None)
    if found is None or found.date() == today or re.fullmatch(r"\s*((19|20)\d\d|\d{1,2})\s*", said):
        return None  # a time alone ("2pm", "9") is dated by dateparser, "today" is read above, and
        # a year alone ("2024") is a car's year
    return found.date()
