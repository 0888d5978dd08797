"""Booking a free clinic: which clinic, which session (with seats left), who's coming, confirm."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import AsksNextQuestion, Question, customer_id
from bot.booking import SessionInfo, default_bookings
from bot.booking.attendees import headcount, parse_attendees
from bot.profile import default_store

SHOWN_SESSIONS = 4
WAITLIST_BUTTON = {"title": "Join the waitlist", "payload": "/join_waitlist"}
FORM_SLOTS = ("clinic", "clinic_session", "attendees", "clinic_confirm")


def _now() -> datetime:
    return datetime.now(default_bookings().schedule.tz)


def _label(session: SessionInfo) -> str:
    return f"{session.starts_at:%a %b %-d, %-I:%M %p}"


def _session_payload(session: SessionInfo) -> str:
    """A button that fills the slot directly, whatever the classifier would make of the text."""
    return "/book_clinic" + json.dumps({"clinic_session": _label(session)})


def _open_sessions(clinic: str) -> list[SessionInfo]:
    return [s for s in default_bookings().clinic_sessions(clinic, _now()) if s.seats_left > 0][
        :SHOWN_SESSIONS
    ]


async def ask_clinic(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    clinics = default_bookings().schedule.clinics.values()
    dispatcher.utter_message(
        text="Our clinics are free. Which one would you like?",
        buttons=[{"title": c.name, "payload": c.name} for c in clinics],
    )
    return []


async def ask_clinic_session(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    clinic = default_bookings().schedule.clinics[tracker.get_slot("clinic")]
    sessions = await asyncio.to_thread(_open_sessions, clinic.id)
    if not sessions:
        upcoming = await asyncio.to_thread(default_bookings().clinic_sessions, clinic.id, _now())
        if not upcoming:
            dispatcher.utter_message(
                text=f"The {clinic.name} has no sessions in the next three weeks. "
                'Say "talk to a person" and our team will let you know when the next one opens.'
            )
            return []
        dispatcher.utter_message(
            text=f"Every {clinic.name} session in the next three weeks is full. I can put you on the "
            f"waitlist for {_label(upcoming[0])}: if a place opens, it's yours and we'll let you know.",
            buttons=[WAITLIST_BUTTON, {"title": "No thanks", "payload": "/stop"}],
        )
        return [SlotSet("waitlist_offer", json.dumps({"session_id": upcoming[0].id}))]
    dispatcher.utter_message(
        text=f"The {clinic.name} ({clinic.minutes} minutes, for {clinic.audience}). Which session?",
        buttons=[
            {"title": f"{_label(s)} ({s.seats_left} left)", "payload": _session_payload(s)} for s in sessions
        ],
    )
    return []


async def ask_clinic_confirm(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    clinic = default_bookings().schedule.clinics[tracker.get_slot("clinic")]
    who = parse_attendees(tracker.get_slot("attendees") or "", tracker.get_slot("customer_name"))
    names = ", ".join(a.name + (f" ({a.age})" if a.age else "") for a in who)
    dispatcher.utter_message(
        text=f"To confirm: {clinic.name} on {tracker.get_slot('clinic_session')} for {names}. "
        "Shall I book it?",
        buttons=[{"title": "Yes, book it", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}],
    )
    return []


class ValidateClinicForm(AsksNextQuestion, FormValidationAction):
    def name(self) -> str:
        return "validate_clinic_form"

    def questions(self) -> dict[str, Question]:
        return {
            "clinic": ask_clinic,
            "clinic_session": ask_clinic_session,
            "clinic_confirm": ask_clinic_confirm,
        }

    async def submit(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return await book_clinic(dispatcher, tracker)

    async def extract_clinic(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("clinic"):
            return {}
        clinic = default_bookings().schedule.clinic_in(tracker.latest_message.get("text") or "")
        return {"clinic": clinic} if clinic else {}

    def validate_clinic(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"clinic": value if value in default_bookings().schedule.clinics else None}

    async def validate_clinic_session(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        said = str(value or "").strip().lower()
        sessions = await asyncio.to_thread(_open_sessions, tracker.get_slot("clinic"))
        chosen = next((s for s in sessions if _label(s).lower() == said), None) or next(
            (
                s
                for s in sessions
                if said and (said in _label(s).lower() or f"{s.starts_at:%A}".lower() in said)
            ),
            None,
        )
        if chosen is None:
            dispatcher.utter_message(
                text="Sorry, I couldn't match that to a session. Please pick one of these."
            )
            return {"clinic_session": None}
        return {"clinic_session": _label(chosen)}

    def validate_attendees(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        clinic = default_bookings().schedule.clinics[tracker.get_slot("clinic")]
        who = parse_attendees(str(value or ""), tracker.get_slot("customer_name"))
        party = max(len(who), headcount(str(value or "")) or 0)
        if party > clinic.seats:
            dispatcher.utter_message(
                text=f"A session has {clinic.seats} seats in all, so I can't book {party}. "
                'For a group, say "talk to a person" and our team will set something up.'
            )
            return {"attendees": None}
        if not who or headcount(str(value or "")):
            said = (
                f"Who are the {party}?"
                if headcount(str(value or ""))
                else "Sorry, I didn't catch who's coming."
            )
            dispatcher.utter_message(text=f'{said} First names please, for example: "me and Emma, 15".')
            return {"attendees": None}
        if clinic.ages and not any(a.age and clinic.ages[0] <= a.age <= clinic.ages[1] for a in who):
            low, high = clinic.ages
            dispatcher.utter_message(
                text=f"The {clinic.name} is for drivers aged {low}-{high} (with a parent). "
                'Who\'s the driver, and how old are they? For example: "me and Emma, 15".'
            )
            return {"attendees": None}
        return {"attendees": str(value)}


async def book_clinic(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """The confirmed booking (a waitlist offer if it just filled up; nothing after a "no"), then a
    clean slate for the next one."""
    reset = [SlotSet(slot, None) for slot in (*FORM_SLOTS, "replacing_code")]
    if not tracker.get_slot("clinic_confirm"):
        dispatcher.utter_message(response="utter_booking_stopped")
        return reset
    bookings = default_bookings()
    clinic = bookings.schedule.clinics[tracker.get_slot("clinic")]
    sessions = await asyncio.to_thread(bookings.clinic_sessions, clinic.id, _now())
    chosen = next((s for s in sessions if _label(s) == tracker.get_slot("clinic_session")), None)
    who = parse_attendees(tracker.get_slot("attendees") or "", tracker.get_slot("customer_name"))
    customer = await customer_id(tracker)
    if chosen is None:
        dispatcher.utter_message(
            text='That session isn\'t available any more. Say "book a clinic" to pick another.'
        )
        return reset
    attendees = [{"name": a.name, "relation": a.relation, "age": a.age} for a in who]
    result = await asyncio.to_thread(bookings.book_clinic, customer, chosen.id, len(who), attendees, _now())
    if not result.ok:
        others = ", ".join(_label(s) for s in result.alternatives) or "none in the next three weeks"
        dispatcher.utter_message(
            text=f"{result.reason} Other sessions with room: {others}. Or join this one's waitlist: "
            "if a place opens, it's yours and we'll let you know.",
            buttons=[
                WAITLIST_BUTTON,
                {"title": "Pick another session", "payload": f"book the {clinic.name}"},
            ],
        )
        offer = {"session_id": chosen.id, "attendees": attendees}
        return [*reset, SlotSet("waitlist_offer", json.dumps(offer))]
    store = default_store()
    this_year = _now().year
    for attendee in who:
        if attendee.relation is not None:  # household members; the customer is already the contact
            birth_year = this_year - attendee.age if attendee.age else None
            await asyncio.to_thread(
                store.add_household_member, customer, attendee.name, attendee.relation, birth_year
            )
    moved = ""
    if tracker.get_slot("replacing_code"):
        cancelled = await asyncio.to_thread(bookings.cancel, tracker.get_slot("replacing_code"), customer)
        moved = (
            f" Your earlier booking {tracker.get_slot('replacing_code')} is cancelled."
            if cancelled.ok
            else ""
        )
    dispatcher.utter_message(
        text=f"You're booked: {clinic.name}, {_label(chosen)}, for {len(who)}. Your confirmation code is "
        f"{result.code}. It's free. We'll see you there!{moved}",
        booking_id=result.code,
        topic=f"clinic:{clinic.id}",
    )
    return reset


class ActionJoinWaitlist(Action):
    """A place on the waitlist of the full session just offered; the first to free up is theirs."""

    def name(self) -> str:
        return "action_join_waitlist"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        offer = json.loads(tracker.get_slot("waitlist_offer") or "null")
        done = [SlotSet(slot, None) for slot in (*FORM_SLOTS, "waitlist_offer", "replacing_code")]
        if not offer:
            dispatcher.utter_message(
                text="There's no full session to wait for just now. Say \"book a clinic\" to see what's open."
            )
            return done
        attendees = offer.get("attendees") or [
            {"name": tracker.get_slot("customer_name") or "You", "relation": None, "age": None}
        ]
        customer = await customer_id(tracker)
        result = await asyncio.to_thread(
            default_bookings().join_waitlist, customer, offer["session_id"], len(attendees), attendees
        )
        if not result.ok:
            dispatcher.utter_message(text=result.reason)
            return done
        dispatcher.utter_message(
            text=f"You're on the waitlist for {len(attendees)} (code {result.code}). If a place opens, it's "
            "yours and we'll text you if you've agreed to texts; otherwise check back here with your code.",
            booking_id=result.code,
            topic="waitlist",
        )
        return done
