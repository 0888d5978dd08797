"""What answering a question does besides the answer, as plain functions of `Services`: interests
and unanswered questions go on the profile, and a car the customer says they drive is saved.
The actions read the conversation into a `Question` and turn the `Answer` into a reply."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.knowledge import Answer, Context, VehicleRef
from bot.knowledge.answers import vehicle_name
from bot.knowledge.router import Question, Router
from bot.profile import VehicleDetails

if TYPE_CHECKING:
    from bot.services import Services


def answer(services: Services, customer: int, sender_id: str, question: Question) -> Answer:
    """The router's answer over this moment's knowledge, dealership file and schedule (all re-read
    when edited), with what it learnt recorded: a car said is saved, an answered topic is an
    interest, and what we couldn't answer (even the fallback) goes on the gap list. A question
    that first needs the customer's car records nothing yet: it's answered once they say it."""
    bookings = services.bookings
    router = Router(
        services.knowledge,
        services.dealership,
        bookings.schedule,
        lambda clinic: bookings.clinic_sessions(clinic, question.now),
    )
    found = router.answer(question)
    if found.kind == "need_vehicle":
        return found
    if found.kind == "fallback":
        record(services, customer, sender_id, question.text, replace(found, kind="unknown"))
        return found
    if found.vehicle is not None:
        save_vehicle(services, customer, found.vehicle)
    record(services, customer, sender_id, question.text, found)
    return found


def answer_with_vehicle(
    services: Services, customer: int, sender_id: str, vehicle: VehicleRef, question: str, context: Context
) -> Answer:
    """The customer named their car for a question that needed it: save it, answer, record."""
    save_vehicle(services, customer, vehicle)
    found = services.knowledge.answer(question, context, [vehicle])
    record(services, customer, sender_id, question, found)
    return found


def save_vehicle(services: Services, customer: int, vehicle: VehicleRef) -> str:
    """Put a car on the profile (once); its name, as the conversation keeps it."""
    services.profiles.add_vehicle(customer, VehicleDetails(vehicle.model, vehicle.trim, vehicle.year))
    return vehicle_name(vehicle.model, vehicle.trim, vehicle.year)


def record(services: Services, customer: int, sender_id: str, question: str, found: Answer) -> None:
    """Interests for answered questions; the gap list for those we couldn't answer outright."""
    store = services.profiles
    if found.answered and found.topic:
        store.record_interest(customer, found.topic)
    elif found.kind in ("unknown", "clarify") and question:
        store.record_knowledge_gap(customer, sender_id, question, found.kind)
