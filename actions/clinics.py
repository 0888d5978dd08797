"""Booking a free clinic: which clinic, which session (with seats left), who's coming, confirm."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import AsksNextQuestion, Question, UsesServices, customer_id
from bot.booking import SessionInfo, steps
from bot.booking.attendees import (
    Attendee,
    as_records,
    describe,
    from_records,
    headcount,
    name_the_unnamed,
    parse_attendees,
    unknown_count,
)
from bot.booking.choosing import choose
from bot.booking.steps import session_label
from bot.services import Services

SHOWN_SESSIONS = 4
WAITLIST_BUTTON = {"title": "Join the waitlist", "payload": "/join_waitlist"}  # as in utter_clinic_full
FORM_SLOTS = ("clinic", "clinic_session", "attendees", "attendee_names", "clinic_confirm")
SKIP = {"skip", "no", "nope", "no thanks", "rather not", "id rather not", "don't save", "dont save", "pass"}


def _session_payload(session: SessionInfo) -> str:
    """A button that fills the slot directly, whatever the classifier would make of the text."""
    return "/book_clinic" + json.dumps({"clinic_session": session_label(session)})


def _open_sessions(services: Services, clinic: str, shown: int | None = SHOWN_SESSIONS) -> list[SessionInfo]:
    """Sessions with seats left: the first few are offered; any of them may come pre-filled (a
    booking change keeps its session)."""
    return [s for s in services.bookings.clinic_sessions(clinic, services.now()) if s.seats_left > 0][:shown]


async def ask_clinic(
    services: Services, dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    clinics = services.schedule.clinics.values()
    dispatcher.utter_message(
        response="utter_which_clinic",
        buttons=[{"title": c.name, "payload": c.name} for c in clinics],
    )
    return []


async def ask_clinic_session(
    services: Services, dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    clinic = services.schedule.clinics[tracker.get_slot("clinic")]
    sessions = await asyncio.to_thread(_open_sessions, services, clinic.id)
    if not sessions:
        upcoming = await asyncio.to_thread(services.bookings.clinic_sessions, clinic.id, services.now())
        if not upcoming:
            dispatcher.utter_message(response="utter_clinic_no_sessions", clinic_name=clinic.name)
            return []
        dispatcher.utter_message(
            response="utter_clinic_full", clinic_name=clinic.name, session=session_label(upcoming[0])
        )
        return [SlotSet("waitlist_offer", json.dumps({"session_id": upcoming[0].id}))]
    dispatcher.utter_message(
        response="utter_which_session",
        clinic_name=clinic.name,
        minutes=clinic.minutes,
        audience=clinic.audience,
        buttons=[
            {"title": f"{session_label(s)} ({s.seats_left} left)", "payload": _session_payload(s)}
            for s in sessions
        ],
    )
    return []


def party_of(tracker: Tracker) -> list[Attendee]:
    """Who's coming, as read and checked when the customer said it (kept in the `attendees` slot;
    nobody yet while the slot still holds the words just typed, before validation)."""
    return _already_read(tracker.get_slot("attendees") or "")


def _household_note(people: list[Attendee], this_year: int) -> str:
    """Exactly what booking will save to the household, said before it is saved."""
    saved = [
        f"{p.name} ({p.said_as or p.relation}"
        + (f", {p.age}, born {this_year - p.age}" if p.age is not None else "")
        + ")"
        for p in people
        if p.saved
    ]
    unnamed = [p.label() for p in people if p.needs_name]
    note = f" I'll save to your household: {', '.join(saved)}." if saved else ""
    if unnamed:
        note += f" Not saved to your household (no name): {', '.join(unnamed)}."
    return note


async def ask_attendee_names(
    services: Services, dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    unnamed = [p for p in party_of(tracker) if p.needs_name]
    dispatcher.utter_message(
        response="utter_which_names",
        who=describe(unnamed),
        count="names" if len(unnamed) > 1 else "name",
    )
    return []


async def ask_clinic_confirm(
    services: Services, dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    clinic = services.schedule.clinics[tracker.get_slot("clinic")]
    people = party_of(tracker)
    dispatcher.utter_message(
        response="utter_clinic_summary",
        clinic_name=clinic.name,
        session=tracker.get_slot("clinic_session"),
        party=f"{len(people)}: {describe(people)}",
        household=_household_note(people, services.now().year),
    )
    return []


def _already_read(value: str) -> list[Attendee]:
    """A party already read: records, as the `attendees` slot keeps them once validated (and as a
    booking change pre-fills them)."""
    if not value.startswith("[{"):
        return []
    try:
        return from_records(json.loads(value))
    except (ValueError, AttributeError):
        return []


class ValidateClinicForm(AsksNextQuestion, FormValidationAction):
    def name(self) -> str:
        return "validate_clinic_form"

    def questions(self) -> dict[str, Question]:
        return {
            "clinic": ask_clinic,
            "clinic_session": ask_clinic_session,
            "attendee_names": ask_attendee_names,
            "clinic_confirm": ask_clinic_confirm,
        }

    async def submit(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return await book_clinic(self.services, dispatcher, tracker)

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Names are asked for (once) only when family members to be saved came without them."""
        required = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        if not any(p.needs_name for p in party_of(tracker)):
            return [slot for slot in required if slot != "attendee_names"]
        return required

    async def extract_clinic(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("clinic"):
            return {}
        clinic = self.services.schedule.clinic_in(tracker.latest_message.get("text") or "")
        return {"clinic": clinic} if clinic else {}

    def validate_clinic(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"clinic": value if value in self.services.schedule.clinics else None}

    async def validate_clinic_session(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        said = str(value or "").strip()
        sessions = await asyncio.to_thread(_open_sessions, self.services, tracker.get_slot("clinic"), None)
        by_label = {session_label(s).lower(): s for s in sessions}
        sessions = sessions[:SHOWN_SESSIONS]
        starts = [s.starts_at for s in sessions]
        picked = by_label.get(said.lower()) or next(
            (s for s in sessions if s.starts_at == choose(said, starts, self.services.now())), None
        )
        if picked is None:
            dispatcher.utter_message(response="utter_clinic_session_not_matched")
            return {"clinic_session": None}
        return {"clinic_session": session_label(picked)}

    def validate_attendees(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        clinic = self.services.schedule.clinics[tracker.get_slot("clinic")]
        said = str(value or "")
        who = _already_read(said) or parse_attendees(said, tracker.get_slot("customer_name"))
        party = max(len(who), headcount(said) or 0)
        if party > clinic.seats:
            dispatcher.utter_message(response="utter_clinic_party_too_big", seats=clinic.seats, party=party)
            return {"attendees": None}
        if not who or unknown_count(said):
            dispatcher.utter_message(
                response="utter_how_many_coming" if who else "utter_attendees_not_caught"
            )
            return {"attendees": None}
        if clinic.ages and not any(a.age and clinic.ages[0] <= a.age <= clinic.ages[1] for a in who):
            low, high = clinic.ages
            dispatcher.utter_message(
                response="utter_clinic_ages", clinic_name=clinic.name, low=low, high=high
            )
            return {"attendees": None}
        return {"attendees": json.dumps(as_records(who)), "attendee_names": None}

    def validate_attendee_names(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Names for the family members said without one; "skip" books them without saving them."""
        said = str(value or "").strip()
        if " ".join(re.findall(r"[a-z']+", said.lower())) in SKIP:
            return {"attendee_names": "skip"}
        people = party_of(tracker)
        named = name_the_unnamed(people, said)
        if named is None:
            missing = sum(p.needs_name for p in people)
            dispatcher.utter_message(
                response="utter_names_needed", missing=missing, count="name" if missing == 1 else "names"
            )
            return {"attendee_names": None}
        return {"attendees": json.dumps(as_records(named)), "attendee_names": "given"}


async def book_clinic(
    services: Services, dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    """The confirmed booking (a waitlist offer if it just filled up; nothing after a "no"), then a
    clean slate for the next one."""
    reset = [SlotSet(slot, None) for slot in (*FORM_SLOTS, "replacing_code")]
    if not tracker.get_slot("clinic_confirm"):
        dispatcher.utter_message(response="utter_booking_stopped")
        return reset
    clinic = services.schedule.clinics[tracker.get_slot("clinic")]
    request = steps.ClinicRequest(
        customer=await customer_id(services, tracker),
        clinic_id=clinic.id,
        session=tracker.get_slot("clinic_session"),
        attendees=tuple(party_of(tracker)),
        replacing=tracker.get_slot("replacing_code"),
    )
    booked = await asyncio.to_thread(steps.book_clinic, services, request)
    result, chosen = booked.result, booked.session
    if chosen is None:
        dispatcher.utter_message(response="utter_clinic_session_gone")
        return reset
    if not result.ok:
        others = ", ".join(session_label(s) for s in result.alternatives)
        dispatcher.utter_message(
            response="utter_clinic_session_filled" if others else "utter_clinic_session_filled_none_free",
            reason=result.reason,
            sessions=others,
            buttons=[
                WAITLIST_BUTTON,
                {"title": "Pick another session", "payload": f"book the {clinic.name}"},
            ],
        )
        offer = {"session_id": chosen.id, "attendees": as_records(list(request.attendees))}
        return [*reset, SlotSet("waitlist_offer", json.dumps(offer))]
    dispatcher.utter_message(
        response="utter_clinic_booked_replacing" if booked.replaced else "utter_clinic_booked",
        clinic_name=clinic.name,
        session=session_label(chosen),
        party=len(request.attendees),
        code=result.code,
        replaced=booked.replaced or "",
        booking_id=result.code,
        topic=f"clinic:{clinic.id}",
    )
    return reset


class ActionJoinWaitlist(UsesServices, Action):
    """A place on the waitlist of the full session just offered; the first to free up is theirs."""

    def name(self) -> str:
        return "action_join_waitlist"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        offer = json.loads(tracker.get_slot("waitlist_offer") or "null")
        done = [SlotSet(slot, None) for slot in (*FORM_SLOTS, "waitlist_offer", "replacing_code")]
        if not offer:
            dispatcher.utter_message(response="utter_no_waitlist_offer")
            return done
        attendees = offer.get("attendees") or [
            {"name": tracker.get_slot("customer_name") or "You", "relation": None, "age": None}
        ]
        request = steps.WaitlistRequest(
            await customer_id(self.services, tracker), offer["session_id"], tuple(attendees)
        )
        result = await asyncio.to_thread(steps.join_waitlist, self.services, request)
        if not result.ok:
            dispatcher.utter_message(text=result.reason)
            return done
        dispatcher.utter_message(
            response="utter_waitlisted",
            party=len(attendees),
            code=result.code,
            booking_id=result.code,
            topic="waitlist",
        )
        return done
