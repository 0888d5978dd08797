"""The sample knowledge/ as the router answers it at a fixed moment, for in-process tests of
answers and follow-ups (the fixtures `kb`, `shop`, `schedule` and `router` in conftest.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import config
from bot.booking.schedule import Schedule
from bot.booking.store import SessionInfo
from bot.knowledge import Answer, Knowledge
from bot.knowledge.router import Question, Router

SAMPLE = config.PROJECT_ROOT / "knowledge"
CHICAGO = ZoneInfo("America/Chicago")
TUESDAY_3PM = datetime(2026, 12, 1, 15, 10, tzinfo=CHICAGO)  # Saturday is Dec 5, Sunday Dec 6


def sessions_of(schedule: Schedule, clinic: str) -> list[SessionInfo]:
    """The clinic's real upcoming start times from schedule.yml, every seat free."""
    starts = schedule.clinic_starts(clinic, TUESDAY_3PM, TUESDAY_3PM + timedelta(days=35))
    return [SessionInfo(n, clinic, s, schedule.clinics[clinic].seats) for n, s in enumerate(starts)]


def ask(
    router: Router,
    kb: Knowledge,
    text: str,
    intent: str = "ask_info",
    now: datetime = TUESDAY_3PM,
    **kwargs: Any,
) -> Answer:
    return router.answer(Question(text, kb.entities.extract(text), now, intent, **kwargs))
