"""A guard that sends any message with an escalation word to a person, whatever DIET predicted.

"manager", "complaint" or "lawyer" in a message means the customer wants a human now; a
statistical classifier is right most of the time, but this path must be right every time.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

NEGATIONS = {"no", "not", "never", "without", "nothing"}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class EscalationGuard(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "intent": "escalate",
            # Word stems or phrases; a word matches when it starts with one ("complain" ->
            # "complaints"). Not a bare "sue": Sue is also a customer's name.
            "keywords": [
                "manager",
                "supervisor",
                "complain",
                "lawyer",
                "attorney",
                "lawsuit",
                "suing",
                "sue you",
                "sue your",
                "sue the",
                "sue them",
                "legal action",
            ],
        }

    def __init__(self, config: dict[str, Any]) -> None:
        self._intent = config["intent"]
        stems = "|".join(re.escape(word) for word in config["keywords"])
        self._pattern = re.compile(rf"\b(?:{stems})\w*", re.IGNORECASE)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EscalationGuard:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if self.is_escalation(message.get(TEXT) or ""):
                intent = {"name": self._intent, "confidence": 1.0}
                message.set(INTENT, intent, add_to_output=True)
                ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != self._intent]
                message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
        return messages

    def is_escalation(self, text: str) -> bool:
        for match in self._pattern.finditer(text):
            before = re.findall(r"[a-z']+", text[: match.start()].lower())[-2:]
            if not NEGATIONS.intersection(before):
                return True
        return False
