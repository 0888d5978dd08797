"""Bringing in a person: recorded on the profile so staff see it (and alerted to the department's
staff on duty), with an honest reply time, or out of hours a callback at the next opening."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import UsesServices, channel_of, customer_id
from bot.knowledge import VehicleRef
from bot.profile.steps import Handoff, hand_off
from bot.services import Services

# Why the customer wants a person (from the intent) -> (the reason staff see, the reply).
REASONS = {
    "escalate": ("escalation", "utter_handoff_escalated"),
    "ask_price": ("pricing", "utter_handoff_pricing"),
}
ASKED = ("asked", "utter_handoff")  # out of the department's hours: a callback at its next opening


class ActionHandoff(UsesServices, Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = tracker.latest_message.get("intent", {}).get("name") or "human_handoff"
        await hand_over(self.services, dispatcher, tracker, intent)
        return []


async def hand_over(
    services: Services, dispatcher: CollectingDispatcher, tracker: Tracker, intent: str
) -> None:
    """Open a handoff staff see, for the reason `intent` gives, and say when they'll answer; also
    used when a question turns out to be bargaining ("any wiggle room?" is `ask_price`'s)."""
    reason, reply = REASONS.get(intent, ASKED)
    request = Handoff(
        customer=await customer_id(services, tracker),
        sender_id=tracker.sender_id,
        channel=channel_of(tracker),
        reason=reason,
        message=tracker.latest_message.get("text"),
        active_form=(tracker.active_loop or {}).get("name"),
        about=_last_answer_car(tracker),
    )
    handed = await asyncio.to_thread(hand_off, services, request)
    dispatcher.utter_message(response=reply, promise=handed.promise)
    if handed.open_now:
        return
    if handed.phone_ending:
        dispatcher.utter_message(
            response="utter_handoff_callback",
            department=handed.department,
            when=handed.when,
            ending=handed.phone_ending,
        )
    else:
        dispatcher.utter_message(
            response="utter_handoff_callback_no_phone", department=handed.department, when=handed.when
        )


def _last_answer_car(tracker: Tracker) -> VehicleRef | None:
    """The car the last vehicle answer was about (its model, and the trim and year said)."""
    model, year = tracker.get_slot("kb_model"), tracker.get_slot("kb_year")
    if not model:
        return None
    return VehicleRef(str(model), tracker.get_slot("kb_trim") or None, int(year) if year else None)
