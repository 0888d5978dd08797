"""Clinic conversations as people reply (issue 14): who's coming said in the request and completed
later, questions while booking answered from the clinic's facts, "book it" for the clinic just
talked about, typos in clinic names, yes at the confirmation, and a single booking cancelled
without "which one?". In-process: the readers as functions, the forms' validators on real
rasa_sdk trackers and a real SQLite database."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.booking_changes import ValidateBookingChangeForm
from actions.clinics import HEARD, ActionBookDiscussed, ValidateClinicForm, ask_attendees
from bot.booking import steps
from bot.booking.attendees import complete, parse_attendees
from bot.booking.clinic_talk import (
    asks_about_clinic,
    clinic_named,
    fact_asked,
    says_no,
    says_yes,
    takes_any_session,
)
from tests.dealer import SCHEDULE, TZ
from tests.forms import tracker
from tests.replies import texts
from tests.test_actions import domain

ME = (None, None, None)


@pytest.mark.parametrize(
    ("said", "clinic"),
    [
        ("i want the tech clas", "new-owner-tech"),
        ("teen drivng class for my boy", "teen-driver-safety"),
        ("winter driving for 2 of us", "winter-driving"),
        ("the teeen one", "teen-driver-safety"),
        ("sign me up for EV 101", "ev-101"),
        ("technolgy clinic pls", "new-owner-tech"),
        ("a booster seat inspection", "child-car-seat-check"),
        ("some clinic", None),
    ],
)
def test_a_clinic_is_found_as_typed(said: str, clinic: str | None) -> None:
    assert clinic_named(SCHEDULE, said) == clinic


@pytest.mark.parametrize(
    "said",
    ["confirm", "yes please", "yep", "sounds good", "do it", "book it", "yes, that's right", "Perfect!"],
)
def test_a_yes_at_the_confirmation(said: str) -> None:
    assert says_yes(said) and not says_no(said)


@pytest.mark.parametrize("said", ["no", "nope, wrong day", "don't book it", "nah"])
def test_a_no_at_the_confirmation(said: str) -> None:
    assert says_no(said) and not says_yes(said)


@pytest.mark.parametrize(
    ("said", "kind"),
    [
        ("what do I need to bring?", "bring"),
        ("do i need to bring the car seat manual?", "bring"),
        ("is it free?", "cost"),
        ("how much does it cost", "cost"),
        ("how long is it?", "length"),
        ("when is it?", "when"),
        ("what time does it start", "when"),
        ("where is it held?", "where"),
        ("what do they cover there?", "what"),
        ("the first one", None),
        ("me and my son", None),
    ],
)
def test_what_a_question_about_the_clinic_asks(said: str, kind: str | None) -> None:
    assert fact_asked(said) == kind


@pytest.mark.parametrize(
    ("said", "asks"),
    [
        ("what's the ev 101 class", True),
        ("can my son do the teen clinic? he's 15", True),
        ("how long is the tech clinic", True),
        ("can i book the teen driving class", False),
        ("sign me up for EV 101", False),
        ("i want the tech clinic", False),
        ("can my husband and i do the new owner tech clinic?", False),
        ("can we both do the winter driving clinic?", False),
        ("I would like to attend the tech class", False),
        ("car seat check wednesday?", False),  # a day: its sessions, to book one
        ("when is the car seat check on wednesday?", True),
    ],
)
def test_a_question_about_a_clinic_is_told_from_a_booking(said: str, asks: bool) -> None:
    assert asks_about_clinic(said) is asks


@pytest.mark.parametrize(
    "said",
    [
        "book it",
        "whichever has room",
        "whichever slot is open",
        "cool sign me up",
        "great, book it",
        "that one",
    ],
)
def test_any_session_with_room(said: str) -> None:
    assert takes_any_session(said)


def _people(party: list[Any]) -> list[tuple[Any, ...]]:
    return [(p.name, p.relation, p.age) for p in party]


@pytest.mark.parametrize(
    ("first", "then", "party"),
    [
        ("me and my daughter", "Ava, she's 17", [ME, ("Ava", "child", 17)]),
        ("me and my girl", "her name is Ava and she's 16", [ME, ("Ava", "child", 16)]),
        (
            "me and my two kids, 15 and 17",
            "Noah is the 15 year old and Emma is 17",
            [ME, ("Noah", "child", 15), ("Emma", "child", 17)],
        ),
        (
            "me and my two kids, 15 and 17",
            "Emma's 17, Noah's 15",
            [ME, ("Noah", "child", 15), ("Emma", "child", 17)],
        ),
        ("me n my wife", "her names Dana", [ME, ("Dana", "spouse", None)]),
        ("me and my son", "he's 16", [ME, (None, "child", 16)]),
        ("me and my son", "16", [ME, (None, "child", 16)]),
        ("me", "my wife too", [ME, (None, "spouse", None)]),
        ("me and my son", "actually me and my daughter Mia, 15", [ME, ("Mia", "child", 15)]),
        ("me and my daughter", "she's 17, her name is Ava", [ME, ("Ava", "child", 17)]),
        ("me and my son", "yes", []),
        ("me and my son", "that's right", []),
    ],
)
def test_later_answers_complete_earlier_ones(first: str, then: str, party: list[tuple[Any, ...]]) -> None:
    assert _people(complete(parse_attendees(first), then)) == party


def _form_tracker(text: str, slots: dict[str, Any], requested: str | None, intent: str = "inform") -> Tracker:
    state = tracker(text, requested, intent, slots, sender_id="clinic-talk")
    state.active_loop = {"name": "clinic_form"}
    return state


def _slots(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


async def test_who_is_coming_said_in_the_request_is_kept(action_services) -> None:
    form, dispatcher = ValidateClinicForm(action_services), CollectingDispatcher()
    said = "sign me and my son Ethan (16) up for the teen clinic"
    events = await form.run(dispatcher, _form_tracker(said, {}, None, "book_clinic"), domain())
    slots = _slots(events)
    assert slots["clinic"] == "teen-driver-safety"
    assert _people_of(slots["attendees"]) == [ME, ("Ethan", "child", 16)]
    assert "Which session?" in texts(dispatcher)[-1] and "Who's coming" not in " ".join(texts(dispatcher))


@pytest.mark.parametrize(
    ("said", "clinic", "party"),
    [
        (
            "my son Eli is 17, can we both do the winter driving clinic?",
            "winter-driving",
            [ME, ("Eli", "child", 17)],
        ),
        (
            "sign my son Noah up for the teen clinic, he's 17",
            "teen-driver-safety",
            [ME, ("Noah", "child", 17)],
        ),
        ("my grandson stays with us and i put a booster seat in my brio", "child-car-seat-check", [ME]),
    ],
)
async def test_the_customer_comes_where_they_must_or_say_so(action_services, said, clinic, party) -> None:
    """The teen clinic needs a parent; "we both" includes the customer; a seat check is one car's."""
    form = ValidateClinicForm(action_services)
    state = _form_tracker(said, {"clinic": clinic}, None, "book_clinic")
    found = await form.extract_attendees(CollectingDispatcher(), state, {})
    checked = form.validate_attendees(found["attendees"], CollectingDispatcher(), state, {})
    assert _people_of(checked["attendees"]) == party


