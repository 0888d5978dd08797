"""The dealership's facts from `knowledge/dealership.yml`: name, contact details, opening hours
of each department, holiday closures, location and amenities.

Kept in a file the dealer edits, so answers ("we close at 6 PM today", "closed on Thanksgiving")
and handoff replies ("staff will answer tomorrow at 7:00") stay true when facts change, without
code. `bot.services.Services` re-reads the file when it changes, so a running assistant needs no
restart.
"""

from __future__ import annotations

import logging
import re
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
DEFAULT_HANDOFF_DEPARTMENT = "sales"
E164 = re.compile(r"\+[1-9][0-9]{7,14}")

Window = tuple[time, time]


class DealershipFileError(ValueError):
    """The dealership file is unusable; the message names the file, line and field."""


@dataclass(frozen=True)
class StaffMember:
    """Someone a handoff can be alerted to; the order in the file is the order they are asked."""

    name: str
    role: str
    mobile: str  # E.164, or "" when they take alerts by email only
    email: str  # or "" when they take alerts by SMS only

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


@dataclass(frozen=True)
class Department:
    name: str  # sales | service | parts
    hours: dict[int, Window]  # weekday (0 = Monday) -> (open, close); a missing day is closed
    phone: str
    email: str
    staff: tuple[StaffMember, ...] = ()  # on duty for handoffs, asked in this order


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
    handoff_department: str = DEFAULT_HANDOFF_DEPARTMENT  # takes handoffs no department claims

    def staff_on_duty(self, department: str) -> tuple[StaffMember, ...]:
        """Who a handoff for `department` is alerted to, in order (none if it isn't listed)."""
        found = self.departments.get(department)
        return found.staff if found is not None else ()

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
        return f"We're closed right now, so someone will reply {self.when_open(moment)}."

    def when_open(self, moment: datetime, department: str | None = None) -> str:
        """The next opening after `moment` as said: "today at 7:00 AM", "on Monday at 9:00 AM"."""
        opening = self.next_opening(moment, department)
        local = moment.astimezone(self.tz)
        if opening.date() == local.date():
            return f"today at {opening:%-I:%M %p}"
        if opening.date() == local.date() + timedelta(days=1):
            return f"tomorrow at {opening:%-I:%M %p}"
        return f"on {opening:%A} at {opening:%-I:%M %p}"


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
            _staff(spec.get("staff"), (*where, "staff"), report),
        )
    handoff_department = str(data.get("handoff_department") or DEFAULT_HANDOFF_DEPARTMENT)
    if handoff_department not in DEPARTMENTS:
        report(("handoff_department",), f"must be one of {', '.join(DEPARTMENTS)}")
        handoff_department = DEFAULT_HANDOFF_DEPARTMENT
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
        handoff_department=handoff_department,
    )
    return shop, problems


def load(path: Path) -> Dealership:
    """The dealership in `path`; raises DealershipFileError naming the first problem."""
    shop, problems = check(path)
    if problems or shop is None:
        raise DealershipFileError(str(problems[0]))
    return shop


def _staff(value: Any, where: tuple, report: Any) -> tuple[StaffMember, ...]:
    """The people on duty; a broken entry is reported and left out (the rest still get alerts)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        report(where, "must be a list of people, each with name, role, mobile and/or email")
        return ()
    people = []
    for index, spec in enumerate(value):
        here = (*where, index)
        if not isinstance(spec, dict):
            report(here, "must have name, role, mobile and/or email")
            continue
        unknown = set(spec) - {"name", "role", "mobile", "email"}
        if unknown:
            report((*here, sorted(unknown)[0]), "unknown field; use name, role, mobile, email")
        name = " ".join(str(spec.get("name") or "").split())
        mobile = re.sub(r"[\s().-]", "", str(spec.get("mobile") or ""))
        email = str(spec.get("email") or "").strip()
        ok = True
        if not name:
            report((*here, "name"), "missing field")
            ok = False
        if not mobile and not email:
            report((*here, "mobile"), "give a mobile or an email, or both, for the alerts")
            ok = False
        if mobile and not E164.fullmatch(mobile):
            report(
                (*here, "mobile"),
                f"must be an international number like +15550102001, got {spec['mobile']!r}",
            )
            ok = False
        if email and ("@" not in email or " " in email):
            report((*here, "email"), f"not an email address: {email!r}")
            ok = False
        if ok:
            people.append(StaffMember(name, str(spec.get("role") or ""), mobile, email))
    return tuple(people)


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
