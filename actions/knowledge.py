"""VehicleRef questions: answered from knowledge/, with the conversation's context and the
customer's own vehicles; interests and unanswered questions go on the profile."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import UsesServices, customer_id
from actions.handoff import hand_over
from actions.offers import offer_relevant_clinic
from bot.booking.choosing import question_after_stop
from bot.knowledge import Answer, Context, Entity, VehicleRef, steps
from bot.knowledge.answers import vehicle_name
from bot.knowledge.offerings import PRICE
from bot.knowledge.router import Question
from bot.services import Services

VEHICLE_ENTITIES = {"model", "trim", "year", "feature"}
CONTEXT_SLOTS = ("kb_topic", "kb_model", "kb_trim", "kb_year", "kb_kind")
VEHICLE_KINDS = ("howto", "availability", "spec", "features")  # answers that may offer a clinic


class ActionAnswerQuestion(UsesServices, Action):
    """Every information question: vehicles, the dealership, clinics, prices, maintenance, outside
    forms and as a form's side question alike; when the classifier wasn't sure, one search of all
    of it (in the conversation's context, so "n the limited?" continues the last answer) before the
    fallback reply; "never mind, how do I ..." is answered without its first words."""

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        question = "" if text.startswith("/") else text  # a button's payload carries entities only
        return await answer_question(
            self.services, dispatcher, tracker, question_after_stop(question) or question
        )


async def answer_question(
    services: Services, dispatcher: CollectingDispatcher, tracker: Tracker, question: str
) -> list[EventType]:
    """Answer `question` with the latest message's vehicle entities, the conversation's context and
    the customer's own vehicles: the one answering path, whatever led to it."""
    message = tracker.latest_message
    entities = [
        Entity(e["entity"], str(e["value"]), e.get("start") or 0, e.get("end") or 0)
        for e in message.get("entities") or []
        if e.get("entity") in VEHICLE_ENTITIES and e.get("value") is not None
    ]
    customer = await customer_id(services, tracker)
    vehicles = [
        VehicleRef(v.model, v.trim, v.year, v.mileage)
        for v in await asyncio.to_thread(services.profiles.vehicles_of, customer)
    ]
    asked = Question(
        text=question,
        entities=entities,
        now=services.clock(),
        intent=(message.get("intent") or {}).get("name") or "ask_vehicle",
        context=_booking_context(tracker, question) or _context(tracker),
        vehicles=vehicles,
        mine=_mine(services, tracker, vehicles),
    )
    answer = await asyncio.to_thread(steps.answer, services, customer, tracker.sender_id, asked)
    if answer.kind == "fallback":
        dispatcher.utter_message(response="utter_fallback")
        return []
    if answer.kind == "handoff":  # bargaining over a price: a person's, never a figure of ours
        await hand_over(services, dispatcher, tracker, "ask_price")
        return []
    if answer.kind == "need_vehicle":
        return [
            *_context_events(answer.context),
            SlotSet("kb_pending_question", question),
            FollowupAction("vehicle_form"),
        ]
    events = []
    if answer.vehicle is not None:
        saved = answer.vehicle
        events = [SlotSet("kb_my_vehicle", vehicle_name(saved.model, saved.trim, saved.year))]
    events += _reply(dispatcher, answer)
    if answer.answered and answer.kind in VEHICLE_KINDS:
        await offer_relevant_clinic(
            services, dispatcher, tracker, customer, frozenset({answer.model} - {None})
        )
    return events


def _mine(services: Services, tracker: Tracker, vehicles: list[VehicleRef]) -> VehicleRef | None:
    """The car this conversation is about (said, or picked), with the profile's mileage for it."""
    said = tracker.get_slot("kb_my_vehicle")
    vehicle = services.knowledge.vehicle_in(said) if said else None
    if vehicle is None:
        return None
    same = [v for v in vehicles if (v.model, v.trim, v.year) == (vehicle.model, vehicle.trim, vehicle.year)]
    return same[0] if same else vehicle


class ActionTellMore(UsesServices, Action):
    def name(self) -> str:
        return "action_tell_more"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        rest = tracker.get_slot("kb_more")
        if not rest:
            dispatcher.utter_message(response="utter_no_more")
            return []
        dispatcher.utter_message(text=rest, topic=tracker.get_slot("kb_topic"))
        return [SlotSet("kb_more", None)]


class ValidateVehicleForm(UsesServices, FormValidationAction):
    def name(self) -> str:
        return "validate_vehicle_form"

    def validate_vehicle_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        current = self.services.knowledge
        vehicle = current.vehicle_in(str(value or ""))
        if vehicle is None:
            models = ", ".join(current.base.lineup.models)
            dispatcher.utter_message(response="utter_which_model_is_yours", models=models)
            return {"vehicle_description": None}
        return {
            "vehicle_description": " ".join(str(p) for p in (vehicle.year, vehicle.model, vehicle.trim) if p)
        }


class ActionSaveVehicle(UsesServices, Action):
    """Put the vehicle on the profile, then answer the question that needed it."""

    def name(self) -> str:
        return "action_save_vehicle"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        current = self.services.knowledge
        vehicle = current.vehicle_in(tracker.get_slot("vehicle_description") or "")
        cleared = [SlotSet("vehicle_description", None), SlotSet("kb_pending_question", None)]
        if vehicle is None:
            return cleared
        customer = await customer_id(self.services, tracker)
        answer = await asyncio.to_thread(
            steps.answer_with_vehicle,
            self.services,
            customer,
            tracker.sender_id,
            vehicle,
            tracker.get_slot("kb_pending_question") or "",
            _context(tracker),
        )
        mine = SlotSet("kb_my_vehicle", vehicle_name(vehicle.model, vehicle.trim, vehicle.year))
        return [*_reply(dispatcher, answer, saved=vehicle), *cleared, mine]


def _booking_context(tracker: Tracker, question: str) -> Context | None:
    """Inside a service booking, "how much is it?" asks the price of the services being booked."""
    booked = tracker.get_slot("service_items") if tracker.active_loop_name == "service_form" else None
    return Context(topic=booked, kind="price") if booked and PRICE.search(question) else None


def _context(tracker: Tracker) -> Context:
    year = tracker.get_slot("kb_year")
    return Context(
        topic=tracker.get_slot("kb_topic"),
        model=tracker.get_slot("kb_model"),
        trim=tracker.get_slot("kb_trim"),
        year=int(year) if year else None,
        kind=tracker.get_slot("kb_kind"),
    )


def clinic_context(clinic_id: str) -> list[EventType]:
    """The conversation is about this clinic now, as after the router's own clinic answer."""
    return _context_events(Context(clinic_id, kind="clinic"))


def _context_events(context: Context) -> list[EventType]:
    values = (context.topic, context.model, context.trim, context.year, context.kind)
    return [SlotSet(name, value) for name, value in zip(CONTEXT_SLOTS, values, strict=True)]


def _reply(
    dispatcher: CollectingDispatcher, answer: Answer, saved: VehicleRef | None = None
) -> list[EventType]:
    """The answer's own text (from knowledge/), after a thank-you when it needed the car just saved."""
    shown = {
        "buttons": answer.buttons or None,
        "topic": answer.topic if answer.answered else None,
        "vehicle_model": answer.model,
        "vehicle_trim": answer.trim,
    }
    if saved is None:
        dispatcher.utter_message(text=answer.text, **shown)
    else:
        name = " ".join(str(p) for p in (saved.year, saved.model, saved.trim) if p)
        dispatcher.utter_message(
            response="utter_vehicle_saved_answer", vehicle=name, answer=answer.text, **shown
        )
    return [*_context_events(answer.context), SlotSet("kb_more", answer.more)]
