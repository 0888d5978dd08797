"""The sample dealership in knowledge/ as tests read it: its facts, time zone and schedule, and
`Services` on a test database (the same files, on a database of the test's own)."""

from __future__ import annotations

from sqlalchemy.engine import URL

from bot import config, db, dealership
from bot.booking import load
from bot.services import Clock, Services, system_clock

SHOP = dealership.load(config.knowledge_dir() / "dealership.yml")
TZ = SHOP.tz
SCHEDULE = load(config.knowledge_dir() / "schedule.yml", TZ)[0]


def services_on(url: URL, clock: Clock = system_clock) -> Services:
    return Services(db.session_factory(url), config.knowledge_dir(), clock)
