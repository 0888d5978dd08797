"""One entry point for every customer question: the dealership's facts, clinics, published
prices, maintenance schedules and the vehicle knowledge, with the customer's own car as context.

The classifier's intent only decides what is tried first (a vehicle question's words, or the
dealership's); whatever it thought, a question the knowledge can answer is answered, and nothing
here starts a form. When the classifier wasn't sure (`nlu_fallback`), the same search runs and
only a confident answer is given, so the customer gets the fallback otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from bot.booking.schedule import Schedule
from bot.booking.store import SessionInfo
from bot.dealership import Dealership
from bot.knowledge.answers import Answer, Context, VehicleRef, vehicle_name
from bot.knowledge.entities import Entity
from bot.knowledge.facts import dealership_answer
from bot.knowledge.maintenance import maintenance_answer, plainly_maintenance
from bot.knowledge.offerings import CLINIC_WORDS, PRICE, clinic_facts, model_price, service_prices

STATED = re.compile(
    r"\b(i|we) (drive|have|own|got|bought|just bought|just got|lease|leased)\b"
    r"|\bmy (car|truck|suv|ride|vehicle|ev) is\b|\bmine'?s\b|\bmine is\b"
    r"|^\s*(it'?s|its) an?\b|^\s*(got|have) an?\b",
    re.I,
)
QUESTION = re.compile(r"\?|\b(does|do|is|can|what|which|how|when|where)\b", re.I)
ANSWER_WHEN_UNSURE = ("howto", "availability", "spec", "features", "facts", "clinic", "price", "maintenance")
if TYPE_CHECKING:
    from bot.knowledge import Knowledge

PERSON_BUTTON = {"title": "Talk to a person", "payload": "/human_handoff"}


@dataclass(frozen=True)
class Question:
    text: str
    entities: Sequence[Entity]
    now: datetime
    intent: str = "ask_vehicle"  # ask_vehicle | ask_info | nlu_fallback
    context: Context = Context()
    vehicles: Sequence[VehicleRef] = field(default_factory=tuple)  # the profile's
    mine: VehicleRef | None = None  # the car this conversation is about


class Router:
    def __init__(
        self,
        knowledge: Knowledge,
        shop: Dealership,
        schedule: Schedule,
        sessions: Callable[[str], list[SessionInfo]],
    ) -> None:
        """`sessions`: a clinic's upcoming sessions (from the booking store)."""
        self.answerer = knowledge.answerer
        self.lineup = knowledge.base.lineup
        self.maintenance = knowledge.base.maintenance
        self.shop = shop
        self.schedule = schedule
        self.sessions = sessions

    def answer(self, question: Question) -> Answer:
        stated = self._stated(question)
        if stated is not None and not QUESTION.search(_without_statement(question.text)):
            return self._saved(stated)
        if stated is not None:
            question = replace(question, mine=stated)
        if question.intent in ("ask_info", "nlu_fallback"):
            found = self._info(question) or self._vehicle(question)
        else:  # a vehicle question, or one asked after "never mind" or inside a form: vehicle first
            found = self._plainly_dealership(question) or self._vehicle(question)
            if not found.answered and found.kind not in ("need_vehicle", "pick_vehicle"):
                found = self._info(question) or found
        if question.intent == "nlu_fallback" and found.kind not in ANSWER_WHEN_UNSURE:
            found = Answer("fallback", "", context=question.context)
        if stated is not None:
            found = replace(
                found,
                text=f"Got it, your {vehicle_name(stated.model, stated.trim, stated.year)}. {found.text}",
                vehicle=stated,
            )
        return found

    # --- the customer's car ---------------------------------------------------------------

    def _stated(self, question: Question) -> VehicleRef | None:
        """ "I drive a 2024 Lumen SE": the car, when the message says it is theirs."""
        if not STATED.search(question.text):
            return None
        model, trim, year = self.answerer.vehicle_in(list(question.entities))
        return VehicleRef(model, trim, year) if model else None

    def _saved(self, vehicle: VehicleRef) -> Answer:
        name = vehicle_name(vehicle.model, vehicle.trim, vehicle.year)
        text = f'Got it: your {name}. I\'ll answer for it from now on, like "does it have heated seats?".'
        if vehicle.trim is None:
            trims = list(self.lineup.models[vehicle.model].trims)
            text += f" Which trim is it? The {vehicle.model} comes as {', '.join(trims[:-1])} or {trims[-1]}."
        context = Context(None, vehicle.model, vehicle.trim, vehicle.year, None)
        return Answer(
            "vehicle_stated",
            text,
            model=vehicle.model,
            trim=vehicle.trim,
            year=vehicle.year,
            context=context,
            vehicle=vehicle,
        )

    def _vehicle(self, question: Question) -> Answer:
        return self.answerer.answer(
            question.text, list(question.entities), question.context, list(question.vehicles), question.mine
        )

    def _own(self, question: Question) -> VehicleRef | None:
        """The car a question without a model is about: this conversation's, or the profile's only one."""
        if question.mine is not None:
            return question.mine
        return question.vehicles[0] if len(question.vehicles) == 1 else None

    # --- the dealership's own knowledge ---------------------------------------------------

    def _info(self, question: Question) -> Answer | None:
        text = question.text
        keep = question.context
        model, trim, _ = self.answerer.vehicle_in(list(question.entities))
        clinic_id = self.schedule.clinic_in(text)
        # "Where do the car seat anchors go" names a feature, not the car seat check.
        named_feature = any(e.entity == "feature" for e in question.entities)
        if clinic_id and (
            CLINIC_WORDS.search(text) or (question.intent != "ask_vehicle" and not named_feature)
        ):
            clinic = self.schedule.clinics[clinic_id]
            return Answer(
                "clinic",
                clinic_facts(clinic, self.sessions(clinic_id)),
                buttons=[
                    {"title": f"Book the {clinic.name}", "payload": f"sign me up for the {clinic.name}"}
                ],
                context=keep,
            )
        unpriced = None  # "no published price": only when nothing else here answers it
        if PRICE.search(text) and not self.answerer.asks_spec(text):
            priced = self._price(text, model, trim, keep)
            if priced is not None and priced.kind != "unknown":
                return priced
            unpriced = priced
        own = self._own(question)
        due = (
            maintenance_answer(
                text, self.maintenance, model or (own.model if own else None), own.mileage if own else None
            )
            if unpriced is None
            else None
        )
        if due is not None:
            names = [
                self.schedule.services[s].name.lower() for s in due.services if s in self.schedule.services
            ]
            buttons = (
                [{"title": "Book it", "payload": f"I'd like to book {' and '.join(names)}"}] if names else []
            )
            return Answer("maintenance", due.text, buttons=buttons, context=keep)
        # A question naming a model or a feature is the car's unless plainly the dealership's.
        about_vehicle = any(e.entity in ("model", "trim", "feature") for e in question.entities)
        facts = dealership_answer(text, self.shop, question.now, about_vehicle)
        if facts is not None:
            return Answer("facts", facts[1], context=keep)
        return unpriced

    def _plainly_dealership(self, question: Question) -> Answer | None:
        """ "Are you open sunday?", "where do I park when I bring it in?", "what do I bring to the
        teen driving class?", "how often should the brake fluid be changed?": about the
        dealership's own knowledge in so many words, whatever the classifier thought (a shared
        word alone never counts here)."""
        text = question.text
        clinic = self.schedule.clinic_in(text)
        if (clinic and CLINIC_WORDS.search(text)) or plainly_maintenance(text, self.maintenance):
            return self._info(question)
        facts = dealership_answer(text, self.shop, question.now, about_vehicle=True)
        return Answer("facts", facts[1], context=question.context) if facts else None

    def _price(self, text: str, model: str | None, trim: str | None, keep: Context) -> Answer | None:
        services = [self.schedule.services[s] for s in self.schedule.services_in(text)]
        if services:
            reply, priced = service_prices(services)
            names = " and ".join(s.name.lower() for s in priced)
            buttons = (
                [{"title": "Book it", "payload": f"I'd like to book {names}"}] if priced else [PERSON_BUTTON]
            )
            return Answer("price", reply, buttons=buttons, context=keep)
        if model:
            return Answer(
                "price",
                model_price(self.lineup, model, trim),
                model=model,
                trim=trim,
                buttons=[PERSON_BUTTON],
                context=Context(None, model, trim, None, None),
            )
        if re.search(r"\bfree\b", text, re.I) and not re.search(
            r"\b(price|cost|how much|msrp)\b", text, re.I
        ):
            return None  # "hands-free", "free wifi": not a price question
        return Answer(
            "unknown",
            "I don't have a published price for that, and I won't guess. Our team can give you a quote.",
            buttons=[PERSON_BUTTON],
            context=keep,
        )


def _without_statement(text: str) -> str:
    """The rest of "I drive a Tessa XLE, does it have a HUD?" after the statement."""
    parts = re.split(r"[,.;!]| and | but ", text, maxsplit=1)
    return parts[1] if len(parts) > 1 else ""
