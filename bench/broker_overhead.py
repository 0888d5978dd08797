"""How much latency the engagement broker adds to a Rasa turn (target: p95 under 2 ms).

Rasa calls `publish` on its event loop for every event a turn creates, so the time a turn's
`publish` calls take is exactly what the broker adds to that turn. We publish realistic turns
(the same event dicts Rasa's tracker store sends) into the real broker writing to a real SQLite
database, time each turn's publishes, then check every row arrived and how fast the writer drains.

    .venv/bin/python bench/broker_overhead.py [--turns 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot import db
from bot.engagement.broker import EngagementBroker
from bot.profile import ProfileStore
from bot.profile.models import EngagementEvent


def turn_events(sender: str, n: int) -> list[dict]:
    parse = {"intent": {"name": "introduce", "confidence": 0.93}, "entities": [], "text": f"message {n}"}
    events = [
        UserUttered(f"message {n}", intent=parse["intent"], parse_data=parse, input_channel="rest"),
        SlotSet("customer_name", "Jane"),
        ActionExecuted("contact_form"),
        BotUttered(
            "What's the best mobile number to reach you?", metadata={"utter_action": "utter_ask_phone"}
        ),
        ActionExecuted("action_listen"),
    ]
    return [{"sender_id": sender, **event.as_dict()} for event in events]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def main(turns: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = make_url(f"sqlite:///{Path(tmp) / 'bench.db'}")
        db.upgrade(url)
        sessions = db.session_factory(url)
        broker = EngagementBroker(ProfileStore(sessions), spool=Path(tmp) / "spool.jsonl")
        bodies = [turn_events(f"bench-{n % 50}", n) for n in range(turns)]
        per_turn_ms = []
        started = time.perf_counter()
        for events in bodies:
            t0 = time.perf_counter()
            for event in events:
                broker.publish(event)
            per_turn_ms.append((time.perf_counter() - t0) * 1000)
            await asyncio.sleep(0)  # let the loop breathe as Rasa's would between turns
        published = time.perf_counter()
        await broker.close()
        drained = time.perf_counter()
        with sessions() as session:
            rows = session.scalar(select(func.count()).select_from(EngagementEvent))
    print(f"turns: {turns}, events per turn: {len(bodies[0])}, rows written: {rows} (expected {2 * turns})")
    print(
        "publish time added per turn (ms): "
        f"p50 {statistics.median(per_turn_ms):.3f}  p95 {percentile(per_turn_ms, 0.95):.3f}  "
        f"p99 {percentile(per_turn_ms, 0.99):.3f}  max {max(per_turn_ms):.3f}"
    )
    print(
        f"writer: all rows on disk {drained - started:.2f}s after the first turn "
        f"({rows / (drained - started):.0f} rows/s; {drained - published:.2f}s of drain after the last)"
    )
    assert rows == 2 * turns, "engagement rows were lost"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=5000)
    asyncio.run(main(parser.parse_args().turns))
