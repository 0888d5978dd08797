"""A question is about the dealership or about the car, and one shared word never decides it.

"Phone", "where", "park", "wifi", "open" and "close" appear in both kinds of question: pairing a
*phone*, *where* a setting is, *park* assist, the car's *wifi*, *opening* the liftgate. These
tables hold many wordings of each kind (shorthand, typos, Spanish, one-word messages) and check
both the facts matcher alone and the whole router under each intent the classifier might give.
"""

from __future__ import annotations

import pytest

from bot.knowledge.facts import dealership_answer
from bot.knowledge.reading import read
from tests.knowledge_router import TUESDAY_3PM, ask

INTENTS = ("ask_vehicle", "ask_info", "nlu_fallback")


def facts_for(kb, shop, text):
    """The facts matcher as the router calls it: told when the text names a model or feature."""
    named = any(e.entity in ("model", "trim", "feature") for e in kb.entities.extract(text))
    return dealership_answer(text, shop, TUESDAY_3PM, about_vehicle=named)


# --- vehicle questions that share a word with the dealership's facts ----------------------------

VEHICLE_QUESTIONS = [
    # phone
    "how do i pair my phone with the car",
    "my phone won't connect to the tessa",
    "how do i add a second phone",
    "can i answer phone calls hands free",
    "phone keeps dropping the bluetooth connection",
    "where is the phone tray in the ion",
    "can i use my phone as a key",
    "how do i charge my phone wirelessly",
    "how do i make a call using voice commands",
    "can i call someone from the car",
    "my contacts won't sync to the car",
    "what's the number on the tire pressure label",
    # where
    "where is the hud setting on the screen",
    "where do i find the tire pressure on the display",
    "where is the usb port in the brio",
    "where is the sos button",
    "where's the child lock on the rear door",
    "where is the tow haul button",
    "where is the service reminder setting",
    "where did i park, can the app find my car",
    "how do i find my car in a parking lot",
    # park
    "how do i turn on park assist",
    "my parking sensors keep beeping",
    "the parking brake light is on",
    "where is the park assist button",
    "how do i use the 360 camera when parking",
    "parking sensors beep when nothing is there",
    # wifi
    "how do i set up the car's wifi hotspot",
    "is there wifi in the tessa",
    "how do i get wifi in my car for the kids",
    "what's the wifi password for my car's hotspot",
    "can the kids get internet in the car on a road trip",
    # open / close
    "how do i open the liftgate",
    "how do i open the trunk with my foot",
    "can you tell me how to open the trunk",
    "can i open the hatch from the key fob",
    "how do i close the sunroof",
    "how to close the power liftgate",
    "the liftgate won't close",
    "open trunk?",
    "how do i open the charge port on the ion",
    "my windows won't close with the remote",
    "when do you close the liftgate from inside",
    # hours, address, directions, coffee, contact
    "how many hours to charge the ion on level 2",
    "how long does it take to charge the ion overnight",
    "how do i get directions on the navigation",
    "how do i enter an address in the nav",
    "how do i send an address from my phone to the car",
    "there's a coffee cup on my dash",
    "how do i contact roadside assistance from the car",
]


@pytest.mark.parametrize("question", VEHICLE_QUESTIONS)
def test_a_vehicle_question_is_never_answered_with_the_dealerships_facts(router, kb, shop, question):
    assert facts_for(kb, shop, question) is None
    for intent in INTENTS:
        answer = ask(router, kb, question, intent)
        assert answer.kind != "facts", (intent, answer.text)


# --- dealership questions, however they are written ---------------------------------------------

