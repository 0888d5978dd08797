"""A message stops a booking only when it says so."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.stop_guard import StopGuard


def read(text: str, ranking: list[str]) -> str:
    message = Message(
        data={
            "text": text,
            "intent": {"name": ranking[0], "confidence": 0.67},
            "intent_ranking": [{"name": name, "confidence": 0.1} for name in ranking],
        }
    )
    [message] = StopGuard({}).process([message])
    return message.get("intent")["name"]


@pytest.mark.parametrize(
    ("text", "ranking", "intent"),
    [
        ("my forge", ["stop", "ask_vehicle", "inform"], "ask_vehicle"),  # the next guess
        ("the 2023 one", ["stop", "nlu_fallback"], "inform"),  # no other guess: an answer
        ("never mind", ["stop", "deny"], "stop"),
        ("nah forget it", ["stop"], "stop"),
        ("I changed my mind", ["stop"], "stop"),
        ("cancel that", ["stop"], "stop"),
        ("my forge", ["ask_vehicle", "stop"], "ask_vehicle"),  # not read as stop: left alone
    ],
)
def test_stop_needs_a_word_for_it(text, ranking, intent):
    assert read(text, ranking) == intent
