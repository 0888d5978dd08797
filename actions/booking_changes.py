"""Cancelling or moving one's own booking: by its code, or picked from one's upcoming bookings.

A code only ever finds bookings on the asking customer's own profile, so someone else's code
(from another phone) gets the same answer as a code that doesn't exist: nothing is revealed.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import clinics, service
from actions.common import AsksNextQuestion, Question, customer_id
from bot.booking import UpcomingBooking, default_bookings

FORM_SLOTS = ("booking_code", "change_confirm")
BOOKING_SLOTS = (*FORM_SLOTS, "change_kind", *clinics.FORM_SLOTS, "waitlist_offer", *service.FORM_SLOTS)
CODE_SHAPE = re.compile(r"\b[A-Za-z0-9]{6}\b")
ORDINALS = ("first", "second", "third", "fourth", "fifth")


def _now() -> datetime:
    return datetime.now(default_bookings().schedule.tz)


async def _upcoming(tracker: Tracker) -> list[UpcomingBooking]:
    return await asyncio.to_thread(default_bookings().upcoming_of, await customer_id(tracker), _now())


def _pick(text: str, upcoming: list[UpcomingBooking]) -> UpcomingBooking | None:
    """The booking a message means: its code, "the second one", or what it's for ("the oil change")."""
    said = text.lower()
    by_code = {b.code: b for b in upcoming}
    for token in CODE_SHAPE.findall(text):
        if token.upper() in by_code:
            return by_code[token.upper()]
    for index, booking in enumerate(upcoming[: len(ORDINALS)]):
        if re.search(rf"\b({ORDINALS[index]}|{index + 1})\b", said):
            return booking
    named = [b for b in upcoming if any(word in said for word in b.what.lower().split(" + "))]
    return named[0] if len(named) == 1 else None


class ValidateBookingChangeForm(AsksNextQuestion, FormValidationAction):
    def name(self) -> str:
        return "validate_booking_change_form"

    def questions(self) -> dict[str, Question]:
        return {"booking_code": ask_booking_code, "change_confirm": ask_change_confirm}

    async def extract_booking_code(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """ "cancel ABC234" names the booking in the request itself."""
        if tracker.get_slot("booking_code") or tracker.get_slot("requested_slot") == "booking_code":
            return {}
        chosen = _pick(tracker.latest_message.get("text") or "", await _upcoming(tracker))
        return {"booking_code": chosen.code} if chosen else {}

    async def validate_booking_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        upcoming = await _upcoming(tracker)
        chosen = _pick(str(value or ""), upcoming)
        if chosen is None:
            dispatcher.utter_message(
                text="I couldn't find an upcoming booking with that code on your profile. If you booked "
                'from another phone or device, message us from there, or say "talk to a person".'
                if CODE_SHAPE.search(str(value or ""))
                else "Sorry, I couldn't tell which booking you mean."
            )
            return {"booking_code": None}
        return {"booking_code": chosen.code}


async def ask_booking_code(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    upcoming = await _upcoming(tracker)
    if not upcoming:
        dispatcher.utter_message(
            text="I don't see any upcoming bookings on your profile here. What's the confirmation "
            'code (6 characters)? Or say "never mind".'
        )
        return []
    dispatcher.utter_message(
        text="Which booking?",
        buttons=[{"title": b.label(), "payload": b.code} for b in upcoming[: len(ORDINALS)]],
    )
    return []


async def ask_change_confirm(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    booking = next(b for b in await _upcoming(tracker) if b.code == tracker.get_slot("booking_code"))
    verb = "Move" if tracker.get_slot("change_kind") == "reschedule" else "Cancel"
    dispatcher.utter_message(
        text=f"{verb} {booking.label()}?",
        buttons=[
            {"title": f"Yes, {verb.lower()} it", "payload": "/affirm"},
            {"title": "No", "payload": "/deny"},
        ],
    )
    return []


class ActionChangeBooking(Action):
    """Cancel now; or, to move it, start the booking form again with what's kept and the old
    booking cancelled only once the new one is made (so nobody ends up with neither)."""

    def name(self) -> str:
        return "action_change_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reset = [SlotSet(slot, None) for slot in (*FORM_SLOTS, "change_kind")]
        code = tracker.get_slot("booking_code")
        booking = next((b for b in await _upcoming(tracker) if b.code == code), None)
        if not tracker.get_slot("change_confirm") or booking is None:
            dispatcher.utter_message(response="utter_booking_unchanged")
            return reset
        if tracker.get_slot("change_kind") == "reschedule":
            return [*reset, *_rebook(booking, dispatcher)]
        result = await asyncio.to_thread(default_bookings().cancel, code, await customer_id(tracker))
        if not result.ok:
            dispatcher.utter_message(text=result.reason)
            return reset
        dispatcher.utter_message(
            text=f"Done: {booking.label()} is cancelled. Want to pick another time? Just say so.",
            booking_id=code,
            topic=f"cancel:{booking.kind}",
        )
        return reset


def _rebook(booking: UpcomingBooking, dispatcher: CollectingDispatcher) -> list[EventType]:
    dispatcher.utter_message(
        text=f"Let's find a new time for {booking.what}. Your current booking stays until then."
    )
    if booking.kind == "service":
        vehicle = " ".join(
            str(booking.vehicle[k]) for k in ("year", "model", "trim") if booking.vehicle.get(k)
        )
        return [
            SlotSet("service_items", ",".join(booking.services)),
            SlotSet("service_vehicle", vehicle or None),
            SlotSet("vin", booking.vehicle.get("vin")),
            SlotSet("service_transport", booking.transport),
            SlotSet("replacing_code", booking.code),
            FollowupAction("service_form"),
        ]
    return [
        SlotSet("clinic", booking.clinic),
        SlotSet("replacing_code", booking.code),
        FollowupAction("clinic_form"),
    ]


class ActionStopBooking(Action):
    """ "Never mind" during any booking: nothing is written, and nothing said so far lingers to
    pre-fill the next booking."""

    def name(self) -> str:
        return "action_stop_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_booking_stopped")
        return [SlotSet(slot, None) for slot in BOOKING_SLOTS]
