"""Every conversation opens by saying the customer is talking to an automated assistant (unless
staff have taken it over: a new session must not end their takeover)."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import UsesServices


class ActionSessionStart(UsesServices, Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        # Contact details carry over; a half-finished form does not.
        carried = [
            SlotSet(name, tracker.get_slot(name))
            for name in ("customer_name", "phone", "email")
            if tracker.get_slot(name) is not None
        ]
        if await asyncio.to_thread(self.services.profiles.is_taken_over, tracker.sender_id):
            # A new session clears Rasa's pause; staff still hold the conversation.
            return [SessionStarted(), *carried, ActionExecuted("action_listen"), ConversationPaused()]
        dispatcher.utter_message(response="utter_disclosure")
        return [SessionStarted(), *carried, ActionExecuted("action_listen")]
