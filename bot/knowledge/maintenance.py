"""Maintenance schedules from `knowledge/maintenance.yml`: "how often does my Brio need oil?",
"what's due at 30,000 miles?", "when is my next service?". Answers only; booking is a button."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.checks import Problem, closest_line, node_lines

INTERVAL = re.compile(
    r"\bhow (often|frequently|many miles)\b|\bevery how\b|\binterval"
    r"|\b(maintenance|service|servicing|oil|oil change|rotation|factory|recommended) schedule\b"
    r"|\bschedule (for|of) (maintenance|service|servicing)\b|^\W*schedule\W*$"
    r"|\bwhen (should|do|does|to|must)\b.*\b(change|changed|replace|replaced|rotate|rotated|flush|do)\b"
    r"|\b(need|needs) (new |an? )?(oil|maintenance|service)\b|\bmaintenance\b",
    re.I,
)
NEXT = re.compile(
    r"\bnext (service|maintenance|oil change)\b|\bwhen('s| is) my\b.*\bdue\b|\bwhat('s| is) due\b", re.I
)
# "What needs to be done at 60k", "service at 45,000 miles": a mileage with what is due at it.
AT_MILEAGE = re.compile(r"\b(due|done|needed|need|needs|service|maintenance|replaced|changed)\b", re.I)
# "Reset the maintenance reminder", "the wrench light": the car's reminder, a feature article.
THE_CARS_REMINDER = re.compile(
    r"\b(reset|clear|turn off|turn it off|light|reminder|message|icon|display|screen|wrench|indicator)\b",
    re.I,
)
# Said in so many words: a schedule, maintenance, or an item of it ("how often ... brake fluid").
PLAINLY = re.compile(r"\b(maintenance|schedule|service interval|tune ?up)\b", re.I)
MILEAGE = re.compile(r"\b(\d{1,3}(?:,\d{3})+|\d{4,6}|\d{1,3}(?:\.\d)?\s?k)\b(?:\s*(?:miles?|mi)\b)?", re.I)


@dataclass(frozen=True)
class Item:
    name: str
    miles: int | None
    months: int | None
    service: str | None  # the service menu id it is booked as
    aliases: tuple[str, ...]

    @property
    def interval(self) -> str:
        parts = [
            f"{self.miles:,} miles" if self.miles else "",
            f"{self.months} months" if self.months else "",
        ]
        said = " or ".join(p for p in parts if p)
        return f"every {said}" + (", whichever comes first" if self.miles and self.months else "")


@dataclass(frozen=True)
class ModelSchedule:
    items: tuple[Item, ...]
    note: str = ""


@dataclass(frozen=True)
class Due:
    """What an answer found due, so the action can offer to book it."""

    text: str
    services: tuple[str, ...]
    items: tuple[str, ...] = ()  # the items it is about, so "how much is it?" can follow


def load(path: Path, models: set[str], services: set[str]) -> tuple[dict[str, ModelSchedule], list[Problem]]:
    """Each model's schedule and the problems found (file:line: field: message)."""
    if not path.exists():
        return {}, []
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text) or {}
        lines = node_lines(yaml.compose(text))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return {}, [Problem(path, (mark.line + 1) if mark else 0, "maintenance", f"not valid YAML: {error}")]
    problems: list[Problem] = []

    def report(where: tuple, message: str) -> None:
        problems.append(Problem(path, closest_line(lines, where), ".".join(map(str, where)), message))

    schedules = {}
    for model, spec in (data.get("models") or {}).items():
        where = ("models", model)
        if model not in models:
            report(where, f"unknown model {model!r} (lineup.yml has {', '.join(sorted(models))})")
            continue
        items = []
        for index, raw in enumerate((spec or {}).get("items") or []):
            at = (*where, "items", index)
            raw = raw if isinstance(raw, dict) else {}
            miles, months = raw.get("miles"), raw.get("months")
            if not raw.get("name") or not (miles or months):
                report(at, "needs a 'name' and 'miles' and/or 'months'")
                continue
            if any(v is not None and (not isinstance(v, int) or v <= 0) for v in (miles, months)):
                report(at, "'miles' and 'months' must be positive whole numbers")
                continue
            if raw.get("service") and raw["service"] not in services:
                report((*at, "service"), f"no service {raw['service']!r} in schedule.yml's menu")
            items.append(
                Item(
                    str(raw["name"]),
                    miles,
                    months,
                    raw.get("service") if raw.get("service") in services else None,
                    tuple(str(a).lower() for a in raw.get("aliases") or ()),
                )
            )
        schedules[model] = ModelSchedule(tuple(items), str((spec or {}).get("note") or ""))
    return schedules, problems


def maintenance_answer(
    text: str, schedules: dict[str, ModelSchedule], model: str | None, mileage: int | None
) -> Due | None:
    """The schedule's answer to a maintenance question, or None if the text isn't one."""
    asked_mileage = _mileage(text)
    is_next = bool(NEXT.search(text))
    at_mileage = asked_mileage is not None and bool(AT_MILEAGE.search(text))
    if not (is_next or at_mileage or INTERVAL.search(text)) or not schedules:
        return None
    if THE_CARS_REMINDER.search(text) and not (
        asked_mileage or _items_named(text, schedules, list(schedules))
    ):
        return None
    models = [model] if model in schedules else list(schedules)
    if is_next and (asked_mileage or mileage) and model in schedules:
        return _due_at(model, schedules[model], asked_mileage or mileage or 0, current=asked_mileage is None)
    if asked_mileage:
        return _due_at(models[0], schedules[models[0]], asked_mileage, current=False, others=models[1:])
    wanted = _items_named(text, schedules, models)
    if wanted:
        return _intervals(wanted, schedules, models)
    if is_next and model in schedules:
        full = _schedule(model, schedules[model])
        return Due(
            "I don't know your current mileage. Tell me, like \"what's due at 32,000 miles\", and I'll "
            f"work out your next service.\n{full.text}",
            full.services,
        )
    if model in schedules:
        return _schedule(model, schedules[model])
    groups: dict[tuple[Item, ...], list[str]] = {}
    for name in models:
        groups.setdefault(schedules[name].items, []).append(name)
    return Due(
        "\n".join(_schedule(_join(owners), schedules[owners[0]]).text for owners in groups.values()), ()
    )


