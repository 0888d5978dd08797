"""Specs and symptoms, asked the way customers ask: a model's figure comes from the lineup (never
a feature article in its place, never a guess), using something is a how-to, and a symptom
("it beeps when I back up") finds the article that explains it."""

from __future__ import annotations

import pytest

from tests.knowledge_router import ask

INTENTS = ("ask_vehicle", "ask_info", "nlu_fallback")


# --- specs come from the lineup, never from an article ---------------------------------------------


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("what is the towing capacity of the forge summit", "12,500 lb"),
        ("what's the max towing on a forge work", "9,000 lb"),
        ("how much can the tessa pull", "5,000 lb"),
        ("can the lumen tow a small trailer", "not rated for towing"),
        ("whats the tow rating on the brio", "1,500 lb"),
        ("what is the range of the ion", "320 miles"),
        ("how far can the ion standard range go on a full charge", "250 miles"),
        ("how many hours to charge the ion on level 2", "about 8 hours"),
        ("how long does the ion take to charge at a fast charger", "about 30 minutes"),
        ("is the tessa all wheel drive", "AWD optional"),
        ("what is the drivetrain on the forge trail", "4WD"),
        ("is the ion long range dual motor", "dual-motor AWD"),
        ("how many people does the tessa seat", "3-row"),
        ("does the tessa have a third row", "3-row"),
        ("is the brio an suv", "compact crossover"),
        ("what kind of car is the lumen", "compact sedan"),
    ],
)
def test_spec_questions_answer_with_the_lineups_figure(router, kb, question, figure):
    for intent in INTENTS:
        answer = ask(router, kb, question, intent)
        assert answer.kind == "spec" and figure in answer.text, (intent, answer.text)
        assert answer.topic is None  # a figure, not a feature article


@pytest.mark.parametrize(
    "question",
    [
        "what's the mpg on the lumen",
        "how much horsepower does the forge have",
        "how much cargo room is in the brio",
        "how big is the gas tank on the forge",
        "what's the payload of the forge work",
        "how many seats does the lumen have",
        "what's the range of the forge",
    ],
)
def test_a_figure_the_lineup_does_not_hold_is_never_guessed(router, kb, question):
    answer = ask(router, kb, question, "ask_vehicle")
    assert answer.kind == "unknown" and "won't guess" in answer.text, answer.text
    assert answer.topic is None


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("how do i use 4wd on the forge", "awd-4wd-modes"),
        ("how do i schedule charging on my ion", "ev-charging"),
        ("what time does the car start charging if i schedule it", "ev-charging"),
    ],
)
def test_using_something_is_a_how_to_not_a_spec(router, kb, question, topic):
    answer = ask(router, kb, question, "ask_vehicle")
    assert (answer.kind, answer.topic) == ("howto", topic), answer.text


# --- symptoms, said the customer's way ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("it beeps when I back up", "parking-sensors"),
        ("my car beeps when i back up", "parking-sensors"),
        ("there's a light that looks like a horseshoe with an exclamation mark", "tire-pressure-monitoring"),
        ("yellow horseshoe light with a ! in it", "tire-pressure-monitoring"),
        ("a red light with an exclamation point in a circle", "brake-warning-light"),
        ("the steering wheel vibrates when i drift out of my lane", "lane-keeping-assist"),
        ("the engine shuts off when i stop", "auto-start-stop"),
        ("an orange car symbol lit up in my side mirror", "blind-spot-monitoring"),
        ("a little picture of an oil can is lit up", "oil-pressure-light"),
        ("my car braked by itself", "automatic-emergency-braking"),
        ("the car won't roll back on hills", "hill-start-assist"),
        ("says check rear seat when i turn it off", "rear-seat-reminder"),
    ],
)
def test_a_symptom_finds_its_article(router, kb, question, topic):
    for intent in INTENTS:
        answer = ask(router, kb, question, intent)
        assert (answer.kind, answer.topic) == ("howto", topic), (intent, answer.text)


@pytest.mark.parametrize(
    "question",
    [
        "my car shakes when braking",
        "my car makes a chime when someone is coming from the side while reversing",
    ],
)
def test_a_symptom_no_article_covers_is_not_answered_with_another(router, kb, question):
    answer = ask(router, kb, question, "ask_vehicle")
    assert answer.kind not in ("facts", "need_vehicle")
    assert answer.kind in ("clarify", "unknown") or answer.topic == "rear-cross-traffic-alert"
