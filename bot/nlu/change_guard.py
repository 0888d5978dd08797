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

import re
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.booking.clinic_talk import clinic_named
from bot.booking.schedule import Schedule
from bot.booking.when import mentions_time
from bot.config import knowledge_dir
from bot.nlu.intents import IntentGuard, force_intent
from bot.nlu.service_guard import menu
from bot.services import Watched

MOVE = re.compile(
    r"\b(reschedul\w*|re-schedul\w*|move|moved|moving|push(ed)?|switch|bump|shift|postpone"
    r"|change (the )?(day|date|time)|different (day|date|time)|earlier in the day"
    r"|later (slot|time|in the day)"
    r"|instead)\b",
    re.IGNORECASE,
)
CANCEL = re.compile(
    r"\b(cancel\w*|call off|can'?t make it|won'?t make it|unsubscribe from|drop out of)\b", re.IGNORECASE
)
# A new time for what was booked: "...instead", "switch that to", "move it to".
NEW_TIME_FOR_IT = re.compile(
    r"\binstead\b|\b(switch|move|push|bump|change|shift|reschedule)\s+(that|it|this)\b", re.IGNORECASE
)
# One's own booking: "my appointment", "our spot", "the booking" (not "the seat": a car's).
BOOKING = re.compile(
    r"\b(my|our)\s+(\w+\s+)?(appointment|appt|booking|reservation|service|visit|slot|spot|seat|class|clinic)\b"
    r"|\b(the|that)\s+(\w+\s+)?(appointment|appt|booking|reservation)\b",
    re.IGNORECASE,
)
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
        """`cancel_booking` or `reschedule_booking` for a change to a booking one refers to, or
        a new time for "that" / "it" ("can we do saturday morning instead", "switch that to
        thursday")."""
        if text.startswith("/"):
            return None
        if not self._refers_to_a_booking(text):
            return "reschedule_booking" if NEW_TIME_FOR_IT.search(text) and mentions_time(text) else None
        if CANCEL.search(text):
            return "cancel_booking"
        return "reschedule_booking" if MOVE.search(text) else None

    def _refers_to_a_booking(self, text: str) -> bool:
        schedule = self._schedule.current()
        return bool(BOOKING.search(text) or schedule.services_in(text) or clinic_named(schedule, text))
