"""The dealership's facts from `knowledge/dealership.yml`: name, contact details, opening hours
of each department, holiday closures, location and amenities.

Kept in a file the dealer edits, so answers ("we close at 6 PM today", "closed on Thanksgiving")
and handoff replies ("staff will answer tomorrow at 7:00") stay true when facts change, without
code. `bot.services.Services` re-reads the file when it changes, so a running assistant needs no
restart.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot import config
from bot.checks import Problem, closest_line, node_lines

logger = logging.getLogger(__name__)
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEPARTMENTS = ("sales", "service", "parts")
AMENITIES = ("loaners", "shuttle", "lounge")

Window = tuple[time, time]


class DealershipFileError(ValueError):
    """The dealership file is unusable; the message names the file, line and field."""


@dataclass(frozen=True)
class Department:
    name: str  # sales | service | parts
    hours: dict[int, Window]  # weekday (0 = Monday) -> (open, close); a missing day is closed
    phone: str
    email: str


@dataclass(frozen=True)
class Holiday:
    day: date
    name: str
    hours: Window | None  # None: every department is closed all day


@dataclass(frozen=True)
class Dealership:
    name: str
    address: str
    phone: str
    tz: ZoneInfo
    hours: dict[int, Window]  # when staff answer handoffs
    email: str = ""
    departments: dict[str, Department] = field(default_factory=dict)
    holidays: dict[date, Holiday] = field(default_factory=dict)
    directions: str = ""
    parking: str = ""
    amenities: dict[str, str] = field(default_factory=dict)  # loaners | shuttle | lounge -> text
    shuttle_radius_miles: float | None = None

    def window_on(self, day: date, department: str | None = None) -> Window | None:
        """Opening hours on a date (a holiday's, else the weekday's); None when closed."""
        holiday = self.holidays.get(day)
        if holiday is not None:
            return holiday.hours
        hours = self.departments[department].hours if department in self.departments else self.hours
        return hours.get(day.weekday())

    def is_open(self, moment: datetime, department: str | None = None) -> bool:
        local = moment.astimezone(self.tz)
        window = self.window_on(local.date(), department)
        return window is not None and window[0] <= local.time() < window[1]

    def next_opening(self, moment: datetime, department: str | None = None) -> datetime:
        """The next time the desk (or a department) opens, strictly after `moment`."""
        local = moment.astimezone(self.tz)
        for offset in range(15):  # two weeks covers a holiday next to a closed weekend
            day = local.date() + timedelta(days=offset)
            window = self.window_on(day, department)
            if window is None:
                continue
            opening = datetime.combine(day, window[0], tzinfo=self.tz)
            if opening > local:
                return opening
        raise DealershipFileError("dealership.yml: hours has no open day")

    def staff_reply_promise(self, moment: datetime) -> str:
        """Plain words for when a person will pick up a handoff made at `moment`."""
        if self.is_open(moment):
            return "Someone will reply shortly, usually within 15 minutes."
        opening = self.next_opening(moment)
        local = moment.astimezone(self.tz)
        if opening.date() == local.date():
            when = f"today at {opening:%-I:%M %p}"
        elif opening.date() == local.date() + timedelta(days=1):
            when = f"tomorrow at {opening:%-I:%M %p}"
        else:
            when = f"on {opening:%A} at {opening:%-I:%M %p}"
        return f"We're closed right now, so someone will reply {when}."


def check(path: Path) -> tuple[Dealership | None, list[Problem]]:
    """The dealership in `path` and every problem found, each as file:line: field: message."""
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text) or {}
        lines = node_lines(yaml.compose(text))
    except (OSError, yaml.YAMLError) as error:
        mark = getattr(error, "problem_mark", None)
        return None, [Problem(path, (mark.line + 1) if mark else 0, "dealership", f"unreadable: {error}")]
    problems: list[Problem] = []

    def report(where: tuple, message: str) -> None:
        problems.append(Problem(path, closest_line(lines, where), ".".join(map(str, where)), message))

    if not isinstance(data, dict):
        report((), "must be 'field: value' lines")
        return None, problems
    for name in ("name", "phone", "timezone", "hours"):
        if not data.get(name):
            report((name,), "missing field")
    if problems:
        return None, problems
    tz_name = config.dealership_tz() or data["timezone"]
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        report(("timezone",), f"unknown time zone {tz_name!r}")
        return None, problems
    hours = _week(data["hours"], ("hours",), report)
    departments = {}
    for name, spec in (data.get("departments") or {}).items():
        where = ("departments", name)
        if name not in DEPARTMENTS or not isinstance(spec, dict):
            report(where, f"must be one of {', '.join(DEPARTMENTS)}, with hours, phone and email")
            continue
        for needed in ("hours", "phone", "email"):
            if not spec.get(needed):
                report((*where, needed), "missing field")
        if spec.get("email") and "@" not in str(spec["email"]):
            report((*where, "email"), f"not an email address: {spec['email']!r}")
        departments[name] = Department(
            name,
            _week(spec.get("hours") or {}, (*where, "hours"), report),
            str(spec.get("phone") or ""),
            str(spec.get("email") or ""),
        )
    holidays = {}
    for index, spec in enumerate(data.get("holidays") or []):
        where = ("holidays", index)
        day = spec.get("date") if isinstance(spec, dict) else None
        if not isinstance(day, date) or not spec.get("name"):
            report(where, "each holiday needs a 'date' (YYYY-MM-DD) and a 'name'")
            continue
        window = _window(spec["hours"], (*where, "hours"), report) if spec.get("hours") else None
        if day in holidays:
            report((*where, "date"), f"{day} is listed twice")
        holidays[day] = Holiday(day, str(spec["name"]), window)
    location = data.get("location") or {}
    amenities = data.get("amenities") or {}
    unknown = set(amenities) - {*AMENITIES, "shuttle_radius_miles"}
    if unknown:
        report(("amenities", sorted(unknown)[0]), f"unknown amenity; use {', '.join(AMENITIES)}")
    radius = amenities.get("shuttle_radius_miles")
    if radius is not None and (
        isinstance(radius, bool) or not isinstance(radius, int | float) or radius <= 0
    ):
        report(("amenities", "shuttle_radius_miles"), "must be a positive number of miles")
        radius = None
    shop = Dealership(
        name=str(data["name"]),
        address=str(data.get("address") or ""),
        phone=str(data["phone"]),
        tz=tz,
        hours=hours,
        email=str(data.get("email") or ""),
        departments=departments,
        holidays=holidays,
        directions=" ".join(str(location.get("directions") or "").split()),
        parking=" ".join(str(location.get("parking") or "").split()),
        amenities={k: " ".join(str(amenities[k]).split()) for k in AMENITIES if amenities.get(k)},
        shuttle_radius_miles=radius,
    )
    return shop, problems


def load(path: Path) -> Dealership:
    """The dealership in `path`; raises DealershipFileError naming the first problem."""
    shop, problems = check(path)
    if problems or shop is None:
        raise DealershipFileError(str(problems[0]))
    return shop


def _week(value: Any, where: tuple, report: Any) -> dict[int, Window]:
    if not isinstance(value, dict):
        report(where, "must list days like 'monday: \"07:00-18:00\"'")
        return {}
    week = {}
    for day, window in value.items():
        if day not in DAYS:
            report((*where, day), f"unknown day {day!r}")
            continue
        parsed = _window(window, (*where, day), report)
        if parsed is not None:
            week[DAYS.index(day)] = parsed
    return week


def _window(value: Any, where: tuple, report: Any) -> Window | None:
    try:
        start, end = str(value).split("-")
        window = (time.fromisoformat(start.strip()), time.fromisoformat(end.strip()))
    except ValueError:
        report(where, f"must look like '07:00-18:00', got {value!r}")
        return None
    if window[0] >= window[1]:
        report(where, f"closes before it opens: {value!r}")
        return None
    return window
