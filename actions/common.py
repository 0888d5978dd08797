"""What several actions need: who the customer is (without blocking the action server), and
forms that ask their next question in the same call as validation."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.profile import default_store


def channel_of(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "unknown"


async def customer_id(tracker: Tracker) -> int:
    """The profile behind this conversation (created on first contact)."""
    return await asyncio.to_thread(
        default_store().customer_for_sender, channel_of(tracker), tracker.sender_id
    )


Question = Callable[[CollectingDispatcher, Tracker], Awaitable[list[EventType]]]


class AsksNextQuestion:
    """A form's validation that also asks the form's next question, in the same call: one round
    trip to the action server per form turn instead of two (Rasa asks nothing itself for a slot
    with neither an `action_ask_` nor an `utter_ask_`; fixed questions stay `utter_ask_`
    responses in domain.yml). Mixed in before FormValidationAction (it is no action itself, so
    the action server doesn't register it); subclasses name their computed questions in
    `questions`."""

    def questions(self) -> dict[str, Question]:
        return {}

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        assert isinstance(self, FormValidationAction)
        requested, candidates = tracker.get_slot("requested_slot"), tracker.slots_to_validate()
        events = await super().run(dispatcher, tracker, domain)  # type: ignore[misc]
        filled = any(e.get("event") == "slot" and e.get("name") != "requested_slot" for e in events)
        answered_nothing = requested and not candidates and not _replied_since_customer_spoke(tracker)
        if answered_nothing and not filled:
            return events  # Rasa hands this turn to another rule (a question on the side), then returns
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        next_slot = next((slot for slot in required if tracker.get_slot(slot) is None), None)
        question = self.questions().get(next_slot or "")
        return events + (await question(dispatcher, tracker) if question else [])


def _replied_since_customer_spoke(tracker: Tracker) -> bool:
    """Whether something already answered the latest message (the form is resuming after it)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot":
            return True
    return False
