"""A guard that reads a message naming a service on the menu as a service booking, and a request
to book a clinic by name as a clinic booking.

"Oil change for my 2023 Lumen LE" looked like a vehicle question to the classifier, and an
all-in-one request with a phone number ("tire rotation friday 2pm, my cell is ...") like leaving
contact details; both must start the service booking. The menu (names, aliases, symptoms) is read
from `knowledge/schedule.yml` when the model loads and again when it changes, so a dealer's new
alias or symptom counts without retraining. A service named with booking words ("book", "can I
get", "for my ..."), a day or time, a phone number, a model year or how they'll get around is a
booking; a question about a service ("how much is an oil change?", "how often do I need one?")
is not, nor is cancelling or moving one ("reschedule my brake inspection"). "Sign me up for EV
101" had started the service booking ("What does your car need?"); a clinic named (typos forgiven)
with words asking to book it, and no service named, is a clinic booking.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.booking.clinic_talk import BOOKING as BOOKS_A_CLINIC
from bot.booking.clinic_talk import asks_about_clinic, clinic_named
from bot.booking.schedule import Schedule, load
from bot.booking.talk import transport_in
from bot.booking.when import mentions_time
from bot.config import knowledge_dir
from bot.nlu.intents import force_intent
from bot.services import Watched

BOOKING_WORDS = re.compile(
    r"\b(book|booking|schedule|appointment|appt|reserve|slot|opening|bring (it|her|him|my \w+|the \w+|\w+) in"
    r"|come in|drop (it|her|him|my \w+|the \w+|\w+)? ?off|fit (me|us|it|her|him) in"
    r"|get (it|her|him|my|the|a|an|me|in)"
    r"|need|needs|want|wanna|would like|i'd like|id like|looked at|look at|take a look|checked|check out"
    r"|can (i|you|we|u)|could (i|you|we|u)|please|pls|for my|on my|for our|on our)\b",
    re.IGNORECASE,
)
# A question about a service ("how much is an oil change?") unless it asks for a time ("what can
# you do tomorrow?"); and changes to a booking already made.
QUESTION = re.compile(
    r"^\W*(how (much|often|long|many)|what|what's|whats|why|which|is|are|does|do i need|do you (do|offer)"
    r"|should|when should|when do i)\b",
    re.IGNORECASE,
)
# A service visit asked for without naming a service: "schedule service", "book my car in".
SERVICE_VISIT = re.compile(
    r"\b(schedule|book|make|set up|need|want|wanna|get)\b.{0,25}\b(service|servicing|a service appointment"
    r"|maintenance visit)\b|\bbook (my|the) (car|truck|vehicle) in\b",
    re.IGNORECASE,
)
SERVICE_QUESTION = re.compile(
    r"^\W*(how (much|often|long|many|do i)|what|what's|whats|why|which|is|are|does|do (i|you|we)|should"
    r"|when should|when do i)\b|\?\s*$|\bschedule\b(?!.*\b(me|us|an?|my)\b)",
    re.IGNORECASE,
)
# Words that ask for an appointment even inside a question ("can you fit me in for an alignment?").
APPOINTMENT = re.compile(
    r"\b(book|appointment|appt|reserve|slot|opening|fit (me|us|it) in|bring (it|her|him) in"
    r"|drop (it|her|him) off|can (you|u) (do|take|see)|come in|sign me up)\b",
    re.IGNORECASE,
)
CHANGE = re.compile(
    r"\b(cancel\w*|reschedul\w*|re-schedul\w*|move|moving|postpone|push\b.{0,30}\bback)\b", re.IGNORECASE
)
MODEL_YEAR = re.compile(r"\b(19|20)\d\d\b")
PHONE = re.compile(r"\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}\b")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ServiceBookingGuard(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"intent": "book_service"}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ServiceBookingGuard:
        directory = knowledge_dir()
        return cls(config, Watched(directory, lambda _: menu(directory / "schedule.yml")))

    def __init__(self, config: dict[str, Any], schedule: Watched[Schedule]) -> None:
        self._intent = config.get("intent") or "book_service"
        self._schedule = schedule

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            intent = (message.get(INTENT) or {}).get("name")
            if self.matches(text) or self.not_a_clinic(text, intent) or self.a_problem_unread(text, intent):
                force_intent(message, self._intent)
            elif self.books_a_clinic(text):
                force_intent(message, "book_clinic")
            elif intent == self._intent and self.asks_about_a_service(text):
                force_intent(message, "ask_info")
        return messages

    def a_problem_unread(self, text: str, intent: str | None) -> bool:
        """A service or a problem on the menu said without booking words that the classifier could
        not place ("there's a grinding noise whenever I brake"): the service booking, which asks
        for the car next, rather than "I didn't get that"."""
        if intent != "nlu_fallback" or text.startswith("/") or QUESTION.search(text):
            return False
        schedule = self._schedule.current()
        return bool(schedule.services_in(text)) and clinic_named(schedule, text) is None

    def asks_about_a_service(self, text: str) -> bool:
        """A question about a service on the menu ("do i need to rotate tires on an ion", "do you
        charge for the inspection", "how do i reset the oil life") asked without a day, a time or
        words asking for an appointment: answered, never a booking started."""
        if text.startswith("/") or not SERVICE_QUESTION.search(text) or mentions_time(text):
            return False
        return bool(self._schedule.current().services_in(text)) and not APPOINTMENT.search(text)

    def not_a_clinic(self, text: str, intent: str | None) -> bool:
        """A booking read as a clinic's that names a service (or a problem) and no clinic ("there's
        a grinding noise whenever I brake"): no clinic fixes brakes."""
        schedule = self._schedule.current()
        return (
            intent == "book_clinic"
            and not text.startswith("/")
            and bool(schedule.services_in(text))
            and clinic_named(schedule, text) is None
        )

    def books_a_clinic(self, text: str) -> bool:
        """A clinic named with words asking to book it ("sign me up for EV 101"), not a question
        about it, nor a change to a booking."""
        if text.startswith("/") or CHANGE.search(text) or asks_about_clinic(text):
            return False
        wants = BOOKS_A_CLINIC.search(text) or mentions_time(text)  # "car seat check wednesday?"
        return bool(wants) and clinic_named(self._schedule.current(), text) is not None

    def matches(self, text: str) -> bool:
        """A menu service named (or described) together with booking words, a day or time, a
        phone number or a transport choice; not a question about it, nor a change to a booking."""
        if text.startswith("/") or CHANGE.search(text) or (QUESTION.search(text) and not mentions_time(text)):
            return False
        schedule = self._schedule.current()
        if not schedule.services_in(text):  # "i wanna schedule service": the menu is asked next
            return bool(SERVICE_VISIT.search(text)) and clinic_named(schedule, text) is None
        return bool(
            BOOKING_WORDS.search(text)
            or mentions_time(text)
            or PHONE.search(text)
            or transport_in(text)
            or MODEL_YEAR.search(text)  # "my oil change light came on, 2022 lumen"
        )


def menu(path: Path) -> Schedule:
    """The service menu (the time zone doesn't matter for naming services)."""
    return load(path, ZoneInfo("UTC"))[0]
