"""Bringing in a person: recorded on the profile so staff see it, with an honest reply time."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import UsesServices, channel_of, customer_id

OPENERS = {
    "escalate": "I'm sorry about this. I've passed your message to a manager.",
    "ask_price": (
        "Prices, deals and trade-in values come from our team, not from me, so I've asked a person to help."
    ),
}
DEFAULT_OPENER = "Sure, I've let our team know you'd like a person."


class ActionHandoff(UsesServices, Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = tracker.latest_message.get("intent", {}).get("name") or "human_handoff"
        reason = {"escalate": "escalation", "ask_price": "pricing"}.get(intent, "asked")
        await asyncio.to_thread(
            self.services.profiles.open_handoff,
            await customer_id(self.services, tracker),
            tracker.sender_id,
            channel_of(tracker),
            reason,
            tracker.latest_message.get("text"),
        )
        promise = self.services.dealership.staff_reply_promise(self.services.now())
        dispatcher.utter_message(
            text=f"{OPENERS.get(intent, DEFAULT_OPENER)} {promise} "
            "They can see this conversation, so you won't need to repeat yourself."
        )
        return []
