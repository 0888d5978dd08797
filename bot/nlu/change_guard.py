"""A guard that reads a request to move or cancel one's own booking as that, whatever DIET read.

"Could we reschedule the alignment for sometime next week", "I need to change the day of my tire
rotation" and "can I bump my brake inspection to Friday" were read as new service bookings, and
the service form asked "Which Corvane is it for?". A message with a word for moving (or
cancelling) and a reference to a booking (my appointment, my booking, my service, a service on
the menu, a clinic) is a change to a booking. The menu and clinics are read from
`knowledge/schedule.yml` and re-read when it changes. Requests for a person, a price or to stop
keep their own guards, which run after this one.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.booking.changes import change_asked
from bot.booking.schedule import Schedule
from bot.config import knowledge_dir
from bot.nlu.intents import IntentGuard, force_intent
from bot.nlu.service_guard import menu
from bot.services import Watched

# What the classifier may have read such a request as; the rest (questions, a person, a price,
# stop, the change intents themselves) is left as read.
MISREAD_AS = {
    "book_service",
    "book_clinic",
    "nlu_fallback",
    "ask_booking",
    "inform",
}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class BookingChangeGuard(IntentGuard):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> BookingChangeGuard:
        directory = knowledge_dir()
        return cls(Watched(directory, lambda _: menu(directory / "schedule.yml")))

    def __init__(self, schedule: Watched[Schedule]) -> None:
        self._schedule = schedule

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name")
            change = self.change_in(message.get(TEXT) or "")
            if change and intent in MISREAD_AS:
                force_intent(message, change)
        return messages

    def change_in(self, text: str) -> str | None:
        return change_asked(self._schedule.current(), text)
