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
from bot.knowledge.answers import ELLIPSIS, Answer, Context, VehicleRef, vehicle_name
from bot.knowledge.entities import Entity
from bot.knowledge.facts import A_DAY, DEPARTMENT_WORDS, dealership_answer
from bot.knowledge.maintenance import (
    MILEAGE,
    Due,
    item_services,
    maintenance_answer,
    plainly_maintenance,
)
from bot.knowledge.offerings import (
    BARGAIN,
    CLINIC_WORDS,
    NEGOTIATION,
    PRICE,
    clinic_detail,
    clinic_facts,
    model_price,
    service_prices,
)
from bot.knowledge.reading import read

STATED = re.compile(
    r"\b(i|we) (drive|have|own|got|bought|just bought|just got|lease|leased)\b"
    r"|\bmy (car|truck|suv|ride|vehicle|ev) is\b|\bmine'?s\b|\bmine is\b"
    r"|^\s*(it'?s|its) an?\b|^\s*(got|have) an?\b",
    re.I,
)
QUESTION = re.compile(r"\?|\b(does|do|is|can|what|which|how|when|where)\b", re.I)
ANSWER_WHEN_UNSURE = (
    "howto",
    "availability",
    "spec",
    "features",
    "facts",
    "clinic",
    "price",
    "maintenance",
    "handoff",
)
# "It", "that", "this one": a follow-up about what was just answered.
PRONOUN = re.compile(r"\b(it|its|that|this|those|these|them|they|that one|this one)\b", re.I)
# "How much is it?", "what does that one cost": about what was just talked about.
REFERS_BACK = re.compile(r"\b(it|its|that|this|those|them|that one|this one)\b", re.I)
SHORT_FOLLOW_UP_WORDS = 4  # "sunday?", "the platinum?", "cabin filter too?": short says "and this?"
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
        followed = self._bargaining(question) or self._follow_up(question)
        if followed is not None:
            found = followed
        elif question.intent in ("ask_info", "nlu_fallback"):
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
            return self._clinic(
                clinic_id, clinic_facts(self.schedule.clinics[clinic_id], self.sessions(clinic_id))
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
            return self._maintenance(due, model or (own.model if own else None))
        # A question naming a model or a feature is the car's unless plainly the dealership's.
        about_vehicle = any(e.entity in ("model", "trim", "feature") for e in question.entities)
        facts = dealership_answer(text, self.shop, question.now, about_vehicle)
        if facts is not None:
            return self._facts(facts, keep)
        return unpriced

    def _clinic(self, clinic_id: str, text: str) -> Answer:
        """A clinic answer; the clinic stays the subject, so "how long is it?" is about it."""
        clinic = self.schedule.clinics[clinic_id]
        return Answer(
            "clinic",
            text,
            buttons=[{"title": f"Book the {clinic.name}", "payload": f"sign me up for the {clinic.name}"}],
            context=Context(clinic_id, kind="clinic"),
        )

    def _maintenance(self, due: Due, model: str | None) -> Answer:
        """A maintenance answer with a "Book it" button; its items and model stay the subject, so
        "and the cabin air filter?" or "how much is it?" follow it."""
        names = [self.schedule.services[s].name.lower() for s in due.services if s in self.schedule.services]
        buttons = (
            [{"title": "Book it", "payload": f"I'd like to book {' and '.join(names)}"}] if names else []
        )
        context = Context("|".join(due.items) or None, model, kind="maintenance")
        return Answer("maintenance", due.text, buttons=buttons, context=context)

    def _facts(self, facts: tuple[str, str], keep: Context) -> Answer:
        """A dealership answer; its topic ("dealership:hours") stays, so "what about sunday?" follows."""
        return Answer("facts", facts[1], context=Context(facts[0], keep.model, keep.trim, keep.year, "facts"))

    # --- follow-ups of the dealership's own answers ------------------------------------------

    def _bargaining(self, question: Question) -> Answer | None:
        """ "Can you do better on the price?", "any wiggle room?" after a price: a person's to
        answer, never a figure of ours (the action hands the conversation over)."""
        text = question.text
        if NEGOTIATION.search(text) or (
            BARGAIN.search(text) and (PRICE.search(text) or question.context.kind == "price")
        ):
            return Answer("handoff", "", context=question.context)
        return None

    def _follow_up(self, question: Question) -> Answer | None:
        """A follow-up of a clinic, price, maintenance or hours answer, kept to that kind: "how
        long is it?", "and the Platinum?", "and the cabin air filter?", "what about sunday?"."""
        context, text = question.context, question.text
        if context.kind not in ("clinic", "price", "maintenance", "facts"):
            return None
        vehicle_named = any(e.entity in ("model", "trim") for e in question.entities)
        feature_named = any(e.entity == "feature" for e in question.entities)
        if feature_named or self.answerer.asks_spec(text):
            return None  # "does it have a HUD?", "how long does it take to charge": the car's
        if context.kind == "clinic" and context.topic in self.schedule.clinics and not vehicle_named:
            named = self.schedule.clinic_in(text)
            if named in (None, context.topic):
                detail = clinic_detail(
                    self.schedule.clinics[context.topic], self.sessions(context.topic), text
                )
                return self._clinic(context.topic, detail) if detail else None
            return None
        if context.kind == "price" and _elliptical(text):
            model, trim, _ = self.answerer.vehicle_in(list(question.entities), prefer=context.model)
            if model or self.schedule.services_in(text):
                return self._price(f"how much is {text}", model, trim, Context())
            return None
        if context.kind == "maintenance":
            return self._maintenance_follow_up(question, vehicle_named)
        if context.kind == "facts" and context.topic == "dealership:hours" and _elliptical(text):
            said = read(text)
            if not vehicle_named and (
                A_DAY.search(said) or any(w.search(said) for w in DEPARTMENT_WORDS.values())
            ):
                facts = dealership_answer(f"what are your hours {text}", self.shop, question.now)
                return self._facts(facts, context) if facts else None
        return None

    def _maintenance_follow_up(self, question: Question, vehicle_named: bool) -> Answer | None:
        """ "How much is it?" after an interval: the published price of that service; "and the
        cabin air filter?" or "what about at 60k?": the same schedule for another item or mileage."""
        context, text = question.context, question.text
        items = tuple(context.topic.split("|")) if context.topic else ()
        if PRICE.search(text) and items and not vehicle_named and not self.schedule.services_in(text):
            if not (PRONOUN.search(text) or _elliptical(text)):
                return None
            services = item_services(items, self.maintenance)
            priced = [
                self.schedule.services[s]
                for s in dict.fromkeys(services.values())
                if s in self.schedule.services
            ]
            unlisted = [name for name, s in services.items() if s is None]
            lines = [service_prices(priced)[0]] if priced else []
            lines += [
                f"{name}: I don't have a published price; our service team quotes it." for name in unlisted
            ]
            buttons = (
                [
                    {
                        "title": "Book it",
                        "payload": f"I'd like to book {' and '.join(s.name.lower() for s in priced)}",
                    }
                ]
                if priced
                else [PERSON_BUTTON]
            )
            return Answer("price", "\n".join(lines), buttons=buttons, context=context)
        if not _elliptical(text):
            return None
        model = self.answerer.vehicle_in(list(question.entities))[0] or context.model
        due = maintenance_answer(f"how often {text}", self.maintenance, model, None)
        asked = MILEAGE.search(text) or (due is not None and due.items and due.items != items)
        return self._maintenance(due, model) if due is not None and asked else None

    def _plainly_dealership(self, question: Question) -> Answer | None:
        """ "Are you open sunday?", "where do I park when I bring it in?", "what do I bring to the
        teen driving class?", "how often should the brake fluid be changed?": about the
        dealership's own knowledge in so many words, whatever the classifier thought (a shared
        word alone never counts here)."""
        text = question.text
        clinic = self.schedule.clinic_in(text)
        if (clinic and CLINIC_WORDS.search(text)) or plainly_maintenance(text, self.maintenance):
            return self._info(question)
        if PRICE.search(text) and REFERS_BACK.search(text) and not self.answerer.asks_spec(text):
            return self._info(question)  # "how much is that one": the price of what was talked about
        facts = dealership_answer(text, self.shop, question.now, about_vehicle=True)
        return self._facts(facts, question.context) if facts else None

    def _price(self, text: str, model: str | None, trim: str | None, keep: Context) -> Answer | None:
        """A published price; "how much is it / that one" is the price of what was just talked
        about (the model and trim, or the services)."""
        services_ids = self.schedule.services_in(text)
        refers_back = not model and bool(REFERS_BACK.search(text))
        if refers_back and not services_ids and keep.kind == "price" and keep.topic:
            services_ids = [s for s in keep.topic.split(",") if s in self.schedule.services]
        if refers_back and not services_ids and keep.model:
            model, trim = keep.model, keep.trim
        services = [self.schedule.services[s] for s in services_ids]
        if services:
            reply, priced = service_prices(services)
            names = " and ".join(s.name.lower() for s in priced)
            buttons = (
                [{"title": "Book it", "payload": f"I'd like to book {names}"}] if priced else [PERSON_BUTTON]
            )
            return Answer(
                "price", reply, buttons=buttons, context=Context(",".join(services_ids), kind="price")
            )
        if model:
            return Answer(
                "price",
                model_price(self.lineup, model, trim),
                model=model,
                trim=trim,
                buttons=[PERSON_BUTTON],
                context=Context(None, model, trim, None, "price"),
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


def _elliptical(text: str) -> bool:
    """ "What about sunday?", "and the Platinum?", "cabin filter too?": the last question again,
    about something else."""
    return bool(ELLIPSIS.search(text)) or len(re.findall(r"[\w']+", text)) <= SHORT_FOLLOW_UP_WORDS
