"""Questions about one's own booking, answered in-process from a real database (real rasa_sdk
Trackers and dispatcher): when, where, the code, adding someone, and no booking at all."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.booking_questions import ActionAddToBooking, ActionAnswerBooking
from bot.booking.questions import question_kind
from bot.services import Services
from tests.forms import tracker
from tests.replies import texts

KINDS = [
    ("what time does it start again?", "when"),
    ("when is my appointment", "when"),
    ("whens my class", "when"),
    ("where do I go?", "where"),
    ("whats the address", "where"),
    ("what's my code again?", "code"),
    ("lost my confirmation number", "code"),
    ("can my husband come too?", "add"),
    ("can i bring my son", "add"),
    ("is there room for one more", "add"),
]


@pytest.mark.parametrize(("said", "kind"), KINDS, ids=[k[0] for k in KINDS])
def test_what_is_asked_about_a_booking(said: str, kind: str) -> None:
    assert question_kind(said) == kind


async def _ask(services: Services, sender: str, text: str) -> tuple[CollectingDispatcher, list]:
    dispatcher = CollectingDispatcher()
    asked = tracker(text, None, "ask_booking", {})
    asked.sender_id = sender
    return dispatcher, await ActionAnswerBooking(services).run(dispatcher, asked, {})


async def test_questions_are_answered_from_the_customers_own_booking(action_services) -> None:
    bookings = action_services.bookings
    customer = action_services.profiles.customer_for_sender("rest", "asking-parent")
    now = datetime.now(bookings.schedule.tz)
    session = next(s for s in bookings.clinic_sessions("new-owner-tech", now) if s.seats_left >= 3)
    party = [{"name": None, "relation": None, "age": None}, {"name": "Leo", "relation": "family", "age": 15}]
    code = bookings.book_clinic(customer, session.id, 2, party, now).code

    dispatcher, _ = await _ask(action_services, "asking-parent", "what time does it start?")
    assert dispatcher.messages[0]["response"] == "utter_booking_when"
    assert (
        dispatcher.messages[0]["code"] == code and "New Owner Tech Clinic" == dispatcher.messages[0]["what"]
    )
    dispatcher, _ = await _ask(action_services, "asking-parent", "where do i go")
    assert dispatcher.messages[0]["address"] == "1200 Harbor Road, Lakeside"

    dispatcher, events = await _ask(action_services, "asking-parent", "can my husband come too?")
    offer = dispatcher.messages[0]
    assert offer["response"] == "utter_booking_add_offer" and offer["who"] == "your husband"
    assert offer["party"] == 3 and offer["code"] == code
    [pending] = [e for e in events if e["name"] == "booking_addition"]
    assert bookings.upcoming_of(customer, now)[0].attendees == party  # nothing changed yet

    added = tracker("yes", None, "affirm", {"booking_addition": pending["value"]})
    added.sender_id = "asking-parent"
    events = await ActionAddToBooking(action_services).run(CollectingDispatcher(), added, {})
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["replacing_code"] == code and slots["clinic"] == "new-owner-tech"
    assert [p["relation"] for p in json.loads(slots["attendees"])] == [None, "family", "spouse"]
    assert events[-1] == {"event": "followup", "name": "clinic_form", "timestamp": None}


async def test_without_a_booking_it_says_so_and_offers_to_book(action_services) -> None:
    dispatcher, _ = await _ask(action_services, "asking-nobody", "when is my appointment")
    assert [m["response"] for m in dispatcher.messages] == ["utter_no_upcoming_booking"]
    dispatcher, _ = await _ask(action_services, "asking-nobody", "where do i go")
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_dealership_address",
        "utter_no_upcoming_booking",
    ]


@pytest.mark.parametrize("said", ["when is the teen class", "what time does the technology class start"])
async def test_a_clinic_asked_about_without_a_booking_is_told_about(action_services, said) -> None:
    """Read as a question about one's booking, but nothing is booked: the clinic's own facts."""
    dispatcher, _ = await _ask(action_services, "asking-about-a-clinic", said)
    responses = [m.get("response") for m in dispatcher.messages]
    assert "utter_no_upcoming_booking" not in responses and "utter_book_this_clinic" in responses
    assert "Saturday" in " ".join(texts(dispatcher)) or "Tuesday" in " ".join(texts(dispatcher))
