"""The dealership's facts (name, phone, opening hours) from `knowledge/dealership.yml`.

Kept in a file the dealer edits, so a handoff reply ("staff will answer tomorrow at 7:00") stays
true when hours change, without code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot import config

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class DealershipFileError(ValueError):
    """The dealership file is unusable; the message names the file and the field."""


@dataclass(frozen=True)
class Dealership:
    name: str
    address: str
    phone: str
    tz: ZoneInfo
    hours: dict[int, tuple[time, time]]  # weekday (0 = Monday) -> (open, close)

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.tz)
        window = self.hours.get(local.weekday())
        return window is not None and window[0] <= local.time() < window[1]

    def next_opening(self, moment: datetime) -> datetime:
        """The next time staff are in, strictly after `moment` if it is out of hours."""
        local = moment.astimezone(self.tz)
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            window = self.hours.get(day.weekday())
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


def _parse_window(value: object, day: str, path: Path) -> tuple[time, time]:
    try:
        start, end = str(value).split("-")
        window = (time.fromisoformat(start.strip()), time.fromisoformat(end.strip()))
    except ValueError:
        raise DealershipFileError(
            f"{path}: hours.{day} must look like '07:00-18:00', got {value!r}"
        ) from None
    if window[0] >= window[1]:
        raise DealershipFileError(f"{path}: hours.{day} closes before it opens: {value!r}")
    return window


def load(path: Path) -> Dealership:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for field in ("name", "phone", "timezone", "hours"):
        if not data.get(field):
            raise DealershipFileError(f"{path}: missing field '{field}'")
    tz_name = config.dealership_tz() or data["timezone"]
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DealershipFileError(f"{path}: unknown time zone {tz_name!r}") from None
    hours = {}
    for day, value in data["hours"].items():
        if day not in DAYS:
            raise DealershipFileError(f"{path}: hours has unknown day {day!r}")
        hours[DAYS.index(day)] = _parse_window(value, day, path)
    return Dealership(
        name=data["name"], address=data.get("address", ""), phone=data["phone"], tz=tz, hours=hours
    )


@lru_cache(maxsize=1)
def current() -> Dealership:
    """The dealership this process serves (read once; restart to pick up edits)."""
    return load(config.knowledge_dir() / "dealership.yml")
