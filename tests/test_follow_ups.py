"""Follow-ups keep what the conversation is about (issues 13 and 14): "what about X" and "does it
have X" stay yes or no for the car in context, "which trims do?" lists them, and clinic, price,
maintenance and hours answers keep their subject ("how long is it?", "and the Platinum?", "and
the cabin air filter?", "what about sunday?"); bargaining goes to a person; how-to questions that
don't depend on the car never ask for it; one clear article is answered, not clarified.

Each conversation runs through the router as the action runs it: the context an answer leaves is
the next question's, and the customer's car (said, or `mine`) is kept."""

from __future__ import annotations

import pytest

from bot.knowledge import Answer, Context, Knowledge, VehicleRef
from bot.knowledge.router import Question, Router
from tests.knowledge_router import TUESDAY_3PM

LUMEN_SE = VehicleRef("Lumen", "SE", 2024)


def converse(
    router: Router,
    kb: Knowledge,
    turns: list[str],
    mine: VehicleRef | None = None,
    intent: str = "ask_vehicle",
) -> list[Answer]:
    """Each turn's answer, with the context the last answer left (as the action's slots keep it)."""
    context, answers = Context(), []
    for text in turns:
        answer = router.answer(
            Question(text, kb.entities.extract(text), TUESDAY_3PM, intent, context, (), mine)
        )
        context, mine = answer.context, answer.vehicle or mine
        answers.append(answer)
    return answers


def last(router: Router, kb: Knowledge, turns: list[str], **kwargs) -> Answer:
    return converse(router, kb, turns, **kwargs)[-1]


# --- 1. "what about <feature>" keeps the yes or no and the car --------------------------------


@pytest.mark.parametrize(
    ("follow_up", "topic", "verdict"),
    [
        ("what about wireless charging?", "wireless-charging", "no"),
        ("and a 360 camera?", "surround-view-camera", "no"),
        ("what about carplay?", "apple-carplay-android-auto", "yes"),
        ("ok what about remote start", "remote-start", "no"),
        ("and heated seats?", "heated-seats", "yes"),
        ("how about a heads up display?", "head-up-display", "no"),
        ("blind spot monitoring too?", "blind-spot-monitoring", "yes"),
        ("n adaptive cruise?", "adaptive-cruise-control", "yes"),
    ],
)
def test_what_about_a_feature_after_a_yes_or_no_stays_yes_or_no_for_my_car(
    router, kb, follow_up, topic, verdict
):
    first = "does it have heated seats?"
    answer = last(router, kb, ["I drive a 2024 Lumen SE", first, follow_up])
    assert (answer.kind, answer.topic, answer.verdict) == ("availability", topic, verdict), answer.text
    assert (answer.model, answer.trim, answer.year) == ("Lumen", "SE", 2024)


@pytest.mark.parametrize("follow_up", ["what about wireless charging?", "and wireless charging?"])
def test_what_about_a_feature_with_my_car_known_is_a_yes_or_no(router, kb, follow_up):
    answer = last(router, kb, [follow_up], mine=LUMEN_SE)
    assert (answer.kind, answer.verdict, answer.model) == ("availability", "no", "Lumen"), answer.text


def test_after_a_named_model_what_about_keeps_that_model(router, kb):
    answer = last(router, kb, ["does the Tessa Platinum have a HUD", "what about ventilated seats?"])
    assert (answer.kind, answer.verdict, answer.model, answer.trim) == (
        "availability",
        "yes",
        "Tessa",
        "Platinum",
    )


@pytest.mark.parametrize(
    "follow_up",
    ["how do I turn it on", "how do i use it", "how do I set the gain", "how does it work"],
)
def test_a_how_to_after_a_yes_or_no_is_the_how_to(router, kb, follow_up):
    answer = last(router, kb, ["does the Forge Trail have a trailer brake controller", follow_up])
    assert (answer.kind, answer.topic) == ("howto", "trailer-brake-controller"), answer.text


def test_what_about_a_feature_after_a_how_to_stays_a_how_to(router, kb):
    answer = last(router, kb, ["how do i pair my phone", "what about carplay?"])
    assert (answer.kind, answer.topic) == ("howto", "apple-carplay-android-auto")


# --- 2. "does it have ..." is about the model in context ------------------------------------


@pytest.mark.parametrize(
    ("turns", "model", "trim", "verdict"),
    [
        (
            [
                "how much can the Forge Trail tow",
                "what about the Summit",
                "does it have a trailer brake controller?",
            ],
            "Forge",
            "Summit",
            "yes",
        ),
        (["how much can the Forge Work tow", "does it have a 360 camera"], "Forge", "Work", "no"),
        (
            ["what's the range of the ion long range", "does that one have a heat pump or heated seats?"],
            "Ion",
            "Long Range",
            "yes",
        ),
        (
            ["how do I use carplay in the Lumen LE", "does it come with wireless charging"],
            "Lumen",
            "LE",
            "no",
        ),
        (["how much is the tessa platinum", "does it have ventilated seats?"], "Tessa", "Platinum", "yes"),
    ],
)
def test_does_it_have_is_about_the_model_in_context(router, kb, turns, model, trim, verdict):
    answer = last(router, kb, turns)
    assert (answer.kind, answer.model, answer.trim, answer.verdict) == (
        "availability",
        model,
        trim,
        verdict,
    ), answer.text


