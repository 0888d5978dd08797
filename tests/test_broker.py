"""The engagement broker, fed the same event dicts Rasa's tracker store publishes."""

import csv
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from sqlalchemy.engine import make_url

from bot import db
from bot.engagement.broker import EngagementBroker
from bot.profile import ProfileStore
from bot.reports.export import engagement_csv


def published(sender: str, *events) -> list[dict]:
    return [{"sender_id": sender, **event.as_dict()} for event in events]


def a_turn(sender: str, channel: str = "rest") -> list[dict]:
    parse = {"intent": {"name": "greet", "confidence": 0.97}, "entities": [], "text": "hi there"}
    return published(
        sender,
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered("hi there", intent=parse["intent"], parse_data=parse, input_channel=channel),
        ActionExecuted("utter_greet"),
        BotUttered("Hello!", metadata={"utter_action": "utter_greet"}),
        ActionExecuted("action_handoff"),
        BotUttered("Someone will reply shortly.", data={"buttons": [{"title": "OK", "payload": "/affirm"}]}),
        SlotSet("customer_name", "Jane"),
        ActionExecuted("action_listen"),
    )


async def test_every_message_in_and_out_is_recorded(store, tmp_path):
    broker = EngagementBroker(store, spool=tmp_path / "spool.jsonl")
    for event in a_turn("web-1", channel="socketio"):
        broker.publish(event)
    await broker.close()

    [customer] = store.find_customers(sender_id="web-1")
    rows = store.profile(customer["id"])["engagement"]
    assert [(r["direction"], r["text"]) for r in rows] == [
        ("in", "hi there"),
        ("out", "Hello!"),
        ("out", "Someone will reply shortly."),
    ]
    assert {r["channel"] for r in rows} == {"socketio"}
    assert (rows[0]["intent"], rows[0]["confidence"]) == ("greet", 0.97)
    assert rows[1]["action"] == "utter_greet"
    assert rows[2]["action"] == "action_handoff"  # custom actions are named by the action that ran
    assert rows[2]["data"] == {"buttons": [{"title": "OK", "payload": "/affirm"}]}


async def test_bot_messages_of_a_new_broker_find_the_channel_in_the_database(store, tmp_path):
    store.customer_for_sender("sms", "+15550100123")
    broker = EngagementBroker(store, spool=tmp_path / "spool.jsonl")
    broker.publish(published("+15550100123", BotUttered("Your reminder"))[0])
    await broker.close()
    [customer] = store.find_customers(sender_id="+15550100123")
    assert [r["channel"] for r in store.profile(customer["id"])["engagement"]] == ["sms"]


async def test_events_that_cannot_be_written_at_shutdown_are_spooled_then_replayed(store, tmp_path):
    unreachable = ProfileStore(db.session_factory(make_url(f"sqlite:///{tmp_path / 'missing' / 'x.db'}")))
    spool = tmp_path / "spool.jsonl"
    broker = EngagementBroker(unreachable, spool=spool)
    for event in a_turn("web-2"):
        broker.publish(event)
    await broker.close()
    assert len(spool.read_text().splitlines()) == 3

    replaying = EngagementBroker(store, spool=spool)
    await replaying.close()
    assert not Path(spool).exists()
    [customer] = store.find_customers(sender_id="web-2")
    assert len(store.profile(customer["id"])["engagement"]) == 3


async def test_rasa_servers_sharing_one_spool_replay_it_exactly_once(store, tmp_path):
    unreachable = ProfileStore(db.session_factory(make_url(f"sqlite:///{tmp_path / 'missing' / 'x.db'}")))
    spool = tmp_path / "spool.jsonl"
    for sender in ("web-a", "web-b"):  # two servers stopping while the database is away
        broker = EngagementBroker(unreachable, spool=spool)
        for event in a_turn(sender):
            broker.publish(event)
        await broker.close()
    assert len(spool.read_text().splitlines()) == 6

    with ThreadPoolExecutor(4) as pool:  # then all starting again at once
        brokers = list(pool.map(lambda _: EngagementBroker(store, spool=spool), range(4)))
    for broker in brokers:
        await broker.close()
    assert not list(tmp_path.glob("spool*"))
    for sender in ("web-a", "web-b"):
        [customer] = store.find_customers(sender_id=sender)
        assert len(store.profile(customer["id"])["engagement"]) == 3


async def test_flush_waits_for_everything_queued(store, tmp_path):
    broker = EngagementBroker(store, spool=tmp_path / "spool.jsonl")
    for n in range(50):
        for event in a_turn(f"load-{n % 5}"):
            broker.publish(event)
    broker.flush()
    total = sum(c["engagement_count"] for n in range(5) for c in store.find_customers(sender_id=f"load-{n}"))
    assert total == 150
    await broker.close()


async def test_a_new_sessions_greeting_is_written_after_the_message_that_started_it(store, tmp_path):
    """Rasa publishes the session-start greeting just before the first customer message; staff
    read the question first, then the reply, on the timeline and in the exports."""
    broker = EngagementBroker(store, spool=tmp_path / "spool.jsonl")
    events = published(
        "first-timer",
        ActionExecuted("action_session_start"),
        BotUttered("I'm an automated assistant.", metadata={"utter_action": "utter_disclosure"}),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered("hello", intent={"name": "greet", "confidence": 0.9}, input_channel="socketio"),
    )
    for event in events:
        broker.publish(event)
    await broker.close()
    [customer] = store.find_customers(sender_id="first-timer")
    rows = store.profile(customer["id"])["engagement"]
    assert [(r["direction"], r["channel"], r["action"]) for r in rows] == [
        ("in", "socketio", None),
        ("out", "socketio", "utter_disclosure"),
    ]
    assert rows[0]["ts"] <= rows[1]["ts"]
    assert len(store.find_customers(sender_id="first-timer")) == 1


async def test_a_returning_customers_new_session_and_tied_times_keep_the_order_things_happened(
    store, tmp_path
):
    """A known conversation's next session (its channel already known), and a turn whose events
    all carry one timestamp: the customer's message still comes before the replies it caused."""
    broker = EngagementBroker(store, spool=tmp_path / "spool.jsonl")
    for event in a_turn("returning", channel="socketio"):
        broker.publish(event)
    moment = 1_800_000_000.0
    later = published(
        "returning",
        ActionExecuted("action_session_start"),
        BotUttered("I'm an automated assistant.", metadata={"utter_action": "utter_disclosure"}),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered("back again", intent={"name": "greet", "confidence": 0.9}, input_channel="socketio"),
        ActionExecuted("utter_greet"),
        BotUttered("Welcome back!", metadata={"utter_action": "utter_greet"}),
    )
    for event in later:
        broker.publish({**event, "timestamp": moment})
    await broker.close()

    [customer] = store.find_customers(sender_id="returning")
    texts = [r["text"] for r in store.profile(customer["id"])["engagement"]]
    assert texts[-3:] == ["back again", "I'm an automated assistant.", "Welcome back!"]
    span = (datetime(2020, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc))
    [header, *lines] = csv.reader("".join(engagement_csv(store.sessions, *span)).splitlines())
    assert [line[header.index("text")] for line in lines] == texts
