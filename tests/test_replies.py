"""Answers to the assistant's lists and questions the way people give them, in-process: our form
validators with real rasa_sdk Trackers and a CollectingDispatcher on a real SQLite database.

Service times offered accept an ordinal, "the earliest", "whichever", a day or a range (the first
free time in it is taken, never the same list again); the customer's bookings accept an ordinal,
a day, a description or "yes" when there is one; the profile's cars an ordinal, a model or a year;
a request to move a booking keeps the new time it names; "never mind, <question>" keeps the
question."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.booking_changes import ActionStopBooking, ValidateBookingChangeForm, _split_new_time
from actions.service import ValidateServiceForm
from bot.booking import Preference, read_preference
from bot.booking.choosing import position_in, question_after_stop
from bot.profile import VehicleDetails
from bot.services import Services
from tests.dealer import TZ
from tests.forms import tracker
from tests.replies import texts

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _now() -> datetime:
    return datetime.now(TZ)


def _weekday_ahead(days: int) -> date:
    """A Monday-Friday day at least `days` ahead (the service department is open all day)."""
    day = _now().date() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@pytest.mark.parametrize(
    ("said", "count", "index"),
    [
        ("the 2nd one", 3, 1),
        ("second pls", 3, 1),
        ("3", 3, 2),
        ("#1", 3, 0),
        ("last one", 3, 2),
        ("the earliest", 3, 0),
        ("whichever", 3, 0),
        ("any of those is fine", 3, 0),
        ("doesnt matter", 3, 0),
        ("yes", 1, 0),
        ("yep thats the one", 1, 0),
        ("yes", 2, None),  # which one?
        ("4th", 3, None),
        ("friday", 3, None),
        ("2021", 2, None),
    ],
)
def test_a_position_in_a_list_is_read_from_short_answers(said, count, index):
    assert position_in(said, count) == index


@pytest.mark.parametrize(
    ("said", "question"),
    [
        ("never mind, how do I pair my phone?", "how do I pair my phone?"),
        ("Actually nevermind that - does the Tessa have a sunroof?", "does the Tessa have a sunroof?"),
        ("forget it, how do i use heated seats", "how do i use heated seats"),
        ("nvm", None),
        ("forget it", None),
        ("how do I pair my phone", None),
    ],
)
def test_a_question_after_never_mind_is_kept(said, question):
    assert question_after_stop(said) == question


def test_bounded_ranges_are_windows_not_exact_times():
    now = datetime(2026, 11, 26, 10, 30, tzinfo=TZ)  # a Thursday
    assert read_preference("after 2", now) == Preference(date(2026, 11, 26), None, (time(14), time(23, 59)))
    assert read_preference("friday after 2:30pm", now).window == (time(14, 30), time(23, 59))
    assert read_preference("sometime before noon tmrw", now) == Preference(
        date(2026, 11, 27), None, (time(0), time(12))
    )


# --- the service times offered ---------------------------------------------------------------


def _offered_afternoon(services: Services, day: date) -> list[datetime]:
    bookings = services.bookings
    offer = bookings.service_offers(Preference(day, None, (time(12), time(17))), 45, _now())
    assert offer.start is None and len(offer.alternatives) >= 2
    return offer.alternatives


async def _answer_to_times(
    services: Services, said: str, offered: list[datetime]
) -> tuple[dict, CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    slots = {"service_items": "oil-change", "service_offers": json.dumps([o.isoformat() for o in offered])}
    result = await ValidateServiceForm(services).validate_service_when(
        said, dispatcher, tracker(said, "service_when", "inform", slots), {}
    )
    return result, dispatcher


@pytest.mark.parametrize(
    ("said", "pick"),
    [("the earliest", 0), ("whichever", 0), ("2nd one", 1), ("yes the first", 0), ("last one", -1)],
)
async def test_offered_times_accept_an_ordinal_or_any(action_services, said, pick):
    offered = _offered_afternoon(action_services, _weekday_ahead(3))
    result, _ = await _answer_to_times(action_services, said, offered)
    assert result["service_when"] == offered[pick].isoformat()


async def test_naming_the_same_afternoon_again_takes_its_first_free_time_instead_of_looping(
    action_services,
):
    day = _weekday_ahead(3)
    offered = _offered_afternoon(action_services, day)
    for said in ("afternoon", f"{WEEKDAY_NAMES[day.weekday()]} afternoon", "sometime in the afternoon"):
        result, dispatcher = await _answer_to_times(action_services, said, offered)
        assert result["service_when"] == offered[0].isoformat(), said
        assert result["service_offers"] is None
        [message] = dispatcher.messages
        assert message["response"] == "utter_first_free_time"


async def test_after_a_time_takes_the_first_free_time_after_it(action_services):
    day = _weekday_ahead(3)
    offered = _offered_afternoon(action_services, day)
    result, _ = await _answer_to_times(action_services, "after 3", offered)
    chosen = datetime.fromisoformat(result["service_when"])
    assert chosen.date() == day and chosen.time() >= time(15)
    result, _ = await _answer_to_times(action_services, "sometime in the morning", offered)
    chosen = datetime.fromisoformat(result["service_when"])
    assert chosen.date() == day and chosen.hour < 12


async def test_a_day_in_answer_to_the_times_offered_takes_its_first_free_time(action_services):
    offered = _offered_afternoon(action_services, _weekday_ahead(3))
    other = _weekday_ahead(5)
    result, _ = await _answer_to_times(action_services, WEEKDAY_NAMES[other.weekday()], offered)
    assert datetime.fromisoformat(result["service_when"]).date() == other


# --- the customer's bookings -----------------------------------------------------------------


def _book(services: Services, sender: str, service_ids: list[str], day: date) -> str:
    bookings, store = services.bookings, services.profiles
    customer = store.customer_for_sender("rest", sender)
    start = bookings.free_service_starts(
        bookings.service_minutes(service_ids), datetime.combine(day, time(8), tzinfo=bookings.schedule.tz), 1
    )[0]
    result = bookings.book_service(
        customer, start, service_ids, {"model": "Lumen", "year": 2022}, "wait", _now()
    )
    assert result.ok
    return result.code


async def _which_booking(
    services: Services, said: str, sender: str
) -> tuple[str | None, CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    result = await ValidateBookingChangeForm(services).validate_booking_code(
        said, dispatcher, tracker(said, "booking_code", "inform", {"change_kind": "cancel"}, sender), {}
    )
    return result["booking_code"], dispatcher


async def test_a_list_of_ones_bookings_accepts_an_ordinal_a_day_or_a_description(action_services):
    first_day, second_day = _weekday_ahead(2), _weekday_ahead(9)
    oil = _book(action_services, "replies-two", ["oil-change"], first_day)
    tires = _book(action_services, "replies-two", ["tire-rotation"], second_day)
    assert (await _which_booking(action_services, "the 2nd one", "replies-two"))[0] == tires
    assert (await _which_booking(action_services, "the oil change one", "replies-two"))[0] == oil
    assert (await _which_booking(action_services, "rotation", "replies-two"))[0] == tires
    assert (
        await _which_booking(action_services, f"the one on {second_day:%B} {second_day.day}", "replies-two")
    )[0] == tires
    code, dispatcher = await _which_booking(action_services, "yes", "replies-two")  # two of them: which?
    assert code is None and "couldn't tell which" in texts(dispatcher)[0]


async def test_a_list_with_one_booking_accepts_yes(action_services):
    only = _book(action_services, "replies-one", ["oil-change"], _weekday_ahead(2))
    assert (await _which_booking(action_services, "yes", "replies-one"))[0] == only
    assert (await _which_booking(action_services, "yep that one", "replies-one"))[0] == only


async def test_a_request_to_move_a_booking_keeps_which_one_and_the_new_time(action_services):
    first_day = _weekday_ahead(2)
    oil = _book(action_services, "replies-mover", ["oil-change"], first_day)
    _book(action_services, "replies-mover", ["tire-rotation"], _weekday_ahead(9))
    said = "move my oil change to thursday at 10"
    extracted = await ValidateBookingChangeForm(action_services).extract_booking_code(
        CollectingDispatcher(),
        tracker(said, None, "reschedule_booking", {"change_kind": "reschedule"}, "replies-mover"),
        {},
    )
    assert extracted == {"booking_code": oil, "change_when": "thursday at 10"}
    events = await ValidateBookingChangeForm(action_services).run(  # the whole validation keeps both
        CollectingDispatcher(),
        tracker(said, None, "reschedule_booking", {"change_kind": "reschedule"}, "replies-mover"),
        yaml.safe_load(Path("domain.yml").read_text()),
    )
    kept = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert kept["booking_code"] == oil and kept["change_when"] == "thursday at 10"
    said = f"cancel my appointment on {WEEKDAY_NAMES[first_day.weekday()]}"
    extracted = await ValidateBookingChangeForm(action_services).extract_booking_code(
        CollectingDispatcher(),
        tracker(said, None, "cancel_booking", {"change_kind": "cancel"}, "replies-mover"),
        {},
    )
    assert extracted == {"booking_code": oil}


@pytest.mark.parametrize(
    ("said", "which", "new_time"),
    [
        ("reschedule K7M2QX to next monday morning", "reschedule K7M2QX", "next monday morning"),
        ("I want to move my friday appt to saturday at 9", "I want to move my friday appt", "saturday at 9"),
        ("reschedule my appointment", "reschedule my appointment", None),
        ("can i switch that to thursday instead", "can i switch that", "thursday"),
        (
            "hey can we do saturday morning instead",
            "hey can we do saturday morning instead",
            "hey can we do saturday morning",
        ),
        ("can we do wednesday instead of tuesday", "tuesday", "can we do wednesday"),
    ],
)
def test_the_new_time_is_told_apart_from_the_booking_meant(said, which, new_time):
    assert _split_new_time(said) == (which, new_time)


@pytest.mark.parametrize(
    ("said", "found"),
    [
        ("thursday", {"change_confirm": True}),  # the time asked about, said again
        ("yes thursday at 6", {"change_confirm": True}),
        ("actually friday at 9", {"change_when": "actually friday at 9", "change_confirm": None}),
        ("hmm", {}),
    ],
)
async def test_the_new_time_said_at_the_move_confirmation(action_services, said, found):
    slots = {"change_kind": "reschedule", "change_when": "thursday at 6pm", "booking_code": "K7M2QX"}
    state = tracker(said, "change_confirm", "inform", slots, "replies-confirming-move")
    form = ValidateBookingChangeForm(action_services)
    assert await form.extract_change_confirm(CollectingDispatcher(), state, {}) == found


async def test_never_mind_then_cancel_the_booking_cancels_it(action_services):
    from actions.booking_changes import ActionNeverMind

    said = "never mind, my cousin is a certified technician, please cancel the car seat check"
    events = await ActionNeverMind(action_services).run(
        CollectingDispatcher(), tracker(said, None, "stop", {}, "replies-never-mind"), {}
    )
    assert {"event": "followup", "name": "booking_change_form"} in [
        {k: e[k] for k in ("event", "name")} for e in events if e["event"] == "followup"
    ]


# --- the profile's cars ----------------------------------------------------------------------


async def test_the_profiles_cars_accept_an_ordinal_a_model_or_a_year(action_services):
    store = action_services.profiles
    customer = store.customer_for_sender("rest", "replies-cars")
    store.add_vehicle(customer, VehicleDetails("Lumen", "SE", 2023))
    store.add_vehicle(customer, VehicleDetails("Tessa", "XLE", 2021))
    for said, label in (
        ("the second one", "2021 Tessa XLE"),
        ("the tessa", "2021 Tessa XLE"),
        ("my 2023", "2023 Lumen SE"),
        ("first", "2023 Lumen SE"),
        ("2019 Forge", "2019 Forge"),  # another car, added when booked
    ):
        result = await ValidateServiceForm(action_services).validate_service_vehicle(
            said, CollectingDispatcher(), tracker(said, "service_vehicle", "inform", {}, "replies-cars"), {}
        )
        assert result["service_vehicle"] == label, said


async def test_a_code_read_as_never_mind_goes_back_to_the_booking_change(action_services):
    """Six random letters may look like anything to the classifier; typed while we asked for a
    code, they are the code."""
    said = "K7M2QX"
    events = await ActionStopBooking(action_services).run(
        CollectingDispatcher(), tracker(said, None, "stop", {"change_kind": "cancel"}, "replies-code"), {}
    )
    assert events == [
        {"event": "slot", "timestamp": None, "name": "booking_code", "value": said},
        {"event": "followup", "timestamp": None, "name": "booking_change_form"},
    ]
    stopped = CollectingDispatcher()
    await ActionStopBooking(action_services).run(
        stopped, tracker("forget it", None, "stop", {"change_kind": "cancel"}), {}
    )
    assert stopped.messages[0]["response"] == "utter_booking_stopped"
