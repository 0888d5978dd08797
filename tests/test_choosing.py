"""Picking one of the offered clinic sessions as people say it, and the clinic form's validators
on a real database with real rasa_sdk Trackers: the session, who's coming, their names."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.clinics import ValidateClinicForm, ask_attendee_names, session_label
from bot.booking.choosing import choose
from tests.forms import tracker
from tests.replies import texts

TZ = ZoneInfo("America/Chicago")
NOW = datetime(2026, 12, 1, 14, 0, tzinfo=TZ)  # a Tuesday
TECH = [datetime(2026, 12, d, 18, 0, tzinfo=TZ) for d in (3, 8, 10, 15)]  # Thu, Tue, Thu, Tue
SEATS = [datetime(2026, 12, 2, 16, m, tzinfo=TZ) for m in (0, 30)] + [datetime(2026, 12, 2, 17, tzinfo=TZ)]

CHOICES = [
    (TECH, "the first one", 0),
    (TECH, "2nd", 1),
    (TECH, "the 2nd one pls", 1),
    (TECH, "option 3", 2),
    (TECH, "3", 2),
    (TECH, "#4", 3),
    (TECH, "the last one", 3),
    (TECH, "the earliest", 0),
    (TECH, "soonest u have", 0),
    (TECH, "any", 0),
    (TECH, "whichever works", 0),
    (TECH, "don't mind", 0),
    (TECH, "the tuesday one", 1),
    (TECH, "the second tuesday", 3),
    (TECH, "Thursday", 0),
    (TECH, "dec 10", 2),
    (TECH, "12/15", 3),
    (TECH, "the 10th", 2),
    (TECH, "next week's", 1),
    (TECH, "the 6pm one", 0),
    (SEATS, "the 4:30 one", 1),
    (SEATS, "5pm", 2),
    (SEATS, "at 4", 0),
    (SEATS, "the later one", 2),
    (TECH[:1], "yes", 0),
    (TECH[:1], "sure", 0),
]
NOT_CHOSEN = [(TECH, "banana"), (TECH, "yes"), (TECH, "option 9"), (TECH, "the saturday one"), (TECH, "")]


@pytest.mark.parametrize(("offered", "said", "index"), CHOICES, ids=[c[1] for c in CHOICES])
def test_a_session_is_picked_as_people_say_it(offered, said, index) -> None:
    assert choose(said, offered, NOW) == offered[index]


@pytest.mark.parametrize(("offered", "said"), NOT_CHOSEN, ids=[c[1] for c in NOT_CHOSEN])
def test_what_matches_no_session_picks_none(offered, said) -> None:
    assert choose(said, offered, NOW) is None


async def test_the_saturday_one_picks_the_next_saturday_session(action_services) -> None:
    sessions = [
        s
        for s in action_services.bookings.clinic_sessions("teen-driver-safety", datetime.now(TZ))
        if s.seats_left
    ]
    dispatcher = CollectingDispatcher()
    slots = {"clinic": "teen-driver-safety"}
    picked = await ValidateClinicForm(action_services).validate_clinic_session(
        "the saturday one", dispatcher, tracker("the saturday one", "clinic_session", "inform", slots), {}
    )
    assert picked == {"clinic_session": session_label(sessions[0])} and not dispatcher.messages
    unknown = await ValidateClinicForm(action_services).validate_clinic_session(
        "purple", dispatcher, tracker("purple", "clinic_session", "inform", slots), {}
    )
    assert unknown == {"clinic_session": None} and "pick one of these" in texts(dispatcher)[0]


async def test_who_is_coming_is_kept_as_read_and_names_are_asked_for_once(action_services) -> None:
    form, dispatcher = ValidateClinicForm(action_services), CollectingDispatcher()
    said = "me and my two kids, 14 and 16"
    read = form.validate_attendees(
        said, dispatcher, tracker(said, "attendees", "inform", {"clinic": "teen-driver-safety"}), {}
    )
    party = json.loads(read["attendees"])
    assert [(p["relation"], p["age"]) for p in party] == [(None, None), ("child", 14), ("child", 16)]
    slots = {"clinic": "teen-driver-safety", "attendees": read["attendees"]}
    await ask_attendee_names(action_services, dispatcher, tracker("", "attendee_names", "inform", slots))
    asked = dispatcher.messages[-1]
    assert (asked["response"], asked["who"], asked["count"]) == (
        "utter_which_names",
        "your kid (14) and your kid (16)",
        "names",
    )
    again = form.validate_attendee_names(
        "jake", dispatcher, tracker("jake", "attendee_names", "inform", slots), {}
    )
    assert again == {"attendee_names": None} and "2 first names" in texts(dispatcher)[-1]
    named = form.validate_attendee_names(
        "Jake and Emma", dispatcher, tracker("Jake and Emma", "attendee_names", "inform", slots), {}
    )
    assert [p["name"] for p in json.loads(named["attendees"])] == [None, "Jake", "Emma"]
    skipped = form.validate_attendee_names(
        "skip", dispatcher, tracker("skip", "attendee_names", "inform", slots), {}
    )
    assert skipped == {"attendee_names": "skip"}
    third = tracker("312 555 0188, texts ok", "attendee_names", "inform", slots)
    third.events = [{"event": "user", "text": "..."}] * 3  # the third reply that gives no name
    gave_up = form.validate_attendee_names("312 555 0188, texts ok", dispatcher, third, {})
    assert gave_up == {"attendee_names": "skip"} and "without saving" in texts(dispatcher)[-1]


def test_nobody_or_an_unknown_number_is_asked_again(action_services) -> None:
    form = ValidateClinicForm(action_services)
    for said, reply in (("me and the kids", "How many are coming"), ("he's 15", "didn't catch who's coming")):
        dispatcher = CollectingDispatcher()
        slots = {"clinic": "new-owner-tech"}
        assert form.validate_attendees(said, dispatcher, tracker(said, "attendees", "inform", slots), {}) == {
            "attendees": None
        }
        assert reply in texts(dispatcher)[0]
