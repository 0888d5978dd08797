"""A guard that lets a message stop a booking only when it says so.

"my forge", said to "Which Corvane is it for?", was read as `stop` and the booking was dropped:
a short answer the classifier has no good guess for can land anywhere, and `stop` throws away what
the customer has told us so far. So `stop` needs a word for stopping ("never mind", "forget it",
"cancel that", "I changed my mind", "nah"); without one, the classifier's next guess is taken
(or `inform`, an answer to whatever was asked).
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.intents import IntentGuard, force_intent

STOPPING = re.compile(
    r"\b(stop\w*|never ?mind|nvm|forget|cancel\w*|changed? my mind|let'?s not|quit|don'?t (want|wanna)"
    r"|do not want|leave it|scratch that|drop it|nah|no more|enough|abort|exit|not now|not anymore"
    r"|no thanks|not interested|done)\b",
    re.IGNORECASE,
)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class StopGuard(IntentGuard):
    def __init__(self, config: dict[str, Any]) -> None:
        pass

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if (message.get(INTENT) or {}).get("name") == "stop" and not says_stop(message.get(TEXT) or ""):
                ranking = message.get(INTENT_RANKING_KEY) or []
                next_guess = next(
                    (r["name"] for r in ranking if r.get("name") not in ("stop", "nlu_fallback")), None
                )
                force_intent(message, next_guess or "inform")
        return messages


def says_stop(text: str) -> bool:
    return text.startswith("/") or bool(STOPPING.search(text))
