"""A guard that reads a question or a problem about a vehicle feature as a vehicle question.

The classifier sent some plain feature questions elsewhere: "how do i pair my phone" to the
capabilities list, "whats the wifi password in my car" and "can I make lane assist vibrate" to a
service booking, "phone won't pair anymore" to "stop". When the knowledge base's own patterns
(bot.nlu.vehicle_entities) find a feature in the message, and the message asks something or
describes a problem without asking to book, it is a vehicle question, whatever DIET thought. It
runs before the booking, stop, price and escalation guards, so a named service with booking
words, "never mind", a price or a manager still win.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.intents import IntentGuard, force_intent

# Intents a feature question is never meant as; the others (questions, people, prices, changes
# to a booking) are kept as the classifier read them.
MISREAD_AS = {
    "capabilities",
    "book_service",
    "book_clinic",
    "stop",
    "ask_booking",
    "add_to_booking",
    "join_waitlist",
    "greet",
    "goodbye",
    "thank",
    "out_of_scope",
    "introduce",
    "nlu_fallback",
}
ASKS = re.compile(
    r"\?|^\W*(how|what|whats|what's|where|wheres|where's|why|which|when|is there|are there|can|could|"
    r"do|does|did|is|are|will|would|should|help|need help|show me|tell me|explain)\b|"
    r"\b(how (do|to|does|can|2)|how's|what does|won'?t|wont|doesn'?t|isn'?t|not working|stopped|keeps|"
    r"broken|problem|issue|can'?t|cant|password|pair|connect|turn (on|off)|set ?up)\b",
    re.IGNORECASE,
)
BOOKS = re.compile(
    r"\b(book|booking|appointment|appt|schedule an?|sign (me|us|him|her) up|sign up|register|"
    r"bring (it|her|him) in|come in|drop (it|her|him) off)\b",
    re.IGNORECASE,
)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class FeatureQuestionGuard(IntentGuard):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"intent": "ask_vehicle"}

    def __init__(self, config: dict[str, Any]) -> None:
        self._intent = config.get("intent") or "ask_vehicle"

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name")
            features = [e for e in message.get(ENTITIES) or [] if e.get("entity") == "feature"]
            if intent in MISREAD_AS and features and self.asks(message.get(TEXT) or ""):
                force_intent(message, self._intent)
        return messages

    @staticmethod
    def asks(text: str) -> bool:
        """A question or a problem, not a request to book."""
        return not text.startswith("/") and bool(ASKS.search(text)) and not BOOKS.search(text)
