"""Rasa's SQL tracker store as we configure it: each event reaches the engagement broker once."""

from __future__ import annotations

import time

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import config
from bot.engagement.broker import EngagementBroker
from bot.engagement.tracker_store import DatabaseUrlTrackerStore


def a_turn(text: str, reply: str, at: float) -> list:
    return [
        UserUttered(text, intent={"name": "greet", "confidence": 0.9}, input_channel="rest", timestamp=at),
        ActionExecuted("utter_greet", timestamp=at + 0.1),
        BotUttered(reply, timestamp=at + 0.2),
        ActionExecuted("action_listen", timestamp=at + 0.3),
    ]


@pytest.fixture
def tracker_store(database_url, store, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url.render_as_string(hide_password=False))
    broker = EngagementBroker(store, spool=tmp_path / "spool.jsonl")
    tracker_store = DatabaseUrlTrackerStore(
        Domain.load(config.PROJECT_ROOT / "domain.yml"), event_broker=broker
    )
    yield tracker_store
    tracker_store.engine.dispose()


async def test_saving_turn_by_turn_publishes_each_message_once_across_sessions(tracker_store, store):
    start = time.time() - 100
    tracker = DialogueStateTracker.from_events(
        "ts-1", [SessionStarted(timestamp=start), *a_turn("hi", "Hello!", start)]
    )
    await tracker_store.save(tracker)
    tracker.update_with_events(a_turn("more", "Here's more.", start + 10), None)
    await tracker_store.save(tracker)
    await tracker_store.save(tracker)  # nothing new: nothing published
    tracker.update_with_events(
        [SessionStarted(timestamp=start + 50), *a_turn("back", "Welcome back.", start + 50)], None
    )
    await tracker_store.save(tracker)
    await tracker_store.event_broker.close()

    [customer] = store.find_customers(sender_id="ts-1")
    rows = store.profile(customer["id"])["engagement"]
    assert [(r["direction"], r["text"]) for r in rows] == [
        ("in", "hi"),
        ("out", "Hello!"),
        ("in", "more"),
        ("out", "Here's more."),
        ("in", "back"),
        ("out", "Welcome back."),
    ]
    restored = await tracker_store.retrieve_full_tracker("ts-1")
    assert [e.as_dict() for e in restored.events] == [e.as_dict() for e in tracker.events]
