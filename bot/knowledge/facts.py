"""Answers about the dealership itself, from `knowledge/dealership.yml`: opening hours (a day,
today, right now, weekends, holidays), location, directions, parking, phone, email and amenities.

Questions are recognised by their words, not by a trained intent alone, so "what's your number"
gives the dealership's number whatever the classifier made of it, and nothing here ever starts a
form. Every figure comes from the file.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from bot.dealership import DAYS, DEPARTMENTS, Dealership, Holiday, Window

HOURS = re.compile(r"\b(hours?|what time|how late|how early|opening time|closing time)\b", re.I)
# "open"/"close" alone could be the liftgate; with the dealership as subject it is about hours.
OPEN_CLOSE = re.compile(r"\b(open|opens|opening|close|closes|closing|closed|till|until)\b", re.I)
THE_DEALERSHIP = re.compile(
    r"\b(you|u|ya|you guys|y'?all|we|store|dealer|dealership|shop|showroom|department|dept|service|sales"
    r"|parts|lakeside)\b",
    re.I,
)
NOW = re.compile(r"\b(now|right now|still|currently|at the moment|tonight)\b", re.I)
LOCATION = re.compile(
    r"\b(where|address|located|location|directions?|get (to you|to the dealer\w*|there)|find you|map"
    r"|park|parking|drop (it |my car |the car )?off)\b",
    re.I,
)
DIRECTIONS = re.compile(r"\b(directions?|get to|get there|find you|coming from|from the|highway|map)\b", re.I)
PARKING = re.compile(r"\b(park|parking|drop (it |my car |the car )?off|drop-off)\b", re.I)
# "Can I call you?", "what number do I call" (not "call me Dre", who is introducing themselves).
PHONE = re.compile(
    r"\b(phone|number|telephone|ph)\b|#|\bcall (you|u|ya|the|your|lakeside|sales|service|parts)\b"
    r"|\b(to|can i|should i|do i|i can|i) call\b|\bring (you|u)\b",
    re.I,
)
EMAIL = re.compile(r"\be-?mail\b", re.I)
CONTACT = re.compile(r"\b(contact|reach|get in touch|get ahold|get a hold)\b", re.I)
AMENITY_WORDS = {
    "loaners": re.compile(r"\b(loaner|loaners|courtesy car|rental|car to drive|borrow a car)\b", re.I),
    "shuttle": re.compile(r"\b(shuttle|ride (home|to work)|drop me|drive me)\b", re.I),
    "lounge": re.compile(r"\b(lounge|waiting (room|area)|wait there|wi-?fi|coffee|while i wait)\b", re.I),
}
DEPARTMENT_WORDS = {
    "sales": re.compile(r"\b(sales|showroom|salesperson|buy(ing)?|test drive)\b", re.I),
    "service": re.compile(r"\b(service|repair|mechanic|shop|maintenance)\b", re.I),
    "parts": re.compile(r"\bparts?\b", re.I),
}
HOLIDAY_WORDS = {
    "thanksgiving": re.compile(r"\bthanks ?giving\b", re.I),
    "christmas eve": re.compile(r"\b(christmas|xmas) eve\b", re.I),
    "christmas": re.compile(r"\b(christmas|xmas)\b(?! eve)", re.I),
    "new year": re.compile(r"\bnew ?years?\b", re.I),
    "independence": re.compile(r"\b(july 4(th)?|4th of july|fourth of july|independence day)\b", re.I),
    "memorial": re.compile(r"\bmemorial day\b", re.I),
    "labor": re.compile(r"\blabou?r day\b", re.I),
}
ANY_HOLIDAY = re.compile(r"\bholidays?\b", re.I)
DAY_WORDS = {
    index: re.compile(rf"\b{name[:3]}({name[3:]})?s?\b" + (r"|\btues?\b" if name == "tuesday" else ""), re.I)
    for index, name in enumerate(DAYS)
}
WEEKEND = re.compile(r"\bweekends?\b", re.I)
TODAY = re.compile(r"\b(today|tonight|tday|2day)\b", re.I)
TOMORROW = re.compile(r"\b(tomorrow|tmrw|tmr|2moro|tomorow)\b", re.I)


def dealership_answer(text: str, shop: Dealership, now: datetime) -> tuple[str, str] | None:
    """(topic, reply) for a question about the dealership itself, or None if it isn't one."""
    local = now.astimezone(shop.tz)
    departments = [d for d, words in DEPARTMENT_WORDS.items() if words.search(text) and d in shop.departments]
    for amenity, words in AMENITY_WORDS.items():
        if words.search(text) and amenity in shop.amenities:
            return f"dealership:{amenity}", _amenity(shop, amenity)
    holidays = [h for h, words in HOLIDAY_WORDS.items() if words.search(text)]
    if holidays or ANY_HOLIDAY.search(text):
        return "dealership:holidays", _holiday_hours(shop, holidays, local.date())
    if EMAIL.search(text):
        return "dealership:email", _email(shop, departments)
    if HOURS.search(text) or (OPEN_CLOSE.search(text) and THE_DEALERSHIP.search(text)):
        return "dealership:hours", _hours(shop, text, departments, local)
    if PHONE.search(text) or CONTACT.search(text):
        return "dealership:phone", _phone(shop, departments, with_email=bool(CONTACT.search(text)))
    if LOCATION.search(text):
        return "dealership:location", _location(shop, text)
    return None


