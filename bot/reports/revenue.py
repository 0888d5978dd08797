"""Average repair-order values per service type (`knowledge/revenue.yml`), checked like the rest
of `knowledge/`: each problem names file, line and field."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from bot.checks import Problem, closest_line, node_lines

if TYPE_CHECKING:
    from bot.services import Services

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RepairOrderValues:
    currency: str = "USD"
    default: float = 0.0
    services: dict[str, float] = field(default_factory=dict)

    def of(self, service_ids: list[str]) -> float:
        """Estimated value of one booking: the sum of its services' average order values."""
        return sum(self.services.get(s, self.default) for s in service_ids or [])


def current(services: Services) -> RepairOrderValues:
    """Read each time (a small file), so a dealer's edit shows in the next report; problems are logged."""
    values, problems = load(services.knowledge_dir / "revenue.yml", set(services.schedule.services))
    for problem in problems:
        logger.error("revenue problem (left out until fixed): %s", problem)
    return values


def load(path: Path, known_services: set[str]) -> tuple[RepairOrderValues, list[Problem]]:
    """The values, and what's wrong with the file (bad entries are left out, reported)."""
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text) or {}
        lines = node_lines(yaml.compose(text))
    except (OSError, yaml.YAMLError) as error:
        return RepairOrderValues(), [Problem(path, 0, "revenue", f"unreadable: {error}")]
    if not isinstance(data, dict):
        return RepairOrderValues(), [Problem(path, 1, "revenue", "must be a mapping")]
    problems: list[Problem] = []

    def amount(where: tuple, value: object) -> float | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            problems.append(
                Problem(path, closest_line(lines, where), ".".join(where), "must be an amount of 0 or more")
            )
            return None
        return float(value)

    default = amount(("default",), data.get("default", 0)) or 0.0
    services = {}
    for service, value in (data.get("services") or {}).items():
        if service not in known_services:
            problems.append(
                Problem(
                    path,
                    closest_line(lines, ("services", service)),
                    f"services.{service}",
                    "not in schedule.yml's menu",
                )
            )
            continue
        parsed = amount(("services", service), value)
        if parsed is not None:
            services[service] = parsed
    return RepairOrderValues(str(data.get("currency") or "USD"), default, services), problems
