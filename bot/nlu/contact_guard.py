"""A guard that tells the customer's own contact details from the dealership's, whatever DIET read.

"Phone # ?", "what's the sales line" and "how do I get there from I-94" were read as the customer
introducing themselves, and the contact form asked for *their* name; "please take down my email
address" and "add my email to my account" fell back to the dealership's email addresses. Whose
details a message is about is in its words: "my email", "our number" with a verb of giving or
changing are the customer's; "your number", "the sales line", "phone #?" asked as a question are
the dealership's.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.intents import IntentGuard, force_intent

_DETAIL = (
    r"(e-?mail( address)?|phone( number)?|(cell|mobile)( number)?|number"
    r"|contact (info|details)|details|address)"
)
# The customer giving or changing their own details.
OWN_DETAILS = re.compile(
    rf"\b(add|update|change|save|take down|take|put|leave|use|here'?s|here is|new|correct|fix)\b.{{0,30}}"
    rf"\b(my|our|my wife'?s|my husband'?s|my partner'?s)\s+(\w+\s+)?{_DETAIL}\b"
    rf"|\b(my|our)\s+(new\s+)?{_DETAIL}\s+(is|has changed|changed)\b",
    re.IGNORECASE,
)
# Asking for the dealership's: "your number", "the sales line", "phone # ?", directions.
DEALERSHIP_DETAILS = re.compile(
    r"\b(your|ur|the dealership'?s|the store'?s)\s+(phone|number|#|line|email|e-mail|address|location)\b"
    r"|\b(sales|service|parts)\s+(line|number|phone|desk number|email)\b"
    r"|^\W*(phone|tel|telephone|number|address|email)\s*(#|number|no\.?)?\s*\?+\W*$"
    r"|\bhow do (i|we) (get|find|reach) (there|you|to you|the (parts|sales|service))\b"
    r"|\bwhich way\b|\bdirections\b|\bwhat number (are|is) (you|it)\b",
    re.IGNORECASE,
)
# What the classifier may have read these as; requests for a person, a price or to stop, and
# bookings, keep their own guards and forms.
MISREAD_AS = {
    "introduce",
    "nlu_fallback",
    "ask_info",
    "ask_vehicle",
    "ask_booking",
    "inform",
    "human_handoff",
}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ContactDetailsGuard(IntentGuard):
    def __init__(self, config: dict[str, Any]) -> None:
        pass

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name")
            meant = whose_details(message.get(TEXT) or "")
            if meant and intent in MISREAD_AS and intent != meant:
                force_intent(message, meant)
        return messages


def whose_details(text: str) -> str | None:
    """`introduce` for the customer's own details, `ask_info` for the dealership's, else None."""
    if text.startswith("/"):
        return None
    if OWN_DETAILS.search(text):
        return "introduce"
    return "ask_info" if DEALERSHIP_DETAILS.search(text) else None
