"""Service bookings that survive real replies (issue 14), in-process: how the transport, side
questions, symptoms, typos and "next <weekday>" are read, which messages the NLU guard makes a
service booking, and the service form's validators with real rasa_sdk Trackers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.service import ValidateServiceForm
from bot.booking.schedule import load
from bot.booking.talk import is_side_question, transport_in
from bot.booking.when import next_weekday_read, read_preference
from bot.config import knowledge_dir
from bot.nlu.service_guard import ServiceBookingGuard, menu
from bot.services import Watched
from tests.dealer import TZ
from tests.forms import tracker

MENU = load(knowledge_dir() / "schedule.yml", ZoneInfo("UTC"))[0]


@pytest.mark.parametrize(
    ("said", "asked", "choice"),
    [
        ("brake check on my 2022 Forge Thursday 8am, I'll just wait for it", False, "wait"),
        ("ill wait", False, "wait"),
        ("i will hang around in the lounge", False, "wait"),
        ("I'd be in the waiting room", False, "wait"),
        ("gonna wait there", False, "wait"),
        ("I need a loaner please", False, "loaner"),
        ("any chance of a courtesy car", False, "loaner"),
        ("could I grab the shuttle", False, "shuttle"),
        ("a ride back to work would help", False, "shuttle"),
        ("no loaner needed, i'll stay", False, "wait"),
        ("i don't need a rental, I will wait", False, "wait"),
        ("wait, make it friday instead", False, None),
        ("wait, make it friday instead", True, None),
        ("wait actually the 10am", True, None),
        ("wait", True, "wait"),
        ("waiting", True, "wait"),
        ("lounge is fine", True, "wait"),
        ("a ride", True, "shuttle"),
        ("yes", True, None),
        ("yes, book it", True, None),
    ],
)
def test_how_they_get_around_is_read_from_any_message(said, asked, choice):
    assert transport_in(said, asked) == choice


@pytest.mark.parametrize(
    ("said", "side"),
    [
        ("what time are you open till on saturdays?", True),
        ("wait, does the tessa have a power liftgate?", True),
        ("hold on, where are you located?", True),
        ("do you guys have loaners?", True),
        ("is there a shuttle?", True),
        ("does the Forge come with remote start?", True),
        ("how long will it take?", True),
        ("could I get the shuttle?", False),
        ("can you do thursday at 9?", False),
        ("how about monday 10am", False),
        ("what about the 2pm one", False),
        ("do you have anything on saturday?", False),
        ("is 9:30 free?", False),
        ("which one is soonest?", False),
        ("2025 tessa platinum", False),
        ("I'll wait in the lounge", False),
        ("yes you can text me", False),
    ],
)
def test_a_question_on_the_side_is_told_from_an_answer(said, side):
    assert is_side_question(said) is side


@pytest.mark.parametrize(
    ("said", "service"),
    [
        ("there's a grinding noise whenever I brake", "brake-inspection"),
        ("brakes grind when stopping", "brake-inspection"),
        ("my oil change light is on", "oil-change"),
        ("got the oil life low message", "oil-change"),
        ("the tires are wearing unevenly", "tire-rotation"),
        ("uneven wear on my tires", "tire-rotation"),
        ("oil chnage", "oil-change"),
        ("tire rotaton", "tire-rotation"),
        ("need an alignmnet", "wheel-alignment"),
        ("can you do better on the price", None),  # "better" is not "battery"
    ],
)
def test_problems_and_typos_name_the_service(said, service):
    assert MENU.services_in(said)[:1] == ([service] if service else [])


def test_symptoms_are_checked_like_aliases(tmp_path: Path):
    text = (knowledge_dir() / "schedule.yml").read_text(encoding="utf-8")
    broken = text.replace("symptoms: [range dropped", "symptoms: [oil light, range dropped")
    (tmp_path / "schedule.yml").write_text(broken, encoding="utf-8")
    _, problems = load(tmp_path / "schedule.yml", ZoneInfo("UTC"))
    assert any("'oil light' already means oil-change" in p.message for p in problems)


@pytest.fixture(scope="module")
def guard() -> ServiceBookingGuard:
    directory = knowledge_dir()
    return ServiceBookingGuard({}, Watched(directory, lambda _: menu(directory / "schedule.yml")))


@pytest.mark.parametrize(
    ("said", "booking"),
    [
        ("oil change for my 2021 Lumen SE", True),
        ("rotate the tires on my tessa friday at 1, I'll wait, 312 555 0199 texting ok", True),
        ("brakes grinding, can you take a look tomorrow", True),
        ("oil chnage thursday morning", True),
        ("my oil change light came on, 2022 lumen", True),
        ("how much is a wheel alignment", False),
        ("how often should the tires be rotated", False),
        ("reschedule my brake inspection", False),
        ("cancel the oil change please", False),
        ("can we push the tire rotation back a week", False),
        ("what does the multi-point inspection cover?", False),
    ],
)
def test_a_named_service_with_booking_words_is_a_service_booking(guard, said, booking):
    assert guard.matches(said) is booking


@pytest.mark.parametrize(
    ("said", "booking"),
    [
        ("sign me up for EV 101", True),
        ("can you put us down for the winter drivng clinic", True),
        ("i'd like the car seat check please", True),
        ("what's the ev 101 class about?", False),
        ("is the teen clinic free", False),
        ("cancel my spot in the tech clinic", False),
        ("sign me up for an oil change", False),  # a service: the service booking
        ("car seat check wednesday?", True),  # a clinic and a day
        ("can we both do the winter driving clinic?", True),
    ],
)
def test_a_clinic_named_with_booking_words_is_a_clinic_booking(guard, said, booking):
    assert guard.books_a_clinic(said) is booking


@pytest.mark.parametrize(
    ("said", "service"),
    [
        ("my brakes squeal every time i stop", True),
        ("my tires are wearing unevenly", True),
        ("book the winter driving clinic", False),  # a clinic named: left as read
        ("sign me up for a class", False),  # no service named
    ],
)
def test_a_problem_read_as_a_clinic_booking_is_a_service_booking(guard, said, service):
    assert guard.not_a_clinic(said, "book_clinic") is service


def test_next_weekday_is_next_weeks_and_said():
    tuesday = date(2026, 12, 1)
    at_nine = datetime.combine(tuesday, time(9), tzinfo=TZ)
    assert read_preference("next wednesday at 10", at_nine).day == date(2026, 12, 9)
    assert read_preference("wednesday at 10", at_nine).day == date(2026, 12, 2)
    assert read_preference("next monday", at_nine).day == date(2026, 12, 7)
    assert next_weekday_read("next wednesday at 10", tuesday) == date(2026, 12, 9)
    assert next_weekday_read("next monday", tuesday) is None  # no other Monday it could be


# --- the form's validators -------------------------------------------------------------------


async def test_a_yes_at_the_transport_question_is_re_asked_in_other_words_then_defaults(
    action_services,
):
    form = ValidateServiceForm(action_services)
    responses = []
    for misses in (1, 2, 3):
        t = tracker("yes", "service_transport", "affirm", {})
        t.events = [{"event": "user", "text": "yes"}] * misses
        dispatcher = CollectingDispatcher()
        result = form.validate_service_transport("yes", dispatcher, t, {})
        responses.append([m["response"] for m in dispatcher.messages])
    assert responses == [
        ["utter_transport_not_caught"],
        ["utter_transport_not_caught_again"],
        ["utter_transport_assumed_wait"],
    ]
    assert result == {"service_transport": "wait"}


async def test_a_phone_said_at_another_question_is_taken_with_its_consent(action_services):
    form = ValidateServiceForm(action_services)
    said = "(312) 555-0142 and yes you can text me"
    dispatcher = CollectingDispatcher()
    result = form.validate_phone(
        "(312) 555-0142", dispatcher, tracker(said, "service_transport", "introduce", {}), {}
    )
    assert result == {"phone": "+13125550142", "sms_consent": True} and not dispatcher.messages


async def test_yes_you_can_text_me_answers_the_texting_question(action_services):
    form = ValidateServiceForm(action_services)
    said = "yes you can text me"
    t = tracker(said, "sms_consent", "introduce", {"phone": "+13125550142"})
    assert await form.extract_sms_consent(CollectingDispatcher(), t, {}) == {"sms_consent": True}


@pytest.mark.parametrize(
    ("before", "said", "after"),
    [
        ("Tessa", "2025 tessa platinum", "2025 Tessa Platinum"),
        ("Forge", "its a 2024 Forge Trail", "2024 Forge Trail"),
        ("2021 Tessa", "actually the 2023 lumen", "2023 Lumen"),
        ("Lumen", "2024", "2024 Lumen"),  # a year alone, for the car said without one
        ("2022 Tessa", "sorry i meant 2023", "2023 Tessa"),
    ],
)
async def test_a_car_named_later_refines_the_one_being_serviced(action_services, before, said, after):
    form = ValidateServiceForm(action_services)
    t = tracker(
        said, "service_when", "ask_vehicle", {"service_vehicle": before, "service_items": "oil-change"}
    )
    result = await form.extract_service_vehicle(CollectingDispatcher(), t, {})
    assert result == {"service_vehicle": after}


@pytest.mark.parametrize(
    ("context", "said", "car"),
    [
        (
            {"kb_my_vehicle": "2024 Tessa XLE"},
            "can u book me an oil change on that car thursday",
            "2024 Tessa XLE",
        ),
        ({"kb_model": "Forge", "kb_trim": "Trail"}, "ok book a tire rotation for it", "Forge Trail"),
        ({}, "book an oil change for my car", None),  # no car in the conversation: asked
    ],
)
async def test_that_car_is_the_one_the_conversation_is_about(action_services, context, said, car):
    form = ValidateServiceForm(action_services)
    t = tracker(said, None, "book_service", context)
    result = await form.extract_service_vehicle(CollectingDispatcher(), t, {})
    assert result.get("service_vehicle") == car


async def test_another_day_for_a_chosen_time_keeps_the_time(action_services):
    """ "Actually make it <day>" after a time was chosen means the same time that day."""
    from tests.test_actions import free_service_time

    chosen = free_service_time(action_services, days=3)
    day = (chosen + timedelta(days=7)).date()
    said = f"actually make it {day:%b} {day.day}"
    t = tracker(said, "phone", "inform", {"service_items": "oil-change", "service_vehicle": "2022 Lumen"})
    t.events = [
        {"event": "slot", "name": "service_when", "value": chosen.isoformat()},
        {"event": "user", "text": said},
    ]
    result = await ValidateServiceForm(action_services).validate_service_when(
        said, CollectingDispatcher(), t, {}
    )
    assert result["service_when"] == datetime.combine(day, chosen.time(), tzinfo=chosen.tzinfo).isoformat()


async def test_a_question_at_the_time_question_is_no_time(action_services):
    form = ValidateServiceForm(action_services)
    said = "what time do you close on saturday?"
    t = tracker(
        said, "service_when", "ask_info", {"service_items": "oil-change", "service_vehicle": "2022 Lumen"}
    )
    assert await form.extract_service_when(CollectingDispatcher(), t, {}) == {}
    said = "I'll wait in the lounge"
    t = tracker(
        said, "service_when", "ask_info", {"service_items": "oil-change", "service_vehicle": "2022 Lumen"}
    )
    assert await form.extract_service_transport(CollectingDispatcher(), t, {}) == {
        "service_transport": "wait"
    }


@pytest.mark.parametrize(
    ("said", "question"),
    [
        ("do i need to rotate tires on an ion", True),
        ("do you charge for the multipoint inspection if i'm already in for an oil change", True),
        ("whats a 4 wheel alignment run these days", True),
        ("can i get an oil change tomorrow?", False),  # a day: a booking
        ("do you have an opening for an alignment?", False),
        ("book an oil change", False),
    ],
)
def test_a_question_about_a_service_is_no_booking(guard, said, question):
    assert guard.asks_about_a_service(said) is question


@pytest.mark.parametrize(
    ("said", "booking"),
    [
        ("i wanna schedule service", True),
        ("book my car in", True),
        ("how often does my brio need service", False),
        ("schedule service for the car seat check", False),  # a clinic named: the clinic guard's
    ],
)
def test_a_service_visit_asked_for_without_a_service_named_is_a_booking(guard, said, booking):
    assert guard.matches(said) is booking


@pytest.mark.parametrize(
    ("said", "intent", "booking"),
    [
        ("there's a grinding noise whenever I brake", "nlu_fallback", True),
        ("my tires are wearing unevenly", "nlu_fallback", True),
        ("how often should the tires be rotated", "nlu_fallback", False),  # a question
        ("there's a grinding noise whenever I brake", "ask_vehicle", False),  # read as something else
    ],
)
def test_a_problem_the_classifier_could_not_place_is_a_service_booking(guard, said, intent, booking):
    assert guard.a_problem_unread(said, intent) is booking
