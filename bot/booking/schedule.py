"""The clinic schedule and service menu from `knowledge/schedule.yml`, checked like the rest of
`knowledge/`: each problem names file, line and field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bot.checks import Problem, closest_line, node_lines
from bot.dealership import DAYS


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    minutes: int
    aliases: tuple[str, ...] = ()
    not_for: tuple[str, ...] = ()  # models it doesn't apply to ("no oil change for an Ion")
    only_for: tuple[str, ...] = ()
    needs_vin: bool = False
    note: str | None = None
    price: float | None = None  # the published price, in dollars
    price_from: float | None = None  # or a published starting price
    price_note: str | None = None  # what the price includes, said with it


@dataclass(frozen=True)
class ClinicRule:
    times: tuple[time, ...]
    weekdays: frozenset[int] | None = None
    first_weekday_of_month: int | None = None
    months: frozenset[int] | None = None

    def days_between(self, first: date, last: date) -> list[date]:
        days, day = [], first
        while day <= last:
            in_month = self.months is None or day.month in self.months
            if self.weekdays is not None and day.weekday() in self.weekdays and in_month:
                days.append(day)
            if self.first_weekday_of_month == day.weekday() and day.day <= 7 and in_month:
                days.append(day)
            day += timedelta(days=1)
        return days


@dataclass(frozen=True)
class Clinic:
    id: str
    name: str
    audience: str
    minutes: int
    seats: int
    rules: tuple[ClinicRule, ...]
    ages: tuple[int, int] | None = None
    aliases: tuple[str, ...] = ()
    covers: str = ""  # what happens at it, for customers who ask before booking
    bring: str = ""
    cost: str = ""


@dataclass(frozen=True)
class Misfit:
    """A service that doesn't apply to a model: not needed (with the one meant for it instead, if
    any: "no oil change for an Ion"), or only for other models."""

    service: str  # its name
    model: str
    only_for: tuple[str, ...] = ()
    instead: str | None = None


@dataclass
class Schedule:
    services: dict[str, Service]
    clinics: dict[str, Clinic]
    hours: dict[int, tuple[time, time]]
    bays: int
    slot_minutes: int
    tz: ZoneInfo

    def clinic_in(self, text: str) -> str | None:
        """The clinic a message names ("the teen driving class"), by name or alias; longest match wins."""
        found = _named_in(text, {c.id: (c.name, *c.aliases) for c in self.clinics.values()})
        return found[0] if found else None

    def services_in(self, text: str) -> list[str]:
        """The menu services a message names ("oil change and rotate tires", "my brakes are squeaking")."""
        return _named_in(text, {s.id: (s.name, *s.aliases) for s in self.services.values()})

    def fits(self, service_id: str, model: str | None) -> bool:
        """Whether a service applies to a model (any service does when the model isn't known)."""
        service = self.services[service_id]
        return model is None or (
            model not in service.not_for and (not service.only_for or model in service.only_for)
        )

    def misfits(self, service_ids: list[str], model: str) -> list[Misfit]:
        """Why each of these services doesn't apply to this model."""
        found = []
        for service_id in service_ids:
            service = self.services[service_id]
            if model in service.not_for:
                fitting = [s.name for s in self.services.values() if model in s.only_for]
                found.append(Misfit(service.name, model, instead=fitting[0] if fitting else None))
            elif service.only_for and model not in service.only_for:
                found.append(Misfit(service.name, model, only_for=service.only_for))
        return found

    def clinic_starts(self, clinic_id: str, after: datetime, before: datetime) -> list[datetime]:
        """Local start times of a clinic's sessions in [after, before)."""
        clinic = self.clinics[clinic_id]
        first, last = after.astimezone(self.tz).date(), before.astimezone(self.tz).date()
        starts = sorted(
            datetime.combine(day, at, tzinfo=self.tz)
            for rule in clinic.rules
            for day in rule.days_between(first, last)
            for at in rule.times
        )
        return [s for s in starts if after <= s < before]


def _named_in(text: str, names_of: dict[str, tuple[str, ...]]) -> list[str]:
    """Ids whose name or alias appears in `text` as whole words, longest names first, each text
    span used once ("battery health check" is the EV check, not also the battery test)."""
    said = f" {' '.join(re.sub(r'[^a-z0-9 ]', ' ', text.lower().replace('-', ' ')).split())} "
    found: list[str] = []
    for name, item in sorted(
        ((" ".join(n.lower().replace("-", " ").split()), i) for i, names in names_of.items() for n in names),
        key=lambda pair: -len(pair[0]),
    ):
        if f" {name} " in said:
            said = said.replace(f" {name} ", " | ", 1)
            if item not in found:
                found.append(item)
    return found


def load(path: Path, tz: ZoneInfo) -> tuple[Schedule, list[Problem]]:
    problems: list[Problem] = []
    empty = Schedule({}, {}, {}, 0, 15, tz)
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text) or {}
        lines = node_lines(yaml.compose(text))
    except (OSError, yaml.YAMLError) as error:
        return empty, [Problem(path, 0, "schedule", f"unreadable: {error}")]

    def report(where: tuple, message: str) -> None:
        problems.append(Problem(path, closest_line(lines, where), ".".join(map(str, where)), message))

    service = data.get("service") or {}
    hours = {}
    for day, window in (service.get("hours") or {}).items():
        parsed = _window(window)
        if day not in DAYS or parsed is None:
            report(("service", "hours", day), "must be a weekday name with hours like '07:00-18:00'")
            continue
        hours[DAYS.index(day)] = parsed
    bays, slot = service.get("bays"), service.get("slot_minutes", 15)
    if not isinstance(bays, int) or bays < 1:
        report(("service", "bays"), "must be a whole number of bays, at least 1")
        bays = 0
    if not isinstance(slot, int) or not 5 <= slot <= 60 or 60 % slot:
        report(("service", "slot_minutes"), "must divide an hour, e.g. 15 or 30")
        slot = 15
    services = {}
    for service_id, spec in (service.get("menu") or {}).items():
        spec = spec or {}
        if not spec.get("name") or not isinstance(spec.get("minutes"), int) or spec["minutes"] <= 0:
            report(("service", "menu", service_id), "needs a 'name' and 'minutes' (a positive whole number)")
            continue
        price, price_from = _prices(spec, lambda f, m, s=service_id: report(("service", "menu", s, f), m))
        services[service_id] = Service(
            id=service_id,
            name=spec["name"],
            minutes=spec["minutes"],
            aliases=tuple(spec.get("aliases") or ()),
            not_for=tuple(spec.get("not_for") or ()),
            only_for=tuple(spec.get("only_for") or ()),
            needs_vin=bool(spec.get("needs_vin")),
            note=spec.get("note"),
            price=price,
            price_from=price_from,
            price_note=str(spec["price_note"]) if spec.get("price_note") else None,
        )
    clinics = {}
    for clinic_id, spec in (data.get("clinics") or {}).items():
        clinic = _clinic(
            clinic_id, spec or {}, lambda where, message, c=clinic_id: report(("clinics", c, *where), message)
        )
        if clinic is not None:
            clinics[clinic_id] = clinic
    schedule = Schedule(services, clinics, hours, bays, slot, tz)
    return schedule, problems