# --- hours ----------------------------------------------------------------------------------


def _days_named(text: str, today: date) -> list[date]:
    """The dates a question is about: today, tomorrow, weekday names, the weekend."""
    days = []
    if TODAY.search(text) or NOW.search(text):
        days.append(today)
    if TOMORROW.search(text):
        days.append(today + timedelta(days=1))
    for weekday, words in DAY_WORDS.items():
        if words.search(text):
            days.append(today + timedelta(days=(weekday - today.weekday()) % 7))
    if WEEKEND.search(text):
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        days += [saturday, saturday + timedelta(days=1)]
    return sorted(set(days))


def _hours(shop: Dealership, text: str, departments: list[str], local: datetime) -> str:
    names = departments or [d for d in DEPARTMENTS if d in shop.departments]
    if NOW.search(text) and not TOMORROW.search(text):
        return _open_now(shop, names, local)
    days = _days_named(text, local.date())
    if not days and OPEN_CLOSE.search(text):
        days = [local.date()]  # "what time do you close?" is about today
    if not days:
        lines = [f"{_title(d)}: {_week(shop.departments[d].hours)}" for d in names] or [_week(shop.hours)]
        upcoming = [
            h for h in shop.holidays.values() if local.date() <= h.day <= local.date() + timedelta(days=30)
        ]
        text = f"Our hours at {shop.name}:\n" + "\n".join(lines)
        for holiday in sorted(upcoming, key=lambda h: h.day):
            text += f"\n{_on_holiday(holiday)}"
        return text
    lines = []
    for day in days:
        label = _day_label(day, local.date())
        holiday = shop.holidays.get(day)
        prefix = f"{label} ({holiday.name})" if holiday else label
        windows = [f"{_title(d)} {_span(shop.window_on(day, d))}" for d in names]
        if all(shop.window_on(day, d) is None for d in names):
            windows = ["we're closed"]
        lines.append(f"{prefix}: " + "; ".join(windows or [_span(shop.window_on(day))]) + ".")
    return "\n".join(lines)


def _open_now(shop: Dealership, names: list[str], local: datetime) -> str:
    parts = []
    for name in names:
        window = shop.window_on(local.date(), name)
        if shop.is_open(local, name) and window:
            parts.append(f"{_title(name)} is open until {_clock(window[1])}")
        else:
            opening = shop.next_opening(local, name)
            parts.append(f"{_title(name)} is closed, and opens {_when(opening, local)}")
    opened = any(shop.is_open(local, n) for n in names)
    lead = "Yes, we're open right now" if opened else "We're closed right now"
    if opened and not all(shop.is_open(local, n) for n in names):
        lead = "Partly"
    holiday = shop.holidays.get(local.date())
    today = f" ({holiday.name})" if holiday else ""
    return f"{lead} ({local:%A %-I:%M %p}{today}): " + "; ".join(parts) + "."


