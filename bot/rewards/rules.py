"""What the dealer rewards (`knowledge/rewards.yml`): a reward and the details a record needs
on file to earn it, checked like the rest of `knowledge/` (each problem names file, line, field)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.checks import Problem, closest_line, node_lines

# The details a reward can ask for, and how a dealer reads them in an error message. Each is
# saved by a step that then issues what the record has earned (bot/rewards/issuing.py).
REQUIREMENTS = {
    "email": "an email address",
    "phone": "a mobile number",
    "household": "someone in the household",
    "vehicle_mileage": "a vehicle with its mileage",
    "vehicle_vin": "a vehicle with its VIN",
}
REWARD_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


@dataclass(frozen=True)
class Reward:
    id: str
    name: str  # what the customer is told they get, e.g. "a free car wash"
    requires: frozenset[str]  # keys of REQUIREMENTS
    note: str = ""  # for staff: how to hand it out


def load(path: Path) -> tuple[tuple[Reward, ...], list[Problem]]:
    """The rewards, and what's wrong with the file (bad entries are left out, reported). No file:
    no rewards, which is fine."""
    if not path.exists():
        return (), []
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text) or {}
        lines = node_lines(yaml.compose(text)) if text.strip() else {}
    except (OSError, yaml.YAMLError) as error:
        return (), [Problem(path, 0, "rewards", f"unreadable: {error}")]
    entries = data.get("rewards") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return (), [Problem(path, 1, "rewards", "must be a list of rewards, each with id, name and requires")]
    rewards: list[Reward] = []
    problems: list[Problem] = []
    for index, entry in enumerate(entries):
        reward, found = _reward(entry, ("rewards", index), {r.id for r in rewards})
        problems += [
            Problem(path, closest_line(lines, where), field, message) for where, field, message in found
        ]
        if reward is not None:
            rewards.append(reward)
    return tuple(rewards), problems


def _reward(entry: object, where: tuple, seen: set[str]) -> tuple[Reward | None, list[tuple]]:
    """The reward, or the (where, field, message) of each thing wrong with the entry."""
    label = f"rewards[{where[1]}]"
    if not isinstance(entry, dict):
        return None, [(where, label, "must be a mapping with id, name and requires")]
    problems = []

    def problem(key: str, message: str) -> None:
        problems.append(((*where, key), f"{label}.{key}", message))

    reward_id, name, requires = entry.get("id"), entry.get("name"), entry.get("requires")
    if not isinstance(reward_id, str) or not REWARD_ID.match(reward_id):
        problem("id", "must be a short id of lowercase letters, digits and dashes, e.g. car-wash")
    elif reward_id in seen:
        problem("id", f"duplicate id {reward_id!r}: each reward needs its own")
    if not isinstance(name, str) or not name.strip():
        problem("name", "must say what the customer gets, e.g. a free car wash")
    known = ", ".join(REQUIREMENTS)
    if not isinstance(requires, list) or not requires:
        problem("requires", f"must list the details needed, from: {known}")
    else:
        for item in requires:
            if item not in REQUIREMENTS:
                problem("requires", f"unknown requirement {item!r}; use one of: {known}")
    if problems:
        return None, problems
    return Reward(str(reward_id), str(name).strip(), frozenset(requires), str(entry.get("note") or "")), []