def _clinic(clinic_id: str, spec: dict[str, Any], report: Any) -> Clinic | None:
    for field in ("name", "minutes", "seats", "schedule"):
        if not spec.get(field):
            report((field,), "missing")
            return None
    if not isinstance(spec["seats"], int) or spec["seats"] < 1:
        report(("seats",), "must be a whole number, at least 1")
        return None
    rules = []
    for index, raw in enumerate(spec["schedule"]):
        times = tuple(_time(t) for t in (raw or {}).get("times") or [])
        weekdays = raw.get("weekdays")
        first = raw.get("first_weekday_of_month")
        if not times or None in times or not (weekdays or first):
            report(
                ("schedule", index),
                "needs 'times' like [\"18:00\"] and 'weekdays' or 'first_weekday_of_month'",
            )
            return None
        unknown = [d for d in [*(weekdays or []), *([first] if first else [])] if d not in DAYS]
        if unknown:
            report(("schedule", index), f"unknown weekday {unknown[0]!r}")
            return None
        rules.append(
            ClinicRule(
                times=times,  # type: ignore[arg-type]
                weekdays=frozenset(DAYS.index(d) for d in weekdays) if weekdays else None,
                first_weekday_of_month=DAYS.index(first) if first else None,
                months=frozenset(raw["months"]) if raw.get("months") else None,
            )
        )
    ages = tuple(spec["ages"]) if spec.get("ages") else None
    aliases = tuple(str(a) for a in spec.get("aliases") or ())
    return Clinic(
        clinic_id,
        spec["name"],
        spec.get("for", ""),
        spec["minutes"],
        spec["seats"],
        tuple(rules),
        ages,
        aliases,
        " ".join(str(spec.get("covers") or "").split()),
        " ".join(str(spec.get("bring") or "").split()),
        str(spec.get("cost") or ""),
    )  # type: ignore[arg-type]


def _prices(spec: dict[str, Any], report: Any) -> tuple[float | None, float | None]:
    """A service's published `price` or `price_from` (one of them, a non-negative number)."""
    found: dict[str, float | None] = {"price": None, "price_from": None}
    for name in found:
        value = spec.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            report(name, f"must be a number of dollars, 0 or more (like 49.95), got {value!r}")
        else:
            found[name] = float(value)
    if found["price"] is not None and found["price_from"] is not None:
        report("price_from", "give either 'price' or 'price_from', not both")
        found["price_from"] = None
    if spec.get("price_note") and found["price"] is None and found["price_from"] is None:
        report("price_note", "a note needs a 'price' or 'price_from' to go with")
    return found["price"], found["price_from"]


def _time(value: Any) -> time | None:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        return None


def _window(value: Any) -> tuple[time, time] | None:
    parts = str(value).split("-")
    if len(parts) != 2:
        return None
    start, end = _time(parts[0].strip()), _time(parts[1].strip())
    return (start, end) if start and end and start < end else None
