"""Everything the assistant's parts work with, built once per process and passed explicitly.

The action server, the Rasa server's channels and engagement broker, the web app, the SMS
sender and the CLI each build one `Services` at start-up and hand it to what they create; nothing
reaches for a module-level store. Tests build their own, on their own database, knowledge folder
and clock, without touching `os.environ`.

Reloading is decided here, once, for every dealer-edited file: all of `knowledge/` (articles,
lineup, maintenance, `dealership.yml`, `schedule.yml`, `rewards.yml`) is re-read when any file in it changes,
checked at most every `reload_seconds`. A broken `dealership.yml` keeps the last good version (it
holds the time zone and hours every answer depends on); broken articles or schedule entries are
logged and left out until fixed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Generic, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from bot import config, dealership
from bot.booking import BookingStore, Schedule, load
from bot.dealership import Dealership, DealershipFileError
from bot.knowledge import Knowledge
from bot.profile import ProfileStore
from bot.rewards import Reward
from bot.rewards import load as load_rewards

logger = logging.getLogger(__name__)
RELOAD_SECONDS = 5.0

Clock = Callable[[], datetime]  # the current moment, timezone-aware
T = TypeVar("T")


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class DealerFiles:
    """One consistent reading of `knowledge/`: the dealership, its schedule and knowledge, and
    the bookings on that schedule."""

    dealership: Dealership
    schedule: Schedule
    knowledge: Knowledge
    bookings: BookingStore  # on this schedule
    rewards: tuple[Reward, ...]  # rewards.yml (broken entries left out until fixed)

    @classmethod
    def read(
        cls, directory: Path, sessions: sessionmaker[Session], last_good: Dealership | None = None
    ) -> DealerFiles:
        try:
            shop = dealership.load(directory / "dealership.yml")
        except DealershipFileError as error:
            if last_good is None:
                raise
            logger.error("dealership.yml problem (keeping the last good version): %s", error)
            shop = last_good
        schedule, problems = load(directory / "schedule.yml", shop.tz)
        for problem in problems:
            logger.error("schedule problem (left out until fixed): %s", problem)
        rewards, problems = load_rewards(directory / "rewards.yml")
        for problem in problems:
            logger.error("rewards problem (left out until fixed): %s", problem)
        return cls(shop, schedule, Knowledge.build(directory), BookingStore(sessions, schedule), rewards)


class Watched(Generic[T]):
    """What a folder's files say, read again when any file in it changes (checked at most every
    `every` seconds, so a busy server doesn't walk the folder on every message). `read` gets
    the previous reading, to keep what a broken edit would lose."""

    def __init__(self, directory: Path, read: Callable[[T | None], T], every: float = RELOAD_SECONDS) -> None:
        self._directory, self._read, self._every = directory, read, every
        self._lock = threading.Lock()
        self._value = read(None)
        self._stamp = _stamp(directory)
        self._checked = time.monotonic()

    def current(self) -> T:
        with self._lock:
            if time.monotonic() - self._checked >= self._every:
                self._checked = time.monotonic()
                stamp = _stamp(self._directory)
                if stamp != self._stamp:
                    self._stamp = stamp
                    self._value = self._read(self._value)
            return self._value


class Services:
    """The stores, the dealer's files, the clock and the settings customer emails are signed
    with, for one process."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        knowledge_dir: Path,
        clock: Clock = system_clock,
        reload_seconds: float = RELOAD_SECONDS,
        email_links: config.EmailLinks | None = None,
    ) -> None:
        self.sessions = sessions
        self.email_links = email_links  # None: no customer emails are queued (bot/mail/customers.py)
        self.profiles = ProfileStore(sessions)
        self.knowledge_dir = knowledge_dir
        self.clock = clock
        self._files = Watched(knowledge_dir, self._read_files, reload_seconds)

    @classmethod
    def from_environment(cls, clock: Clock = system_clock) -> Services:
        """On `DATABASE_URL` with the files in `KNOWLEDGE_DIR` (see README, "Configuration")."""
        from bot.db import session_factory

        return cls(
            session_factory(config.database_url()),
            config.knowledge_dir(),
            clock,
            email_links=config.email_links(),
        )

    # --- the dealer's files, always the latest good reading -----------------------------------

    @property
    def dealership(self) -> Dealership:
        return self._files.current().dealership

    @property
    def schedule(self) -> Schedule:
        return self._files.current().schedule

    @property
    def knowledge(self) -> Knowledge:
        return self._files.current().knowledge

    @property
    def bookings(self) -> BookingStore:
        """Bookings on the current schedule."""
        return self._files.current().bookings

    @property
    def rewards(self) -> tuple[Reward, ...]:
        """What the dealer rewards a complete record with (`rewards.yml`)."""
        return self._files.current().rewards

    def now(self) -> datetime:
        """The current moment in the dealership's time zone."""
        return self.clock().astimezone(self.dealership.tz)

    def _read_files(self, previous: DealerFiles | None) -> DealerFiles:
        return DealerFiles.read(self.knowledge_dir, self.sessions, previous.dealership if previous else None)


def _stamp(directory: Path) -> tuple[int, int]:
    """Changes when any file in the folder is edited, added or removed."""
    files = [p for p in directory.rglob("*") if p.is_file()]
    return max((p.stat().st_mtime_ns for p in files), default=0), len(files)