def _holiday_hours(shop: Dealership, asked: list[str], today: date) -> str:
    upcoming = sorted((h for h in shop.holidays.values() if h.day >= today), key=lambda h: h.day)
    if asked:
        chosen = []
        for key in asked:
            match = next((h for h in upcoming if _is_holiday(h.name, key)), None)
            if match is None:
                return (
                    f"I don't have a {key.title()} closure listed for {shop.name}, so we keep our usual "
                    f"hours that day. For anything unusual, call us at {shop.phone}."
                )
            chosen.append(match)
        return " ".join(_on_holiday(h) for h in chosen)
    if not upcoming:
        return f"No holiday closures are listed right now. Call us at {shop.phone} to check a date."
    return "Holiday hours (every department):\n" + "\n".join(_on_holiday(h) for h in upcoming[:5])


def _is_holiday(name: str, key: str) -> bool:
    words = name.lower()
    if key == "christmas":
        return "christmas" in words and "eve" not in words
    return key in words


def _on_holiday(holiday: Holiday) -> str:
    when = f"{holiday.name}, {holiday.day:%a %b %-d, %Y}"
    if holiday.hours is None:
        return f"We're closed on {when}."
    return f"On {when} we're open {_span(holiday.hours)} only."


# --- contact, location, amenities -------------------------------------------------------------


def _phone(shop: Dealership, departments: list[str], with_email: bool) -> str:
    if departments:
        lines = [
            f"{_title(d)}: {shop.departments[d].phone}"
            + (f", {shop.departments[d].email}" if with_email else "")
            for d in departments
        ]
        return "You can reach us here:\n" + "\n".join(lines)
    text = f"Call {shop.name} at {shop.phone}" + (
        f" or email {shop.email}" if with_email and shop.email else ""
    )
    if shop.departments:
        text += ". Direct lines: " + "; ".join(
            f"{_title(d)} {dep.phone}" for d, dep in shop.departments.items()
        )
    return text + "."


def _email(shop: Dealership, departments: list[str]) -> str:
    if departments:
        return "; ".join(f"{_title(d)}: {shop.departments[d].email}" for d in departments) + "."
    text = f"Email us at {shop.email}" if shop.email else f"Call us at {shop.phone}"
    if shop.departments:
        text += ". Departments: " + "; ".join(
            f"{_title(d)} {dep.email}" for d, dep in shop.departments.items()
        )
    return text + "."


def _location(shop: Dealership, text: str) -> str:
    reply = f"{shop.name} is at {shop.address}."
    if shop.directions and (DIRECTIONS.search(text) or not PARKING.search(text)):
        reply += f" {shop.directions}"
    if shop.parking and PARKING.search(text):
        reply += f" Parking: {shop.parking}"
    return reply


def _amenity(shop: Dealership, amenity: str) -> str:
    text = shop.amenities[amenity]
    if amenity == "shuttle" and shop.shuttle_radius_miles:
        text += f" It goes anywhere within {shop.shuttle_radius_miles:g} miles of the dealership."
    return text


# --- formatting -----------------------------------------------------------------------------


def _title(department: str) -> str:
    return department.capitalize()


def _clock(moment: time) -> str:
    return f"{moment:%-I %p}" if moment.minute == 0 else f"{moment:%-I:%M %p}"


def _span(window: Window | None) -> str:
    return "closed" if window is None else f"{_clock(window[0])}-{_clock(window[1])}"


def _week(hours: dict[int, Window]) -> str:
    """Mon-Fri 7 AM-6 PM, Sat 8 AM-2 PM, Sun closed: runs of days with the same hours."""
    runs: list[tuple[int, int, Window | None]] = []
    for day in range(7):
        window = hours.get(day)
        if runs and runs[-1][2] == window:
            runs[-1] = (runs[-1][0], day, window)
        else:
            runs.append((day, day, window))
    short = [d[:3].capitalize() for d in DAYS]
    return ", ".join(
        (short[a] if a == b else f"{short[a]}-{short[b]}") + f" {_span(window)}" for a, b, window in runs
    )


def _day_label(day: date, today: date) -> str:
    if day == today:
        return f"Today ({day:%a %b %-d})"
    if day == today + timedelta(days=1):
        return f"Tomorrow ({day:%a %b %-d})"
    return f"{day:%A %b %-d}"


def _when(moment: datetime, local: datetime) -> str:
    if moment.date() == local.date():
        return f"today at {_clock(moment.time())}"
    if moment.date() == local.date() + timedelta(days=1):
        return f"tomorrow at {_clock(moment.time())}"
    return f"{moment:%A} at {_clock(moment.time())}"
