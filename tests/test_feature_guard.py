"""The feature-question guard: a question or problem about a feature the knowledge base names is
a vehicle question whatever the classifier read, and a request to book, a person, a price or a
change to a booking is left as it was read."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot import config
from bot.knowledge import Knowledge
from bot.nlu.feature_guard import FeatureQuestionGuard

KNOWLEDGE = Knowledge.build(config.knowledge_dir())
GUARD = FeatureQuestionGuard({})


def classify(text: str, intent: str) -> str:
    entities = [e.as_rasa("VehicleEntityExtractor") for e in KNOWLEDGE.entities.extract(text)]
    message = Message(
        data={"text": text, "intent": {"name": intent, "confidence": 0.7}, "entities": entities}
    )
    [message] = GUARD.process([message])
    return message.get("intent")["name"]


@pytest.mark.parametrize(
    ("text", "misread_as"),
    [
        ("how do i get bluetooth going with my new phone", "capabilities"),
        ("what's the password for the car's wifi hotspot", "book_service"),
        ("my bluetooth won't connect since the update", "stop"),
        ("can i turn off the lane keep assist beeping", "book_service"),
        ("the 360 camera isn't working", "book_clinic"),
        ("where do i find the adaptive cruise gap setting?", "ask_booking"),
        ("remote start doesn't do anything", "greet"),
        ("carplay keeps disconnecting", "nlu_fallback"),
    ],
)
def test_feature_questions_read_as_something_else_become_vehicle_questions(text, misread_as):
    assert KNOWLEDGE.entities.extract(text), f"no feature found in {text!r}"
    assert classify(text, misread_as) == "ask_vehicle"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("book me in to get the 360 camera looked at", "book_service"),
        ("sign me up for the clinic about adaptive cruise", "book_clinic"),
        ("I want a person to explain carplay", "human_handoff"),
        ("how much is the tessa with the heated seats", "ask_price"),
        ("cancel my bluetooth appointment", "cancel_booking"),
        ("does the Tessa have heated seats?", "ask_info"),
        ("thanks, heated seats sound great", "thank"),  # no question, no problem: as read
    ],
)
def test_bookings_people_prices_and_changes_are_left_alone(text, intent):
    assert classify(text, intent) == intent
