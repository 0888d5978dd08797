"""Time comes from the clock `Services` is given: the same action answers "are you open now?"
and offers times differently at two fixed moments, with nothing patched."""

from __future__ import annotations

from datetime import datetime

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import make_url

from actions.handoff import ActionHandoff
from actions.knowledge import ActionAnswerQuestion
from bot import db
from bot.services import Services
from tests.dealer import TZ, services_on
from tests.replies import texts

SUNDAY_NOON = datetime(2026, 11, 29, 12, 0, tzinfo=TZ)  # closed all day
TUESDAY_TEN = datetime(2026, 12, 1, 10, 0, tzinfo=TZ)  # sales and service open


@pytest.fixture
def at(tmp_path):
    """Services on a fresh SQLite database whose clock stands still at the given moment."""

    def services_at(moment: datetime) -> Services:
        url = make_url(f"sqlite:///{tmp_path / f'{moment:%Y%m%d%H%M}.db'}")
        db.upgrade(url)
        return services_on(url, clock=lambda: moment)

    return services_at


def asked(text: str, intent: str) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "clock-test",
            "slots": {},
            "latest_message": {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []},
            "events": [{"event": "user", "text": text, "input_channel": "rest", "timestamp": 0}],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


async def test_are_you_open_now_follows_the_clock(at):
    replies = {}
    for moment in (SUNDAY_NOON, TUESDAY_TEN):
        dispatcher = CollectingDispatcher()
        await ActionAnswerQuestion(at(moment)).run(
            dispatcher, asked("are you open right now?", "ask_info"), {}
        )
        replies[moment] = " ".join(texts(dispatcher)).lower()
    assert "closed" in replies[SUNDAY_NOON] and "closed" not in replies[TUESDAY_TEN]


async def test_a_handoff_promises_a_reply_time_from_the_clock(at):
    replies = {}
    for moment in (SUNDAY_NOON, TUESDAY_TEN):
        dispatcher = CollectingDispatcher()
        await ActionHandoff(at(moment)).run(dispatcher, asked("can I talk to someone", "human_handoff"), {})
        replies[moment] = " ".join(texts(dispatcher))
    assert replies[SUNDAY_NOON] != replies[TUESDAY_TEN]
    assert "Monday" in replies[SUNDAY_NOON] or "tomorrow" in replies[SUNDAY_NOON].lower()