# --- 3. "which trims do?" -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "follow_up", ["which trims do?", "which ones have it", "what trims have it?", "so which trim does"]
)
def test_which_trims_do_lists_them_from_the_lineup(router, kb, follow_up):
    answer = last(router, kb, ["does the Forge Work have adaptive cruise", follow_up])
    assert answer.kind == "availability" and answer.verdict == "some", answer.text
    assert "Trail and Summit (not the Work)" in answer.text


def test_which_models_have_it_lists_every_model(router, kb):
    answer = last(router, kb, ["does the Forge Work have adaptive cruise", "which models have it?"])
    assert answer.kind == "availability" and "Lumen SE and Limited" in answer.text and "Tessa" in answer.text


# --- 4. prices --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("turns", "figure"),
    [
        (["how much is the Tessa XLE", "and the platinum?"], "$49,900"),
        (["what does the Tessa XLE cost", "what about the LE"], "$37,800"),
        (["price of the lumen se", "and the limited?"], "$29,650"),
        (["how much is the forge trail", "n the summit"], "$61,750"),
        (["how much is the tessa xle", "what about the Ion?"], "$41,990"),
    ],
)
def test_a_price_follow_up_switches_the_trim_and_keeps_the_price(router, kb, turns, figure):
    answer = last(router, kb, turns)
    assert answer.kind == "price" and figure in answer.text, answer.text


def test_how_much_is_that_one_is_the_price_of_what_was_talked_about(router, kb):
    """ "That one" after an answer about the Lumen Limited; "it" inside an oil change booking."""
    answers = converse(router, kb, ["does the lumen limited have heated seats", "how much is that one"])
    assert answers[-1].kind == "price" and "$29,650" in answers[-1].text
    booking = Context(topic="oil-change", kind="price")  # what the action passes inside the booking
    asked = Question("how much is it", (), TUESDAY_3PM, "ask_price", booking, (), None)
    answer = router.answer(asked)
    assert answer.kind == "price" and "Oil change" in answer.text


@pytest.mark.parametrize(
    "bargain",
    [
        "can you do better on the price",
        "any wiggle room",
        "is there any room on that",
        "can you come down a bit",
        "what's your best price",
        "will you negotiate",
        "can you knock 2k off",
    ],
)
def test_bargaining_after_a_price_goes_to_a_person(router, kb, bargain):
    answer = last(router, kb, ["how much is the Tessa XLE", bargain], intent="ask_info")
    assert answer.kind == "handoff" and "$" not in answer.text


@pytest.mark.parametrize(
    "question", ["any wiggle room on the seats?", "is there room for a car seat in the back"]
)
def test_room_without_a_price_is_not_bargaining(router, kb, question):
    assert last(router, kb, [question]).kind != "handoff"


# --- 5. hours ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("follow_up", "says"),
    [
        ("what about sunday?", "Sunday Dec 6: we're closed."),
        ("and saturday?", "Saturday Dec 5"),
        ("and tomorrow", "Tomorrow (Wed Dec 2)"),
        ("how about friday", "Friday Dec 4"),
        ("sunday?", "Sunday Dec 6"),
    ],
)
def test_an_hours_follow_up_switches_the_day(router, kb, follow_up, says):
    answer = last(router, kb, ["what are your hours on monday", follow_up], intent="ask_info")
    assert answer.kind == "facts" and says in answer.text, answer.text


def test_parking_after_the_address_is_answered(router, kb):
    answer = last(router, kb, ["where are you located", "is parking free"], intent="ask_info")
    assert answer.kind == "facts" and "Free customer parking" in answer.text


# --- 6. maintenance -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("follow_up", "says"),
    [
        ("and the cabin air filter?", "Cabin air filter on the Brio: every 15,000 miles."),
        ("what about brake fluid", "Brake fluid on the Brio: every 36 months."),
        ("and tire rotation?", "Tire rotation on the Brio: every 7,500 miles."),
        ("and at 60k?", "At 60,000 miles the Brio is due for"),
    ],
)
def test_a_maintenance_follow_up_switches_the_item(router, kb, follow_up, says):
    answers = converse(router, kb, ["how often should I change the engine air filter on my Brio", follow_up])
    assert answers[-1].kind == "maintenance" and says in answers[-1].text, answers[-1].text


