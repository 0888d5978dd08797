"""Our actions in-process, on trackers saved as JSON (tests/trackers/, the way Rasa's example
assistants test theirs), with a CollectingDispatcher and `Services` on a fresh SQLite database:
what each says (filled in from domain.yml), the events it returns, and what it stored. No model,
no servers: part of `make test-fast`."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.booking_changes import ActionChangeBooking
from actions.clinics import ValidateClinicForm
from actions.handoff import ActionHandoff
from actions.knowledge import ActionAnswerQuestion
from actions.service import ValidateServiceForm
from actions.session import ActionSessionStart
from bot import config
from bot.booking import steps
from bot.booking.attendees import parse_attendees
from bot.booking.steps import session_label
from bot.mail.models import EmailMessage
from bot.profile import ContactDetails, VehicleDetails
from bot.services import Services
from tests.dealer import TZ
from tests.replies import texts

TRACKERS = Path(__file__).parent / "trackers"


@cache
def domain() -> dict[str, Any]:
    return yaml.safe_load((config.PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


def tracker(name: str, sender_id: str | None = None, **slots: Any) -> Tracker:
    """tests/trackers/<name>.json, for `sender_id` (each test its own customer), with `slots` set."""
    state = json.loads((TRACKERS / f"{name}.json").read_text(encoding="utf-8"))
    state["sender_id"] = sender_id or state["sender_id"]
    state["slots"].update(slots)
    return Tracker.from_dict(state)


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def free_service_time(services: Services, days: int = 4) -> datetime:
    bookings = services.bookings
    after = datetime.now(TZ) + timedelta(days=days)
    return bookings.free_service_starts(bookings.service_minutes(["oil-change"]), after, 1)[0]


async def test_a_new_session_says_it_is_an_assistant_and_keeps_contact_details(action_services):
    dispatcher = CollectingDispatcher()
    events = await ActionSessionStart(action_services).run(dispatcher, tracker("session_start"), domain())
    assert [m["response"] for m in dispatcher.messages] == ["utter_disclosure"]
    assert [e["event"] for e in events] == ["session_started", "slot", "slot", "action"]
    assert slots_of(events) == {"customer_name": "Jane Doe", "phone": "+15550100123"}  # no half-done form


async def test_a_new_session_stays_quiet_while_staff_hold_the_conversation(action_services):
    store = action_services.profiles
    customer = store.customer_for_sender("rest", "tracker-taken")
    store.take_handoff(store.open_handoff(customer, "tracker-taken", "rest", "asked", "hi"), "sam")
    dispatcher = CollectingDispatcher()
    events = await ActionSessionStart(action_services).run(
        dispatcher, tracker("session_start", "tracker-taken"), domain()
    )
    assert dispatcher.messages == [] and events[-1]["event"] == "pause"


async def test_the_confirmed_service_booking_is_made_with_the_car_and_number(action_services):
    start = free_service_time(action_services)
    dispatcher = CollectingDispatcher()
    events = await ValidateServiceForm(action_services).run(
        dispatcher, tracker("service_confirmed", service_when=start.isoformat()), domain()
    )
    [booked] = dispatcher.messages
    assert booked["response"] == "utter_service_booked" and booked["topic"] == "service"
    [said] = texts(dispatcher)
    assert said.startswith("You're booked: Oil change") and "2023 Lumen SE" in said
    assert f"Your confirmation code is {booked['booking_id']}." in said and "with a loaner car" in said
    assert slots_of(events)["service_confirm"] is None and slots_of(events)["requested_slot"] is None

    store = action_services.profiles
    customer = store.customer_for_sender("rest", "tracker-service")
    [upcoming] = action_services.bookings.upcoming_of(customer, datetime.now(TZ))
    assert (upcoming.code, upcoming.starts_at, upcoming.transport) == (booked["booking_id"], start, "loaner")
    assert [(v.model, v.trim, v.year) for v in store.vehicles_of(customer)] == [("Lumen", "SE", 2023)]
    assert store.reachable_phone(customer) == "+15550104567"


async def test_a_service_time_taken_meanwhile_offers_others_and_books_nothing(action_services):
    start = free_service_time(action_services, days=6)
    other = action_services.profiles.customer_for_sender("rest", "tracker-quicker")
    for _ in range(action_services.schedule.bays):  # every bay at that time goes to someone else
        assert action_services.bookings.book_service(
            other, start, ["oil-change"], {}, "wait", datetime.now(TZ)
        ).ok
    dispatcher = CollectingDispatcher()
    await ValidateServiceForm(action_services).run(
        dispatcher, tracker("service_confirmed", "tracker-late", service_when=start.isoformat()), domain()
    )
    assert [m["response"] for m in dispatcher.messages] == ["utter_service_time_taken"]
    assert "The nearest free times:" in texts(dispatcher)[0]
    late = action_services.profiles.customer_for_sender("rest", "tracker-late")
    assert action_services.bookings.upcoming_of(late, datetime.now(TZ)) == []


async def test_the_confirmed_clinic_booking_saves_the_named_family(action_services):
    session = next(
        s
        for s in action_services.bookings.clinic_sessions("teen-driver-safety", datetime.now(TZ))
        if s.seats_left >= 2
    )
    dispatcher = CollectingDispatcher()
    await ValidateClinicForm(action_services).run(
        dispatcher, tracker("clinic_confirmed", clinic_session=session_label(session)), domain()
    )
    [booked] = dispatcher.messages
    assert booked["response"] == "utter_clinic_booked" and booked["topic"] == "clinic:teen-driver-safety"
    assert texts(dispatcher) == [
        f"You're booked: Teen Driver Safety Clinic, {session_label(session)}, for 2. Your confirmation "
        f"code is {booked['booking_id']}. It's free. We'll see you there!"
    ]
    customer = action_services.profiles.customer_for_sender("socketio", "tracker-clinic")
    [emma] = action_services.profiles.profile(customer)["household"]
    assert (emma["name"], emma["relation"]) == ("Emma", "child")


async def test_a_confirmed_cancellation_cancels_the_customers_booking(action_services):
    customer = action_services.profiles.customer_for_sender("rest", "tracker-cancel")
    request = steps.ServiceRequest(
        customer, free_service_time(action_services, days=8), ("oil-change",), None
    )
    code = steps.book_service(action_services, request).result.code
    dispatcher = CollectingDispatcher()
    events = await ActionChangeBooking(action_services).run(
        dispatcher, tracker("cancel_confirmed", booking_code=code), domain()
    )
    [cancelled] = dispatcher.messages
    assert (cancelled["response"], cancelled["booking_id"], cancelled["topic"]) == (
        "utter_booking_cancelled",
        code,
        "cancel:service",
    )
    assert (
        texts(dispatcher)[0].startswith("Done: Oil change")
        and f"[{code}] is cancelled" in texts(dispatcher)[0]
    )
    assert slots_of(events) == dict.fromkeys(("booking_code", "change_confirm", "change_kind", "change_when"))
    assert action_services.bookings.upcoming_of(customer, datetime.now(TZ)) == []


async def test_a_move_confirmed_with_its_new_time_is_made_with_that_one_yes(action_services):
    """ "Move Oil change ... to <day> at <the same time>?" - "yes": moved, no second summary."""
    customer = action_services.profiles.customer_for_sender("rest", "tracker-mover")
    old_start = free_service_time(action_services, days=8)
    request = steps.ServiceRequest(customer, old_start, ("oil-change",), VehicleDetails("Lumen", year=2023))
    code = steps.book_service(action_services, request).result.code
    new_day = old_start + timedelta(days=1 if old_start.weekday() < 4 else 3)  # another weekday
    move = tracker(
        "cancel_confirmed",
        "tracker-mover",
        booking_code=code,
        change_kind="reschedule",
        change_when=f"{new_day:%A %B} {new_day.day}",  # a day alone keeps the booking's time
    )
    dispatcher = CollectingDispatcher()
    await ActionChangeBooking(action_services).run(dispatcher, move, domain())
    [moved] = dispatcher.messages
    assert moved["response"] == "utter_booking_moved" and moved["old"] == code
    [now_booked] = action_services.bookings.upcoming_of(customer, datetime.now(TZ))
    assert now_booked.starts_at == new_day and now_booked.code == moved["code"] != code
    assert now_booked.vehicle["model"] == "Lumen"


async def test_a_move_to_a_part_of_the_day_is_its_first_free_time_with_one_yes(action_services):
    """ "Move it to <day> morning?" names the first free time that morning, and one yes moves it."""
    customer = action_services.profiles.customer_for_sender("rest", "tracker-morning")
    old_start = free_service_time(action_services, days=9)
    request = steps.ServiceRequest(customer, old_start, ("tire-rotation",), VehicleDetails("Ion", year=2025))
    code = steps.book_service(action_services, request).result.code
    new_day = (old_start + timedelta(days=1 if old_start.weekday() < 4 else 3)).date()
    bookings = action_services.bookings
    opening = datetime.combine(new_day, datetime.min.time(), tzinfo=TZ)
    first_free = bookings.free_service_starts(bookings.service_minutes(["tire-rotation"]), opening, 1)[0]
    assert first_free.hour < 12  # the shop opens in the morning
    move = tracker(
        "cancel_confirmed",
        "tracker-morning",
        booking_code=code,
        change_kind="reschedule",
        change_when=f"{new_day:%A %B} {new_day.day} morning",
    )
    dispatcher = CollectingDispatcher()
    await ActionChangeBooking(action_services).run(dispatcher, move, domain())
    [moved] = dispatcher.messages
    assert moved["response"] == "utter_booking_moved"
    [now_booked] = action_services.bookings.upcoming_of(customer, datetime.now(TZ))
    assert now_booked.starts_at == first_free and now_booked.code == moved["code"]


async def test_a_clinic_moved_to_another_day_takes_that_days_session_with_one_yes(action_services):
    customer = action_services.profiles.customer_for_sender("rest", "tracker-clinic-mover")
    first, second = [
        s
        for s in action_services.bookings.clinic_sessions("new-owner-tech", datetime.now(TZ))
        if s.seats_left >= 2
    ][:2]
    party = tuple(parse_attendees("me and my wife Dana"))
    request = steps.ClinicRequest(customer, "new-owner-tech", session_label(first), party)
    code = steps.book_clinic(action_services, request).result.code
    day = second.starts_at
    move = tracker(
        "cancel_confirmed",
        "tracker-clinic-mover",
        booking_code=code,
        change_kind="reschedule",
        change_when=f"{day:%A %B} {day.day}",
    )
    dispatcher = CollectingDispatcher()
    await ActionChangeBooking(action_services).run(dispatcher, move, domain())
    [moved] = dispatcher.messages
    assert moved["response"] == "utter_booking_moved" and moved["topic"] == "reschedule:clinic"
    [now_booked] = action_services.bookings.upcoming_of(customer, datetime.now(TZ))
    assert now_booked.starts_at == second.starts_at and len(now_booked.attendees) == 2


async def test_someone_elses_code_cancels_nothing(action_services):
    owner = action_services.profiles.customer_for_sender("rest", "tracker-owner")
    request = steps.ServiceRequest(owner, free_service_time(action_services, days=9), ("oil-change",), None)
    code = steps.book_service(action_services, request).result.code
    dispatcher = CollectingDispatcher()
    await ActionChangeBooking(action_services).run(
        dispatcher, tracker("cancel_confirmed", "tracker-stranger", booking_code=code), domain()
    )
    assert [m["response"] for m in dispatcher.messages] == ["utter_booking_unchanged"]
    assert [b.code for b in action_services.bookings.upcoming_of(owner, datetime.now(TZ))] == [code]


async def test_a_vehicle_question_is_answered_from_knowledge_and_counted_as_interest(action_services):
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerQuestion(action_services).run(
        dispatcher, tracker("vehicle_question"), domain()
    )
    answer = dispatcher.messages[0]
    assert answer["text"] and "heated" in answer["text"].lower() and answer["vehicle_model"] == "Tessa"
    assert slots_of(events)["kb_model"] == "Tessa"
    customer = action_services.profiles.customer_for_sender("rest", "tracker-question")
    assert action_services.profiles.profile(customer)["interests"]


@pytest.mark.parametrize(
    ("intent", "response", "reason"),
    [
        ("human_handoff", "utter_handoff", "asked"),
        ("escalate", "utter_handoff_escalated", "escalation"),
        ("ask_price", "utter_handoff_pricing", "pricing"),
    ],
)
async def test_asking_for_a_person_opens_a_handoff_staff_see(action_services, intent, response, reason):
    sender = f"tracker-handoff-{intent}"
    state = tracker("handoff", sender)
    state.latest_message["intent"] = {"name": intent, "confidence": 0.99}
    dispatcher = CollectingDispatcher()
    tuesday_ten = datetime(2026, 12, 1, 10, 0, tzinfo=TZ)  # open: a reply now, not a callback
    at_ten = Services(action_services.sessions, action_services.knowledge_dir, lambda: tuesday_ten)
    assert await ActionHandoff(at_ten).run(dispatcher, state, domain()) == []
    [reply] = dispatcher.messages
    assert reply["response"] == response and reply["promise"] in texts(dispatcher)[0]
    assert texts(dispatcher)[0].endswith(
        "They can see this conversation, so you won't need to repeat yourself."
    )
    [opened] = [h for h in action_services.profiles.open_handoffs() if h["sender_id"] == sender]
    assert (opened["reason"], opened["message"]) == (reason, "can I talk to a real person")


def asked(text: str, sender_id: str, intent: str = "ask_vehicle", **slots: Any) -> Tracker:
    """The vehicle-question tracker with another message (entities as our extractor finds them)."""
    state = tracker("vehicle_question", sender_id, **slots)
    state.latest_message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": [e.as_rasa("VehicleEntityExtractor") for e in _knowledge().entities.extract(text)],
    }
    return state


@cache
def _knowledge() -> Any:
    from bot.knowledge import Knowledge

    return Knowledge.build(config.PROJECT_ROOT / "knowledge")


async def test_what_about_a_feature_with_my_car_known_is_a_yes_or_no_for_it(action_services):
    dispatcher = CollectingDispatcher()
    state = asked(
        "what about wireless charging?",
        "tracker-what-about",
        kb_my_vehicle="2024 Lumen SE",
        kb_topic="heated-seats",
        kb_model="Lumen",
        kb_trim="SE",
        kb_year=2024,
        kb_kind="availability",
    )
    events = await ActionAnswerQuestion(action_services).run(dispatcher, state, domain())
    assert texts(dispatcher)[0].startswith("No, the 2024 Lumen SE doesn't have wireless phone charging")
    assert (
        slots_of(events)["kb_kind"] == "availability" and slots_of(events)["kb_topic"] == "wireless-charging"
    )


async def test_bargaining_after_a_price_hands_the_conversation_to_a_person(action_services):
    sender = "tracker-wiggle"
    state = asked(
        "any wiggle room?", sender, "nlu_fallback", kb_model="Tessa", kb_trim="XLE", kb_kind="price"
    )
    dispatcher = CollectingDispatcher()
    assert await ActionAnswerQuestion(action_services).run(dispatcher, state, domain()) == []
    [reply] = dispatcher.messages
    assert reply["response"] == "utter_handoff_pricing" and "$" not in texts(dispatcher)[0]
    [opened] = [h for h in action_services.profiles.open_handoffs() if h["sender_id"] == sender]
    assert (opened["reason"], opened["message"]) == ("pricing", "any wiggle room?")


async def test_bargaining_over_the_car_just_priced_is_a_crm_lead_for_that_car(action_services, monkeypatch):
    monkeypatch.setenv("CRM_LEAD_EMAIL", "leads@crm.lakeside-corvane.example")
    sender = "tracker-lead"
    customer = action_services.profiles.customer_for_sender("rest", sender)
    action_services.profiles.record_contact_details(
        customer, ContactDetails(name="Jane Doe", email="jane.lead@example.com")
    )
    state = asked(
        "any wiggle room?",
        sender,
        "nlu_fallback",
        kb_model="Tessa",
        kb_trim="XLE",
        kb_year=2025,
        kb_kind="price",
    )
    await ActionAnswerQuestion(action_services).run(CollectingDispatcher(), state, domain())
    with action_services.sessions() as session:
        [lead] = session.scalars(select(EmailMessage).where(EmailMessage.kind == "crm_lead")).all()
    vehicle = ET.fromstring(lead.body).find("prospect/vehicle")
    assert vehicle.get("interest") == "buy"
    assert [vehicle.findtext(t) for t in ("year", "model", "trim")] == ["2025", "Tessa", "XLE"]


@pytest.mark.parametrize("intent", ["capabilities", "book_service", "stop", "ask_booking"])
async def test_a_clear_feature_question_is_answered_whatever_the_classifier_said(action_services, intent):
    dispatcher = CollectingDispatcher()
    state = asked("whats the wifi password in my car", f"tracker-wifi-{intent}", intent)
    events = await ActionAnswerQuestion(action_services).run(dispatcher, state, domain())
    assert "hotspot" in texts(dispatcher)[0] and slots_of(events)["kb_topic"] == "wifi-hotspot"
