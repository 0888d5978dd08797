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
from bot.profile import ContactDetails
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


async def test_out_of_hours_a_handoff_offers_a_callback_at_the_department_s_next_opening(at):
    services = at(SUNDAY_NOON)
    dispatcher = CollectingDispatcher()
    await ActionHandoff(services).run(
        dispatcher, asked("my brakes are grinding, can a person help", "human_handoff"), {}
    )
    said, offer = dispatcher.messages
    assert said["response"] == "utter_handoff" and "tomorrow at 7:00 AM" in said["promise"]
    assert offer["response"] == "utter_handoff_callback_no_phone"
    assert (offer["department"], offer["when"]) == ("service", "tomorrow at 7:00 AM")  # service opens at 7

    customer = services.profiles.customer_for_sender("rest", "clock")
    services.profiles.record_contact_details(customer, ContactDetails(phone="+15550100777"))
    other = CollectingDispatcher()
    tracker = asked("how much for a Tessa, talk to a person", "ask_price")
    tracker.sender_id = "clock"
    await ActionHandoff(services).run(other, tracker, {})
    said, offer = other.messages
    assert said["response"] == "utter_handoff_pricing" and "tomorrow at 9:00 AM" in said["promise"]
    assert offer["response"] == "utter_handoff_callback"
    assert (offer["department"], offer["when"], offer["ending"]) == ("sales", "tomorrow at 9:00 AM", "0777")
