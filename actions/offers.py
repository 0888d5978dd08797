"""Relevant clinic invitations inside the conversation, by the same rules staff see in the console
(`bot.reports.suggest`): a teen in the household, an Ion, many feature questions. Each is offered
at most once per conversation, never during a booking, and never when it doesn't fit."""

from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.reports import suggest
from bot.services import Services

OFFER_TOPIC = "offer:"


def _offered_before(tracker: Tracker) -> set[str]:
    return {
        str(event.get("metadata", {}).get("topic", ""))[len(OFFER_TOPIC) :]
        for event in tracker.events
        if event.get("event") == "bot"
        and str(event.get("metadata", {}).get("topic", "")).startswith(OFFER_TOPIC)
    }


def _relevant_clinic(
    services: Services, customer: int, asked_about: frozenset[str], skip: set[str]
) -> tuple[str, str] | None:
    """(suggestion key, clinic id) of the first fitting clinic not offered yet."""
    bookings = services.bookings
    profile = services.profiles.profile_summary(customer)
    if profile is None:
        return None
    today = services.now().date()
    for suggestion in suggest(
        profile,
        bookings.bookings_of(customer),
        today,
        bookings.schedule,
        services.dealership.name,
        asked_about=asked_about,
    ):
        if suggestion.kind == "clinic" and suggestion.key not in skip:
            return suggestion.key, suggestion.key.removeprefix("clinic:")
    return None


async def offer_relevant_clinic(
    services: Services,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    customer: int,
    asked_about: frozenset[str],
) -> None:
    """Add one short invitation after an answer, if something fits this household."""
    if tracker.active_loop.get("name"):
        return
    found = await asyncio.to_thread(
        _relevant_clinic, services, customer, asked_about, _offered_before(tracker)
    )
    if found is None:
        return
    key, clinic_id = found
    clinic = services.schedule.clinics[clinic_id]
    dispatcher.utter_message(
        response="utter_clinic_invitation",
        clinic_name=clinic.name,
        audience=clinic.audience,
        buttons=[{"title": f"See {clinic.name} sessions", "payload": f"book the {clinic.name}"}],
        topic=f"{OFFER_TOPIC}{key}",
    )
