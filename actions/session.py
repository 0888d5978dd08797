"""Every conversation opens by saying the customer is talking to an automated assistant."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_disclosure")
        # Contact details carry over; a half-finished form does not.
        carried = [
            SlotSet(name, tracker.get_slot(name))
            for name in ("customer_name", "phone", "email")
            if tracker.get_slot(name) is not None
        ]
        return [SessionStarted(), *carried, ActionExecuted("action_listen")]