async def test_who_is_coming_said_while_choosing_a_session_is_kept(action_services) -> None:
    form = ValidateClinicForm(action_services)
    state = _form_tracker("book it for me and my husband Tom", {"clinic": "ev-101"}, "clinic_session")
    found = await form.extract_attendees(CollectingDispatcher(), state, {})
    checked = form.validate_attendees(found["attendees"], CollectingDispatcher(), state, {})
    assert _people_of(checked["attendees"]) == [ME, ("Tom", "spouse", None)]


def _people_of(records: str) -> list[tuple[Any, ...]]:
    return [(r["name"], r["relation"], r["age"]) for r in json.loads(records)]


async def test_only_whats_missing_is_asked_and_a_yes_confirms_what_we_know(action_services) -> None:
    form = ValidateClinicForm(action_services)
    dispatcher = CollectingDispatcher()
    events = await form.run(
        dispatcher,
        _form_tracker("sign me and my daughter up for the teen clinic", {}, None, "book_clinic"),
        domain(),
    )
    heard = _slots(events)[HEARD]
    assert _people_of(heard) == [ME, (None, "child", None)]
    slots = {"clinic": "teen-driver-safety", "clinic_session": "x", HEARD: heard}
    asked = CollectingDispatcher()
    await ask_attendees(action_services, asked, _form_tracker("", slots, "attendees"))
    assert texts(asked) == [
        "How old is your daughter? The Teen Driver Safety Clinic is for drivers aged 15-18 (with a parent)."
    ]
    result = form.validate_attendees(
        "Ava, she's 17", CollectingDispatcher(), _form_tracker("Ava, she's 17", slots, "attendees"), {}
    )
    assert _people_of(result["attendees"]) == [ME, ("Ava", "child", 17)] and result[HEARD] is None

    tech = {"clinic": "new-owner-tech", "clinic_session": "x", HEARD: json.dumps([{"name": None}])}
    just_you = CollectingDispatcher()
    await ask_attendees(action_services, just_you, _form_tracker("", tech, "attendees"))
    assert "just you" in texts(just_you)[0]
    for yes in ("yes", "that's right", "just me"):
        done = form.validate_attendees(yes, CollectingDispatcher(), _form_tracker(yes, tech, "attendees"), {})
        assert _people_of(done["attendees"]) == [ME], yes


