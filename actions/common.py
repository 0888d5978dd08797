"""What several actions need: who the customer is (without blocking the action server, and read
once per action call), and forms that ask their next question in the same call as validation."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.booking import UpcomingBooking
from bot.rewards import Issued
from bot.services import Services


def channel_of(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "unknown"


T = TypeVar("T")


async def read_once_per_call(tracker: Tracker, key: str, read: Callable[[], T]) -> T:
    """`read()` in a worker thread (a database read mustn't block the action server), at most
    once per action call: rasa_sdk asks a form's `required_slots` several times in one call, and
    each asking went to the database again (bench/booking_latency.py). The tracker is the call's
    own object, so what's remembered ends with the call."""
    remembered: dict[str, object] = vars(tracker).setdefault("_read_this_call", {})
    if key not in remembered:
        remembered[key] = await asyncio.to_thread(read)
    return remembered[key]  # type: ignore[return-value]


async def customer_id(services: Services, tracker: Tracker) -> int:
    """The profile behind this conversation (created on first contact)."""
    return await read_once_per_call(
        tracker,
        "customer_id",
        lambda: services.profiles.customer_for_sender(channel_of(tracker), tracker.sender_id),
    )


async def upcoming_bookings(services: Services, tracker: Tracker) -> list[UpcomingBooking]:
    """The customer's upcoming bookings, soonest first."""
    customer = await customer_id(services, tracker)
    return await asyncio.to_thread(services.bookings.upcoming_of, customer, services.now())


class UsesServices:
    """Mixed into every action: the process's `Services`, handed over by the action server
    (`bot.action_server`) when it creates the action, or by a test."""

    def __init__(self, services: Services) -> None:
        self.services = services


Question = Callable[[Services, CollectingDispatcher, Tracker], Awaitable[list[EventType]]]


class AsksNextQuestion(UsesServices):
    """A form's validation that also asks the form's next question, in the same call: one round
    trip to the action server per form turn instead of two (Rasa asks nothing itself for a slot
    with neither an `action_ask_` nor an `utter_ask_`; fixed questions stay `utter_ask_`
    responses in domain.yml). Once every slot is filled it does the form's work (`submit`) in
    that same call too, and the form ends. Mixed in before FormValidationAction (it is no action
    itself, so the action server doesn't register it); subclasses name their computed questions
    in `questions`."""

    def questions(self) -> dict[str, Question]:
        return {}

    async def submit(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The form's work once every slot is filled (booking, or stopping after a "no"). The
        default does nothing: the form's rules run an action of their own after it."""
        return []

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
        if next_slot is None:  # done; the form ends even if `submit` cleared its slots for the next time
            return [*events, *await self.submit(dispatcher, tracker, domain), SlotSet("requested_slot", None)]
        question = self.questions().get(next_slot)
        return events + (await question(self.services, dispatcher, tracker) if question else [])


def _replied_since_customer_spoke(tracker: Tracker) -> bool:
    """Whether something already answered the latest message (the form is resuming after it)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot":
            return True
    return False


def tell_rewards(dispatcher: CollectingDispatcher, issued: list[Issued]) -> None:
    """Tell the customer, in the turn that earned them, the rewards their record just reached."""
    for reward in issued:
        dispatcher.utter_message(response="utter_reward_issued", reward=reward.name, code=reward.code)


def messages_since_asked(tracker: Tracker, slot: str) -> int:
    """How many messages the customer has sent since `slot`'s question was first asked (this one
    included): 1 for the first answer. Used to re-ask in other words, then to stop asking."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            count += 1
        elif (
            event.get("event") == "slot"
            and event.get("name") == "requested_slot"
            and event.get("value") != slot
        ):
            break
    return max(count, 1)
