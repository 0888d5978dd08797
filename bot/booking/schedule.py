"""The clinic schedule and service menu from `knowledge/schedule.yml`, checked like the rest of
`knowledge/`: each problem names file, line and field."""

from __future__ import annotations

import calendar
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
    symptoms: tuple[str, ...] = ()  # problems that mean this service ("grinding noise when I brake")
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

    def describe(self) -> str:
        """ "Saturdays at 10 AM", "the first Monday of the month at 6:30 PM", "Wednesdays at 4, 4:30,
        5 and 5:30 PM (November to February)": when it runs, in words."""
        clocks = [f"{t:%-I:%M}".replace(":00", "") for t in self.times]
        marker = f"{self.times[-1]:%p}" if self.times else ""
        at = (
            ", ".join(clocks[:-1]) + " and " + clocks[-1] if len(clocks) > 1 else "".join(clocks)
        ) + f" {marker}"
        if self.first_weekday_of_month is not None:
            days = f"the first {calendar.day_name[self.first_weekday_of_month]} of the month"
        else:
            names = [calendar.day_name[d] + "s" for d in sorted(self.weekdays or ())]
            days = " and ".join(names)
        season = ""
        if self.months and len(self.months) < 12:  # the months it runs, across the new year too
            starts = next(m for m in sorted(self.months) if (m - 2) % 12 + 1 not in self.months)
            ends = next(m for m in sorted(self.months) if m % 12 + 1 not in self.months)
            season = f" ({calendar.month_name[starts]} to {calendar.month_name[ends]})"
        return f"{days} at {at}{season}"

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

    def runs(self) -> str:
        """When it runs, in words: "Saturdays at 10 AM"."""
        return "; ".join(rule.describe() for rule in self.rules)


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
        """The menu services a message names or describes ("oil change and rotate tires", "my
        brakes are squeaking", "tires wearing unevenly"), tolerating word order and small typos
        ("oil chnage", "tire rotaton")."""
        names = {s.id: (s.name, *s.aliases, *s.symptoms) for s in self.services.values()}
        return _named_in(text, names, tolerant=True)

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


def _named_in(text: str, names_of: dict[str, tuple[str, ...]], tolerant: bool = False) -> list[str]:
    """Ids whose name or alias appears in `text` as whole words, longest names first, each text
    span used once ("battery health check" is the EV check, not also the battery test). With
    `tolerant`, what's left is then matched word by word (see `_loosely_named`)."""
    said = f" {' '.join(re.sub(r'[^a-z0-9 ]', ' ', text.lower().replace('-', ' ')).split())} "
    found: list[str] = []
    pairs = sorted(
        ((" ".join(n.lower().replace("-", " ").split()), i) for i, names in names_of.items() for n in names),
        key=lambda pair: -len(pair[0]),
    )
    for name, item in pairs:
        if f" {name} " in said:
            said = said.replace(f" {name} ", " | ", 1)
            if item not in found:
                found.append(item)
    if tolerant:
        for item in _loosely_named(said, pairs):
            if item not in found:
                found.append(item)
    return found


# Words a phrase can do without ("grinding noise when I brake" = "brake grinding noise").
_FILLER = frozenset("a an the my is are am when i it to of on in at and for me its it's while".split())
_SUFFIXES = ("ing", "ly", "ed", "es", "s", "y")


def _stem(word: str) -> str:
    """A crude stem, enough to make "tires wearing unevenly" meet "uneven tire wear"."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _close(said: str, wanted: str) -> bool:
    """The same stem, or one typo apart for words of four letters or more: a letter added,
    dropped or two swapped ("chnage" is "change", "rotaton" is "rotation"), or a letter changed
    in words of seven or more (so "better" stays "better", not "battery")."""
    if said == wanted:
        return True
    if min(len(said), len(wanted)) < 4 or abs(len(said) - len(wanted)) > 1:
        return False
    return _one_edit(said, wanted)


def _one_edit(a: str, b: str) -> bool:
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return (len(diff) == 1 and len(a) >= 7) or (  # a changed letter only in long words ("better")
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _loosely_named(said: str, pairs: list[tuple[str, str]]) -> list[str]:
    """Ids of names whose words are all in what's left of the message, in any order, within a
    few words of each other, each word allowing one typo; each message word used once."""
    words = [(w, _stem(w)) for w in said.split() if w != "|"]
    used: set[int] = set()
    found: list[str] = []
    for name, item in pairs:
        wanted = [_stem(w) for w in name.split() if w not in _FILLER]
        if not wanted or (len(wanted) == 1 and len(wanted[0]) < 5):
            continue  # a short single word ("oil", "lube") only counts spelled right
        positions: list[int] = []
        for stem in wanted:
            position = next(
                (
                    i
                    for i, (word, word_stem) in enumerate(words)
                    if i not in used
                    and i not in positions
                    and word not in _FILLER
                    and _close(word_stem, stem)
                ),
                None,
            )
            if position is None:
                break
            positions.append(position)
        else:
            if max(positions) - min(positions) <= len(wanted) + 2:
                used.update(positions)
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
        for field in ("aliases", "symptoms"):
            if not isinstance(spec.get(field) or [], list):
                report(("service", "menu", service_id, field), "must be a list of phrases, like [oil light]")
                spec = {**spec, field: []}
        services[service_id] = Service(
            id=service_id,
            name=spec["name"],
            minutes=spec["minutes"],
            aliases=tuple(str(a) for a in spec.get("aliases") or ()),
            symptoms=tuple(str(a) for a in spec.get("symptoms") or ()),
            not_for=tuple(spec.get("not_for") or ()),
            only_for=tuple(spec.get("only_for") or ()),
            needs_vin=bool(spec.get("needs_vin")),
            note=spec.get("note"),
            price=price,
            price_from=price_from,
            price_note=str(spec["price_note"]) if spec.get("price_note") else None,
        )
    _check_phrases(services, report)
    clinics = {}
    for clinic_id, spec in (data.get("clinics") or {}).items():
        clinic = _clinic(
            clinic_id, spec or {}, lambda where, message, c=clinic_id: report(("clinics", c, *where), message)
        )
        if clinic is not None:
            clinics[clinic_id] = clinic
    schedule = Schedule(services, clinics, hours, bays, slot, tz)
    return schedule, problems


def _check_phrases(services: dict[str, Service], report: Any) -> None:
    """Aliases and symptoms must be lists of words, and no phrase may mean two services (which
    one would a customer get?)."""
    owner: dict[str, str] = {}
    for service in services.values():
        for field, phrases in (("aliases", service.aliases), ("symptoms", service.symptoms)):
            for phrase in phrases:
                key = " ".join(re.sub(r"[^a-z0-9 ]", " ", phrase.lower().replace("-", " ")).split())
                if not key:
                    report(("service", "menu", service.id, field), f"{phrase!r} has no words in it")
                elif owner.get(key, service.id) != service.id:
                    report(
                        ("service", "menu", service.id, field),
                        f"{phrase!r} already means {owner[key]}; a phrase can name one service only",
                    )
                owner.setdefault(key, service.id)


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