@pytest.mark.parametrize(
    ("said", "reply"),
    [
        ("what do I need to bring?", "please bring the teen's learner's permit"),
        ("is it free?", "is free"),
        ("how long is it?", "takes 150 minutes"),
    ],
)
async def test_a_question_while_choosing_or_giving_attendees_is_answered(
    action_services, said, reply
) -> None:
    form = ValidateClinicForm(action_services)
    slots = {"clinic": "teen-driver-safety"}
    for slot in ("clinic_session", "attendees"):
        dispatcher = CollectingDispatcher()
        validate = getattr(form, f"validate_{slot}")
        result = validate(said, dispatcher, _form_tracker(said, slots, slot), {})
        result = await result if slot == "clinic_session" else result
        assert result[slot] is None
        assert reply in texts(dispatcher)[0] and "couldn't match" not in " ".join(texts(dispatcher))


@pytest.mark.parametrize(
    "said", ["book it", "whichever has room", "whichever slot is open", "any", "the earliest"]
)
async def test_book_it_at_the_session_question_takes_the_first_with_room(action_services, said) -> None:
    first = next(
        s
        for s in action_services.bookings.clinic_sessions("winter-driving", datetime.now(TZ))
        if s.seats_left
    )
    picked = await ValidateClinicForm(action_services).validate_clinic_session(
        said, CollectingDispatcher(), _form_tracker(said, {"clinic": "winter-driving"}, "clinic_session"), {}
    )
    assert picked == {"clinic_session": steps.session_label(first)}


async def test_a_clinic_question_is_answered_without_starting_the_form(action_services) -> None:
    dispatcher = CollectingDispatcher()
    said = "can my son do the teen clinic? he's 15"
    events = await ValidateClinicForm(action_services).run(
        dispatcher, _form_tracker(said, {}, None, "book_clinic"), domain()
    )
    [answer] = dispatcher.messages
    assert answer["text"].startswith("Yes, that fits: Teen Driver Safety Clinic")
    assert answer["buttons"][0]["payload"] == "sign me up for the Teen Driver Safety Clinic"
    slots = _slots(events)
    assert slots["requested_slot"] is None
    # the clinic is what the conversation is about now: "how long is it?" next is about it
    assert (slots["kb_topic"], slots["kb_kind"]) == ("teen-driver-safety", "clinic")


async def test_book_it_after_a_clinics_facts_books_that_clinic(action_services) -> None:
    state = _form_tracker("great, book it", {}, None, "book_service")
    state.active_loop = {}
    state.events = [
        {"event": "user", "text": "what is the winter driving clinic", "timestamp": 0},
        {
            "event": "bot",
            "text": "Winter Driving Clinic (90 minutes, free): for all drivers.",
            "data": {"buttons": [{"title": "Book", "payload": "sign me up for the Winter Driving Clinic"}]},
            "timestamp": 1,
        },
        {"event": "user", "text": "great, book it", "timestamp": 2},
    ]
    events = await ActionBookDiscussed(action_services).run(CollectingDispatcher(), state, {})
    assert events == [
        {"event": "slot", "timestamp": None, "name": "clinic", "value": "winter-driving"},
        {"event": "followup", "timestamp": None, "name": "clinic_form"},
    ]
    state.events[1] = {"event": "bot", "text": "An oil change every 10,000 miles.", "timestamp": 1}
    assert (await ActionBookDiscussed(action_services).run(CollectingDispatcher(), state, {}))[0][
        "name"
    ] == "service_form"


@pytest.mark.parametrize("said", ["confirm", "yes please", "yep", "sounds good", "do it", "book it"])
async def test_any_yes_books_at_the_confirmation(action_services, said) -> None:
    slots = {"clinic": "teen-driver-safety", "clinic_session": "x", "attendees": "[]"}
    state = _form_tracker(said, slots, "clinic_confirm", "ask_booking")
    found = await ValidateClinicForm(action_services).extract_clinic_confirm(
        CollectingDispatcher(), state, {}
    )
    assert found == {"clinic_confirm": True}