def plainly_maintenance(text: str, schedules: dict[str, ModelSchedule]) -> bool:
    """A maintenance question in so many words ("how often should the brake fluid be changed",
    "Lumen maintenance schedule", "what's due at 30k"), so a feature article sharing a word
    ("brake", "maintenance reminders") is not answered in its place."""
    if not schedules or maintenance_answer(text, schedules, None, None) is None:
        return False
    asked = bool(NEXT.search(text) or INTERVAL.search(text)) or (
        _mileage(text) is not None and bool(AT_MILEAGE.search(text))
    )
    models = list(schedules)
    return asked and bool(PLAINLY.search(text) or _mileage(text) or _items_named(text, schedules, models))


def _mileage(text: str) -> int | None:
    for match in MILEAGE.finditer(text):
        raw = match.group(1).lower().replace(",", "").replace(" ", "")
        value = float(raw[:-1]) * 1000 if raw.endswith("k") else float(raw)
        if 1000 <= value <= 500_000 and not (
            match.group(1).isdigit() and 2000 <= value <= 2099 and len(raw) == 4
        ):
            return int(value)
    return None


def _items_named(text: str, schedules: dict[str, ModelSchedule], models: list[str]) -> list[str]:
    """Items whose name or an alias has all its words in the question ("rotate the tires" is
    "rotate tires"); an item found only through words of a longer match ("air filter" inside
    "cabin air filter") is left out. Items of other models count too: "does the Ion need oil?"."""
    said = {_stem(w) for w in re.sub(r"[^a-z0-9 ]", " ", text.lower()).split()}
    found: dict[str, frozenset[str]] = {}
    for model in [*models, *schedules]:
        for item in schedules[model].items:
            for phrase in (item.name.lower(), *item.aliases):
                words = frozenset(_stem(w) for w in phrase.split())
                if words <= said and len(words) > len(found.get(item.name, frozenset())):
                    found[item.name] = words
    return [name for name, words in found.items() if not any(words < other for other in found.values())]


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _intervals(wanted: list[str], schedules: dict[str, ModelSchedule], models: list[str]) -> Due:
    lines, services = [], []
    for name in wanted:
        by_interval: dict[str, list[str]] = {}
        without = []
        for model in models:
            item = next((i for i in schedules[model].items if i.name == name), None)
            if item is None:
                without.append(model)
                continue
            by_interval.setdefault(item.interval, []).append(model)
            if item.service:
                services.append(item.service)
        for interval, owners in by_interval.items():
            lines.append(f"{name} on the {_join(owners)}: {interval}.")
        for model in without:
            note = schedules[model].note
            lines.append(note if note else f"The {model}'s schedule has no {name.lower()}.")
        for model in models:
            if model not in without and schedules[model].note and len(models) == 1:
                lines.append(schedules[model].note)
    return Due(
        "\n".join(dict.fromkeys(lines)) + "\n(From our maintenance schedule.)",
        tuple(dict.fromkeys(services)),
        tuple(wanted),
    )


def _due_at(
    model: str, schedule: ModelSchedule, mileage: int, current: bool, others: list[str] | None = None
) -> Due:
    by_miles = [i for i in schedule.items if i.miles]
    if current:
        point = min(math.floor(mileage / i.miles + 1) * i.miles for i in by_miles)
    else:
        point = min(math.ceil(mileage / i.miles) * i.miles for i in by_miles)
    due = [i for i in by_miles if point % i.miles == 0]
    timed = [i for i in schedule.items if i.months and not i.miles]
    lead = (
        f"Your {model}'s next service is at {point:,} miles"
        if current
        else f"At {point:,} miles the {model} is due for"
    )
    text = f"{lead}: " + ", ".join(i.name.lower() for i in due) + "."
    if current:
        text += f" (You're at about {mileage:,}.)"
    if timed:
        text += " Also by time: " + "; ".join(f"{i.name.lower()} {i.interval}" for i in timed) + "."
    if schedule.note:
        text += f" {schedule.note}"
    if others:
        text += f" (That's the {model}'s schedule; tell me your model if it's a different one.)"
    return Due(
        text + "\n(From our maintenance schedule.)",
        tuple(dict.fromkeys(i.service for i in due if i.service)),
        tuple(i.name for i in due),
    )


def _schedule(model: str, schedule: ModelSchedule) -> Due:
    lines = [f"- {i.name}: {i.interval}" for i in schedule.items]
    text = f"The {model}'s maintenance schedule:\n" + "\n".join(lines)
    if schedule.note:
        text += f"\n{schedule.note}"
    return Due(text, ())


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def item_services(names: tuple[str, ...], schedules: dict[str, ModelSchedule]) -> dict[str, str | None]:
    """Each maintenance item's service menu id (None when it isn't on the menu), for its price."""
    found: dict[str, str | None] = dict.fromkeys(names)
    for schedule in schedules.values():
        for item in schedule.items:
            if item.name in found and item.service:
                found[item.name] = item.service
    return found
