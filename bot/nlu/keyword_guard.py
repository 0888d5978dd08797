"""A guard that sets the intent when a message has one of its keywords, whatever DIET predicted.

Some messages must take one path every time, not most of the time: "manager", "complaint" or
"lawyer" means the customer wants a human now; "price", "lease" or "trade-in" must reach a
person, never an invented figure. config.yml runs one guard per such intent.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.intents import IntentGuard, force_intent

NEGATIONS = {"no", "not", "never", "without", "nothing"}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class KeywordGuard(IntentGuard):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Set both in config.yml. A keyword is a word or phrase; "complain*" also matches
        # "complaint" and "complaining". `at_start`: only a message that begins with one counts
        # ("never mind, how do I ..." stops a booking; "I never mind waiting" doesn't).
        return {"intent": None, "keywords": [], "at_start": False}

    def __init__(self, config: dict[str, Any]) -> None:
        if not config.get("intent") or not config.get("keywords"):
            raise ValueError("KeywordGuard needs 'intent' and 'keywords' in config.yml")
        self._intent = config["intent"]
        alternatives = [
            re.escape(word[:-1]) + r"\w*" if word.endswith("*") else re.escape(word) + r"\b"
            for word in config["keywords"]
        ]
        start = (
            r"^\W*(?:(?:oh|ok|okay|actually|hmm+|no|nah|wait|um+|uh+)\W+)?"
            if config.get("at_start")
            else r"\b"
        )
        self._pattern = re.compile(rf"{start}(?:{'|'.join(alternatives)})", re.IGNORECASE)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if self.matches(message.get(TEXT) or ""):
                force_intent(message, self._intent)
        return messages

    def matches(self, text: str) -> bool:
        """A keyword not negated just before it ("no complaints" does not count)."""
        for match in self._pattern.finditer(text):
            before = re.findall(r"[a-z']+", text[: match.start()].lower())[-2:]
            if not NEGATIONS.intersection(before):
                return True
        return False