@pytest.mark.parametrize(
    "said",
    ["cancel my booking", "hmm something came up, cancel my booking", "unsubscribe from the teen clinic"],
)
async def test_the_only_booking_is_the_one_to_cancel(action_services, said) -> None:
    sender = f"only-one-{abs(hash(said))}"
    customer = action_services.profiles.customer_for_sender("rest", sender)
    session = next(
        s
        for s in action_services.bookings.clinic_sessions("teen-driver-safety", datetime.now(TZ))
        if s.seats_left
    )
    request = steps.ClinicRequest(
        customer, "teen-driver-safety", steps.session_label(session), tuple(parse_attendees("me"))
    )
    code = steps.book_clinic(action_services, request).result.code
    state = tracker(said, None, "cancel_booking", {"change_kind": "cancel"}, sender_id=sender)
    found = await ValidateBookingChangeForm(action_services).extract_booking_code(
        CollectingDispatcher(), state, {}
    )
    assert found == {"booking_code": code}
    other = tracker("cancel K7M2QX", None, "cancel_booking", {"change_kind": "cancel"}, sender_id=sender)
    assert (
        await ValidateBookingChangeForm(action_services).extract_booking_code(
            CollectingDispatcher(), other, {}
        )
        == {}
    )


@pytest.mark.parametrize(
    "said",
    [
        "hey can u sign me and my son Jake (15) up for the teen driving thing",
        "i want the tech clas for me and my son Jake, 15",
        "teen drivng class for me n my son Jake, he's 15",
    ],
)
def test_words_of_a_clinic_are_nobody_coming(said: str) -> None:
    from bot.booking.clinic_talk import without_clinic_names

    assert _people(parse_attendees(without_clinic_names(SCHEDULE, said))) == [ME, ("Jake", "child", 15)]


@pytest.mark.parametrize(
    ("said", "intent", "party"),
    [
        ("Only me.", "affirm", [ME]),
        ("just me", "inform", [ME]),
        ("me and Eli, he's 17", "affirm", [ME, ("Eli", "family", 17)]),
    ],
)
async def test_who_is_coming_said_at_the_summary_changes_it_instead_of_booking(
    action_services, said, intent, party
) -> None:
    """Once "just me" at the summary booked the party read earlier, with a made-up person in it."""
    earlier = json.dumps([{"name": None}, {"name": "Started", "relation": "family"}])
    slots = {"clinic": "winter-driving", "clinic_session": "x", "attendees": earlier}
    if intent == "affirm":
        slots["clinic_confirm"] = True  # the classifier's yes, through the slot's from_intent mapping
    state = _form_tracker(said, slots, "clinic_confirm", intent)
    form, dispatcher = ValidateClinicForm(action_services), CollectingDispatcher()
    if intent == "affirm":
        changed = await form.validate_clinic_confirm(True, dispatcher, state, {})
    else:
        changed = await form.extract_clinic_confirm(dispatcher, state, {})
    assert changed["clinic_confirm"] is None
    assert _people_of(changed["attendees"]) == party


def test_when_a_clinic_runs_is_said_in_words() -> None:
    runs = {c.id: [rule.describe() for rule in c.rules] for c in SCHEDULE.clinics.values()}
    assert runs["teen-driver-safety"] == ["Saturdays at 10 AM"]
    assert runs["new-owner-tech"] == ["Tuesdays and Thursdays at 6 PM"]
    assert runs["child-car-seat-check"] == ["Wednesdays at 4, 4:30, 5 and 5:30 PM"]
    assert runs["ev-101"] == ["the first Monday of the month at 6:30 PM"]
    assert runs["winter-driving"] == ["Saturdays at 2 PM (November to February)"]  # across the new year


async def test_a_number_given_at_the_summary_is_saved_and_the_summary_asked_again(action_services) -> None:
    """Once it started the contact form, and the clinic booking was lost."""
    slots = {"clinic": "winter-driving", "clinic_session": "x", "attendees": json.dumps([{"name": None}])}
    state = _form_tracker("312-555-0201 texts ok", slots, "clinic_confirm", "introduce")
    dispatcher = CollectingDispatcher()
    found = await ValidateClinicForm(action_services).extract_clinic_confirm(dispatcher, state, {})
    assert found == {"clinic_confirm": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_number_noted"]
    customer = action_services.profiles.customer_for_sender("rest", "clinic-talk")
    phones = [p for c in action_services.profiles.profile(customer)["contacts"] for p in c["phones"]]
    assert [(p["e164"], p["sms_consent"]) for p in phones] == [("+13125550201", True)]
