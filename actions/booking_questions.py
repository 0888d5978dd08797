"""Answers about the customer's own upcoming bookings ("what time does it start?", "where do I
go?", "what's my code again?"), and adding someone to a clinic booking ("can my husband come
too?") as a booking change the customer confirms: the clinic form again, with the same session
and the bigger party, replacing the old booking only once the new one is made."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import clinics
from actions.clinics import session_label
from actions.common import UsesServices, upcoming_bookings
from bot.booking import UpcomingBooking
from bot.booking.attendees import GUEST, Attendee, as_records, describe, from_records, parse_attendees
from bot.booking.clinic_talk import clinic_named, fact_asked
from bot.booking.questions import booking_meant, question_kind, when_of
from bot.services import Services


class ActionAnswerBooking(UsesServices, Action):
    def name(self) -> str:
        return "action_answer_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        upcoming = await upcoming_bookings(self.services, tracker)
        booking = booking_meant(text, upcoming)
        kind = question_kind(text)
        named = clinic_named(self.services.schedule, text)
        clinic = (named or clinics.clinic_discussed(self.services, tracker)) if booking is None else None
        fact = fact_asked(text)
        if clinic is not None and fact and kind != "add":
            # "how long is it?" right after a clinic's facts, or "when is the teen class?" with
            # none booked: about that clinic, not a booking
            schedule_clinic = self.services.schedule.clinics[clinic]
            await asyncio.to_thread(
                clinics.answer_fact, self.services, dispatcher, schedule_clinic, fact, None
            )
            dispatcher.utter_message(
                response="utter_book_this_clinic",
                clinic_name=schedule_clinic.name,
                buttons=[{"title": "Book it", "payload": f"sign me up for the {schedule_clinic.name}"}],
            )
            return [SlotSet("booking_addition", None)]
        if booking is None:
            if kind == "where":  # the address is worth giving anyway
                dealership = self.services.dealership
                dispatcher.utter_message(
                    response="utter_dealership_address", name=dealership.name, address=dealership.address
                )
            dispatcher.utter_message(response="utter_no_upcoming_booking")
            return [SlotSet("booking_addition", None)]
        others = len(upcoming) - 1
        more = f" You have {others} other upcoming booking{'s' if others > 1 else ''} too." if others else ""
        facts = {"what": booking.what, "when": when_of(booking), "code": booking.code, "more": more}
        if kind == "add":
            return await _offer_addition(self.services, dispatcher, booking, text)
        if kind == "where":
            dealership = self.services.dealership
            dispatcher.utter_message(
                response="utter_booking_where", name=dealership.name, address=dealership.address, **facts
            )
        elif kind == "code":
            dispatcher.utter_message(response="utter_booking_code", **facts)
        else:
            dispatcher.utter_message(response="utter_booking_when", **facts)
        return [SlotSet("booking_addition", None)]


async def _offer_addition(
    services: Services, dispatcher: CollectingDispatcher, booking: UpcomingBooking, text: str
) -> list[EventType]:
    """Room on the session: offer to add them (nothing changes until they say yes). No room, or
    not a clinic: say so plainly."""
    joining = [p for p in parse_attendees(text) if p.relation is not None] or [Attendee(None, GUEST)]
    who = describe(joining)
    if booking.kind != "clinic" or booking.clinic is None:
        dispatcher.utter_message(response="utter_booking_add_service", who=who, what=booking.what)
        return [SlotSet("booking_addition", None)]
    sessions = await asyncio.to_thread(services.bookings.clinic_sessions, booking.clinic, services.now())
    session = next((s for s in sessions if s.starts_at == booking.starts_at), None)
    party = len(booking.attendees) or 1
    if session is None or booking.status != "confirmed" or session.seats_left < party + len(joining):
        dispatcher.utter_message(
            response="utter_booking_add_full", who=who, what=booking.what, when=when_of(booking)
        )
        return [SlotSet("booking_addition", None)]
    dispatcher.utter_message(
        response="utter_booking_add_offer",
        who=who,
        what=booking.what,
        when=when_of(booking),
        seats=session.seats_left,
        code=booking.code,
        party=party + len(joining),
    )
    return [SlotSet("booking_addition", json.dumps({"code": booking.code, "joining": as_records(joining)}))]


class ActionAddToBooking(UsesServices, Action):
    """ "Yes, add him": the clinic form with the booking's session and the party plus them; the
    summary is confirmed before anything changes."""

    def name(self) -> str:
        return "action_add_to_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        offer = json.loads(tracker.get_slot("booking_addition") or "null")
        booking = next(
            (b for b in await upcoming_bookings(self.services, tracker) if offer and b.code == offer["code"]),
            None,
        )
        if booking is None or booking.clinic is None:
            dispatcher.utter_message(response="utter_anything_else")
            return [SlotSet("booking_addition", None)]
        party = from_records(booking.attendees) + from_records(offer["joining"])
        return [
            SlotSet("booking_addition", None),
            SlotSet("clinic", booking.clinic),
            SlotSet("clinic_session", await asyncio.to_thread(_label_of, self.services, booking)),
            SlotSet("attendees", json.dumps(as_records(party))),
            SlotSet("replacing_code", booking.code),
            FollowupAction("clinic_form"),
        ]


def _label_of(services: Services, booking: UpcomingBooking) -> str:
    sessions = services.bookings.clinic_sessions(booking.clinic or "", services.now())
    return next((session_label(s) for s in sessions if s.starts_at == booking.starts_at), "")