@pytest.mark.parametrize(
    "price_question", ["how much is it", "how much does that cost", "what's the price for that"]
)
def test_how_much_after_an_interval_is_that_services_published_price(router, kb, price_question):
    answer = last(router, kb, ["how often do I rotate the tires", price_question], intent="ask_info")
    assert answer.kind == "price" and "Tire rotation: $29.95" in answer.text, answer.text


def test_how_much_for_an_item_without_a_published_price_says_so(router, kb):
    answer = last(
        router, kb, ["how often does the cabin air filter get changed on a Lumen", "how much is it"]
    )
    assert answer.kind == "price" and "don't have a published price" in answer.text and "$" not in answer.text


# --- 7. clinics -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("follow_up", "says"),
    [
        ("how long is it?", "takes 150 minutes"),
        ("what should we bring", "learner's permit"),
        ("what do we need to bring?", "learner's permit"),
        ("is it free", "is free"),
        ("when is the next one", "Next sessions:"),
        ("who is it for", "new drivers"),
    ],
)
def test_a_clinic_follow_up_is_answered_from_that_clinic(router, kb, follow_up, says):
    for intent in ("ask_info", "ask_vehicle", "nlu_fallback"):
        answer = last(router, kb, ["tell me about the teen driving clinic", follow_up], intent=intent)
        assert answer.kind == "clinic" and says in answer.text, (intent, answer.text)
        assert answer.buttons[0]["title"] == "Book the Teen Driver Safety Clinic"


def test_a_vehicle_question_after_a_clinic_is_the_vehicles(router, kb):
    answer = last(router, kb, ["what is the ev 101 class", "how long does the ion take to charge"])
    assert answer.kind == "spec" and answer.model == "Ion"


# --- 8. how-to questions never need the car -------------------------------------------------


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("does the smart cruise work in stop and go traffic", "adaptive-cruise-control"),
        ("can i have 2 phones connected over bluetooth", "bluetooth-pairing"),
        ("could i have two phones paired at once", "bluetooth-pairing"),
        ("can we have carplay and bluetooth on at the same time", "apple-carplay-android-auto"),
        ("does adaptive cruise stop the car all the way", "adaptive-cruise-control"),
    ],
)
def test_how_to_questions_are_answered_without_asking_for_the_car(router, kb, question, topic):
    answer = last(router, kb, [question])
    assert (answer.kind, answer.topic) == ("howto", topic), answer.text


def test_availability_for_my_car_without_a_known_car_asks_for_it(router, kb):
    assert last(router, kb, ["does my car have heated seats"]).kind == "need_vehicle"


# --- 9. one clear article is answered ---------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("how 2 turn on lane keeping", "lane-keeping-assist"),
        ("how do u turn off the lane keeping thing", "lane-keeping-assist"),
        ("get a warning when im over the speed limit", "traffic-sign-recognition"),
        ("Can I unlock my car remotely", "mobile-app"),
        ("how do i put it in 4 wheel drive", "awd-4wd-modes"),
        ("how do i permanently disable auto stop start", "auto-start-stop"),
        ("where r the hooks for the car seat", "latch-anchors"),
        ("how do i open the trunk with my foot", "power-liftgate"),
    ],
)
def test_a_question_with_one_clear_article_is_answered(router, kb, question, topic):
    answer = last(router, kb, [question])
    assert answer.topic == topic and answer.kind == "howto", answer.text


@pytest.mark.parametrize(
    "question",
    [
        "what size tires come on the tessa xle",
        "how many cupholders does the tessa have for 4 kids",
        "can it beep when i go over the speed limit",
    ],
)
def test_one_shared_word_is_not_clear_enough(router, kb, question):
    assert last(router, kb, [question]).kind in ("clarify", "unknown", "fallback")


# --- feature questions under any intent ---------------------------------------------------------


@pytest.mark.parametrize(
    "intent", ["capabilities", "book_service", "stop", "ask_booking", "ask_info", "nlu_fallback"]
)
@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("how do i pair my phone", "bluetooth-pairing"),
        ("whats the wifi password in my car", "wifi-hotspot"),
        ("phone won't pair anymore", "bluetooth-pairing"),
    ],
)
def test_a_clear_feature_question_is_answered_whatever_the_intent(router, kb, intent, question, topic):
    answer = last(router, kb, [question], intent=intent)
    assert (answer.kind, answer.topic) == ("howto", topic), answer.text


def test_a_year_alone_keeps_the_model_and_the_question(router, kb):
    answer = last(router, kb, ["does the 2023 tessa have carplay?", "what about the 2025?"])
    assert (answer.kind, answer.model, answer.year) == ("availability", "Tessa", 2025)
    assert answer.text.startswith("Yes")


def test_a_question_about_the_answer_stays_on_its_article(router, kb):
    """ "10 degrees out, is that why?" once got the 360-degree camera."""
    turns = ["yellow horseshoe light came on this morning", "it was like 10 degrees out, is that why?"]
    assert [a.context.topic for a in converse(router, kb, turns)] == ["tire-pressure-monitoring"] * 2