DEALERSHIP_QUESTIONS = [
    # hours
    ("what are your hours", "Service: Mon-Fri 7 AM-6 PM, Sat 8 AM-2 PM"),
    ("hours?", "Sales: Mon-Fri 9 AM-8 PM"),
    ("hrs?", "Sales: Mon-Fri 9 AM-8 PM"),
    ("store hours", "Parts: Mon-Fri 7:30 AM-5 PM"),
    ("horario?", "Service: Mon-Fri 7 AM-6 PM"),
    ("horario del servicio", "Service: Mon-Fri 7 AM-6 PM"),
    ("are you open today", "Today (Tue Dec 1)"),
    ("u open?", "Today (Tue Dec 1)"),
    ("are you open right now", "Yes, we're open right now"),
    ("open sun?", "Sunday Dec 6: we're closed"),
    ("open tmrw?", "Tomorrow (Wed Dec 2)"),
    ("what time do you guys open tommorow", "Tomorrow (Wed Dec 2)"),
    ("wknd hours", "Sunday Dec 6: we're closed"),
    ("r u guys open on the wknd", "Saturday Dec 5: Sales 9 AM-6 PM"),
    ("when do you close tonight", "Sales is open until 8 PM"),
    ("what time does service close", "Service 7 AM-6 PM"),
    ("what time does the parts counter open on saturday", "Saturday Dec 5: Parts 8 AM-12 PM"),
    ("is the showroom open sunday", "Sunday Dec 6: we're closed"),
    ("how late is sales open", "Sales 9 AM-8 PM"),
    ("is the service open saturday", "Saturday Dec 5: Service 8 AM-2 PM"),
    ("hora de cierre del servicio?", "Service 7 AM-6 PM"),
    ("is service open on wensday", "Wed Dec 2): Service 7 AM-6 PM"),
    ("what are the service hours on thrusday", "Thursday Dec 3: Service 7 AM-6 PM"),
    ("are you closed on christmas", "closed on Christmas Day, Fri Dec 25, 2026"),
    ("holiday hours?", "Holiday hours"),
    ("¿a qué hora abren el sábado?", "Saturday Dec 5: Sales 9 AM-6 PM"),
    ("están abiertos hoy?", "Today (Tue Dec 1)"),
    ("abren el domingo?", "Sunday Dec 6: we're closed"),
    # location and parking
    ("what's your address", "1200 Harbor Road"),
    ("adress?", "1200 Harbor Road"),
    ("addres pls", "1200 Harbor Road"),
    ("dirección?", "1200 Harbor Road"),
    ("¿dónde están ubicados?", "1200 Harbor Road"),
    ("where r u located", "1200 Harbor Road"),
    ("where are you guys", "1200 Harbor Road"),
    ("where is the dealership", "1200 Harbor Road"),
    ("how do i get to you from the highway", "exit 42"),
    ("directions to the dealership", "exit 42"),
    ("loaction?", "1200 Harbor Road"),
    ("where do i park when i bring my car in", "covered service drive"),
    ("is there customer parking", "Free customer parking"),
    ("where do i drop off my car for service", "1200 Harbor Road"),
    # phone, email, contact
    ("what's your phone number", "+1 555 010 2000"),
    ("phone number?", "+1 555 010 2000"),
    ("phone?", "+1 555 010 2000"),
    ("telefono", "+1 555 010 2000"),
    ("numero de telefono", "+1 555 010 2000"),
    ("tel?", "+1 555 010 2000"),
    ("whats ur #", "+1 555 010 2000"),
    ("what number do i call for service", "Service: +1 555 010 2002"),
    ("can i call you", "+1 555 010 2000"),
    ("number for the parts department", "Parts: +1 555 010 2003"),
    ("email for sales", "sales@lakeside-corvane.example"),
    ("how do i contact you", "hello@lakeside-corvane.example"),
    ("how can i reach the service department", "service@lakeside-corvane.example"),
    ("what's the address and phone number", "1200 Harbor Road"),
    # departments and amenities
    ("do you have a parts department", "Parts: Mon-Fri 7:30 AM-5 PM"),
    ("what departments do you have", "sales, service and parts"),
    ("do you have loaner cars", "Loaner cars"),
    ("do you have wifi while i wait", "free Wi-Fi"),
    ("is there wifi in the waiting room", "free Wi-Fi"),
    ("do you have wifi?", "free Wi-Fi"),
    ("do you have a shuttle", "free shuttle"),
    ("is there somewhere to wait", "waiting lounge"),
    ("contact info?", "hello@lakeside-corvane.example"),
    ("what exit do i take", "exit 42"),
    ("is the service drive covered", "covered service drive"),
    ("open new years eve?", "I don't have a New Year's Eve closure listed"),
]


@pytest.mark.parametrize(("question", "must_say"), DEALERSHIP_QUESTIONS)
def test_a_dealership_question_gets_the_dealerships_facts(router, kb, shop, question, must_say):
    assert must_say in facts_for(kb, shop, question)[1]
    for intent in INTENTS:
        answer = ask(router, kb, question, intent)
        assert answer.kind == "facts" and must_say in answer.text, (intent, answer.text)


@pytest.mark.parametrize(
    "question",
    [
        "what time is it in tokyo",
        "how far is the moon",
        "what's the phone number for roadside assistance",
        "how do i call roadside assistance",
        "what's the weather this weekend",
    ],
)
def test_someone_elses_facts_are_not_ours(router, kb, question):
    for intent in INTENTS:
        answer = ask(router, kb, question, intent)
        assert answer.kind not in ("facts", "spec"), (intent, answer.text)


@pytest.mark.parametrize(
    "question",
    [
        "saterday hours?",
        "satuday hours",
        "are you open saterday",
        "what time do you open satuday",
        "open on saturdy?",
        "sat hours",
        "horario del sabado",
        "hours on sat",
    ],
)
def test_a_day_named_with_a_typo_gets_that_days_hours_not_todays(shop, question):
    text = dealership_answer(question, shop, TUESDAY_3PM)[1]
    assert text.startswith("Saturday Dec 5:"), text
    assert "Today" not in text


@pytest.mark.parametrize(
    ("typed", "read_as"),
    [
        ("saterday", "saturday"),
        ("satuday", "saturday"),
        ("adress", "address"),
        ("addres", "address"),
        ("hrs", "hours"),
        ("tmrw", "tomorrow"),
        ("tommorow", "tomorrow"),
        ("wknd", "weekend"),
        ("wensday", "wednesday"),
        ("thrusday", "thursday"),
        ("sabados", "saturdays"),
        ("dirección", "address"),
        ("teléfono", "phone"),
    ],
)
def test_shorthand_typos_and_spanish_are_read_as_the_key_words(typed, read_as):
    assert read(typed) == read_as


@pytest.mark.parametrize("word", ["house", "closer", "parked", "phones", "tuesday", "sunroof", "tessa"])
def test_other_words_are_left_alone(word):
    assert read(word) == word


def test_a_typo_between_two_key_words_is_left_alone():
    assert read("tursday") == "tursday"  # as close to Tuesday as to Thursday: not guessed


# --- a feature named is not a clinic, a price or a maintenance schedule -----------------------------


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("where do the car seat anchors go", "latch-anchors"),
        ("how do i open the charge port on the ion", "ev-charging"),
        ("how much data does the car wifi use", "wifi-hotspot"),
    ],
)
def test_a_feature_question_is_not_a_clinic_or_a_price(router, kb, question, topic):
    for intent in INTENTS:
        answer = ask(router, kb, question, intent)
        assert (answer.kind, answer.topic) == ("howto", topic), (intent, answer.text)


def test_the_car_seat_check_is_still_found_when_asked_about(router, kb):
    answer = ask(router, kb, "what happens at the car seat check", "ask_info")
    assert answer.kind == "clinic"


@pytest.mark.parametrize(
    ("question", "must_say"),
    [
        ("do you charge for loaners", "Loaner cars"),
        ("what do you charge for a tire rotation", "Tire rotation: $29.95."),
        ("how much is an oil change", "Oil change: from $69.95"),
    ],
)
def test_charge_as_a_fee_is_still_a_price_or_an_amenity(router, kb, question, must_say):
    assert must_say in ask(router, kb, question, "ask_info").text


@pytest.mark.parametrize(
    ("question", "kind", "must_say"),
    [
        ("what do i bring to the teen driving class", "clinic", "Teen Driver Safety Clinic"),
        ("is there an age limit for the teen clinic", "clinic", "Ages 15-18"),
        ("how long is the car seat check", "clinic", "30 minutes"),
        ("maintenance schedule for the lumen", "maintenance", "The Lumen's maintenance schedule"),
        ("how often should the brake fluid be changed", "maintenance", "every 36 months"),
        ("what needs to be done at 60k on my forge", "maintenance", "At 60,000 miles the Forge"),
        ("how often do i rotate the tires on the ion", "maintenance", "every 7,500 miles"),
    ],
)
def test_a_clinic_or_maintenance_asked_plainly_wins_over_a_feature_sharing_a_word(
    router, kb, question, kind, must_say
):
    for intent in INTENTS:
        answer = ask(router, kb, question, intent)
        assert answer.kind == kind and must_say in answer.text, (intent, answer.text)


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("how often should i replace the key fob battery", "key-fob-battery"),
        ("how do i reset the maintenance reminder", "maintenance-reminders"),
        ("how do i set up teen driver mode", "teen-driver-mode"),
    ],
)
def test_a_feature_question_near_those_words_is_still_the_features(router, kb, question, topic):
    answer = ask(router, kb, question, "ask_vehicle")
    assert (answer.kind, answer.topic) == ("howto", topic), answer.text
