"""Booking a free clinic: which clinic, which session (with seats left), who's coming, confirm."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    AsksNextQuestion,
    Question,
    UsesServices,
    channel_of,
    customer_id,
    messages_since_asked,
    tell_rewards,
    upcoming_bookings,
)
from actions.knowledge import answer_question, clinic_context
from bot.booking import SessionInfo, steps
from bot.booking.attendees import (
    Attendee,
    as_records,
    complete,
    describe,
    from_records,
    headcount,
    name_the_unnamed,
    parse_attendees,
    unknown_count,
)
from bot.booking.choosing import choose
from bot.booking.clinic_talk import (
    asks_about_clinic,
    clinic_named,
    clinics_mentioned,
    fact_asked,
    says_no,
    says_yes,
    takes_any_session,
    without_clinic_names,
)
from bot.booking.schedule import Clinic
from bot.booking.steps import session_label
from bot.booking.talk import is_side_question
from bot.knowledge.offerings import clinic_facts
from bot.profile import InvalidContactDetail, normalise_phone
from bot.profile.contact_details import texting_consent_in
from bot.profile.contacts import ContactDetails
from bot.services import Services

SHOWN_SESSIONS = 4
# A request about the clinics in general ("what clinics do you have?", "any other classes?"): the
# list, not the clinic just talked about.
ALL_CLINICS = re.compile(r"\b(clinics|classes|courses|workshops|(what|which) (clinic|class)|other)\b", re.I)
WAITLIST_BUTTON = {"title": "Join the waitlist", "payload": "/join_waitlist"}  # as in utter_clinic_full
# Who's coming as said so far, while something is still missing (ages, or "just you?").
HEARD = "attendees_heard"
WE = re.compile(r"\b(we|us)\b", re.I)
FORM_SLOTS = ("clinic", "clinic_session", "attendees", "attendee_names", "clinic_confirm", HEARD)
SERVICE_WORDS = re.compile(r"\b(service|appointment|car|oil|repair|maintenance|tires?)\b", re.I)
SKIP = {"skip", "no", "nope", "no thanks", "rather not", "id rather not", "don't save", "dont save", "pass"}


def _session_payload(session: SessionInfo) -> str:
    """A button that fills the slot directly, whatever the classifier would make of the text."""
    return "/book_clinic" + json.dumps({"clinic_session": session_label(session)})


def _open_sessions(
    services: Services, clinic: str, shown: int | None = SHOWN_SESSIONS, moving_from: object = None
) -> list[SessionInfo]:
    """Sessions with seats left: the first few are offered; any of them may come pre-filled (a
    booking change keeps its session). Moving a booking offers the other sessions."""
    return [
        s
        for s in services.bookings.clinic_sessions(clinic, services.now())
        if s.seats_left > 0 and s.starts_at != moving_from
    ][:shown]


async def _moving_from(services: Services, tracker: Tracker, asking: bool = True) -> object:
    """When a clinic booking is being moved (not added to, which keeps its session): the start of
    the session it leaves."""
    code = tracker.get_slot("replacing_code")
    if not code or (asking and tracker.get_slot("clinic_session")):
        return None
    return next((b.starts_at for b in await upcoming_bookings(services, tracker) if b.code == code), None)


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
    moving_from = await _moving_from(services, tracker)
    sessions = await asyncio.to_thread(_open_sessions, services, clinic.id, SHOWN_SESSIONS, moving_from)
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


async def ask_attendees(
    services: Services, dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    """Only what's missing: the ages of those said without one (for a clinic with ages), "just
    you?" after "sign me up", else who's coming."""
    clinic = services.schedule.clinics[tracker.get_slot("clinic")]
    heard = _already_read(tracker.get_slot(HEARD) or "")
    others = [p for p in heard if p.relation is not None]
    ageless = [p for p in others if p.age is None]
    if clinic.ages and ageless:
        dispatcher.utter_message(
            response="utter_ask_ages",
            who=describe(ageless),
            verb="is" if len(ageless) == 1 else "are",
            clinic_name=clinic.name,
            low=clinic.ages[0],
            high=clinic.ages[1],
        )
    elif heard and not others and not clinic.ages:
        dispatcher.utter_message(response="utter_ask_just_you")
    else:
        dispatcher.utter_message(response="utter_who_is_coming")
    return []


FACT_RESPONSES = {
    "bring": "utter_clinic_fact_bring",
    "cost": "utter_clinic_fact_cost",
    "length": "utter_clinic_fact_length",
    "ages": "utter_clinic_fact_ages",
    "where": "utter_clinic_fact_where",
    "when": "utter_clinic_fact_when",
    "what": "utter_clinic_fact_what",
}


def answer_fact(
    services: Services, dispatcher: CollectingDispatcher, clinic: Clinic, kind: str, session: str | None
) -> None:
    """A question about the clinic being booked, answered from its facts in schedule.yml."""
    upcoming = [s for s in services.bookings.clinic_sessions(clinic.id, services.now()) if s.seats_left]
    when = (
        session or "; ".join(session_label(s) for s in upcoming[:3]) or "no sessions in the next three weeks"
    )
    ages = f"ages {clinic.ages[0]}-{clinic.ages[1]}" if clinic.ages else "any age"
    dealership = services.dealership
    dispatcher.utter_message(
        response=FACT_RESPONSES[kind],
        clinic_name=clinic.name,
        bring=clinic.bring or "nothing special",
        cost=clinic.cost or "free",
        minutes=clinic.minutes,
        audience=clinic.audience or "everyone",
        ages=ages,
        address=dealership.address,
        when=when,
        runs=clinic.runs() or "on set days",
        covers=clinic.covers or clinic.audience or clinic.name,
    )


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


def _forget_heard(tracker: Tracker) -> dict[str, Any]:
    """Clear what was heard so far once it's used or wrong (only if there is any)."""
    return {HEARD: None} if tracker.get_slot(HEARD) else {}


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
            "attendees": ask_attendees,
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
            required = [slot for slot in required if slot != "attendee_names"]
        # Kept among the form's slots while set (never asked): rasa_sdk drops the others' values.
        return [*required, HEARD] if tracker.get_slot(HEARD) else required

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """A question about a clinic that started the form ("what's the ev 101 class?", "can my son
        do the teen clinic?") is answered with its facts and a button to book it; nothing starts."""
        text = tracker.latest_message.get("text") or ""
        starting = tracker.get_slot("requested_slot") is None and not tracker.get_slot("replacing_code")
        clinic_id = (
            clinic_named(self.services.schedule, text) if starting and not text.startswith("/") else None
        )
        if clinic_id and asks_about_clinic(text):
            return await self._answer_instead(dispatcher, clinic_id, text)
        return await super().run(dispatcher, tracker, domain)

    async def _answer_instead(
        self, dispatcher: CollectingDispatcher, clinic_id: str, text: str
    ) -> list[EventType]:
        clinic = self.services.schedule.clinics[clinic_id]
        sessions = await asyncio.to_thread(
            self.services.bookings.clinic_sessions, clinic_id, self.services.now()
        )
        people = parse_attendees(_about_people(self.services, text))
        others = [p for p in people if p.relation is not None]
        ages = [p.age for p in others if p.age is not None]
        facts = clinic_facts(clinic, sessions)
        if clinic.ages and ages:
            fits = all(clinic.ages[0] <= a <= clinic.ages[1] for a in ages)
            facts = ("Yes, that fits: " if fits else "That's outside the ages for this one. ") + facts
        dispatcher.utter_message(
            text=facts,
            buttons=[{"title": f"Book the {clinic.name}", "payload": f"sign me up for the {clinic.name}"}],
            topic=f"clinic:{clinic.id}",
        )
        if clinic.ages and not any(p.relation is None for p in people):
            people = [Attendee(None), *people]  # a parent comes along to this one
        kept = [SlotSet(HEARD, json.dumps(as_records(people)))] if others else []
        return [
            *[SlotSet(slot, None) for slot in FORM_SLOTS if slot != HEARD],
            *kept,
            SlotSet("requested_slot", None),
            *clinic_context(clinic.id),  # "how long is it?" next is about this clinic
        ]

    async def extract_clinic(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The clinic named (typos forgiven), or at the start the one just talked about ("book it"
        after its facts)."""
        if tracker.get_slot("clinic"):
            return {}
        text = tracker.latest_message.get("text") or ""
        clinic = clinic_named(self.services.schedule, text) if not text.startswith("/") else None
        if clinic is None and tracker.get_slot("requested_slot") is None and not ALL_CLINICS.search(text):
            clinic = clinic_discussed(self.services, tracker)
        return {"clinic": clinic} if clinic else {}

    async def extract_attendees(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Who's coming, when the request already says it ("sign me and my son Ethan (16) up for
        the teen clinic"): read once, at the start or with the clinic, and only asked for what's
        missing. A bare "sign me up" doesn't undo a party said before."""
        text = tracker.latest_message.get("text") or ""
        requested = tracker.get_slot("requested_slot")
        if tracker.get_slot("attendees") or text.startswith("/"):
            return {}
        clinic = self.services.schedule.clinics.get(tracker.get_slot("clinic") or "")
        if (
            clinic is not None and clinic.seats == 1
        ):  # one car's seat check: the customer, nobody to ask about
            return {
                "attendees": json.dumps(as_records([Attendee(tracker.get_slot("customer_name") or None)]))
            }
        if requested == "attendees":  # an answer the classifier took for a question (the slot's
            return {"attendees": text} if _answers_attendees(tracker) else {}  # mapping skipped it)
        said = _about_people(self.services, text)
        who = parse_attendees(said, tracker.get_slot("customer_name"))
        if requested == "clinic_session":  # "book it for me and my husband Tom" while choosing
            people = any(p.said_as for p in who) or (len(who) > 1 and any(p.relation is None for p in who))
            return {"attendees": said} if people and not is_side_question(text) else {}
        if requested not in (None, "clinic"):
            return {}
        heard = tracker.get_slot(HEARD)
        if all(p.relation is None for p in who):
            if heard:  # "sign me up" after "can my son do it? he's 15": that party
                return {"attendees": heard} if tracker.get_slot("clinic") else {}
            return {HEARD: json.dumps(as_records(who))} if who else {}
        return {"attendees": said} if tracker.get_slot("clinic") else {HEARD: json.dumps(as_records(who))}

    async def extract_clinic_session(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A session picked in words the classifier took for a question ("that one", "whichever");
        or, as the booking starts, one the request picks from the sessions the clinic's facts just
        listed, or by its day ("the saturday one", "the tech clinic on tuesday")."""
        if tracker.get_slot("clinic_session"):
            return {}
        text = tracker.latest_message.get("text") or ""
        requested = tracker.get_slot("requested_slot")
        if requested == "clinic_session":
            return {"clinic_session": text} if _answers_session(tracker) else {}
        schedule = self.services.schedule
        clinic = (
            tracker.get_slot("clinic")
            or clinic_named(schedule, text)
            or clinic_discussed(self.services, tracker)
        )
        if requested is not None or clinic is None or text.startswith("/"):
            return {}
        sessions = await asyncio.to_thread(_open_sessions, self.services, clinic)
        starts = [s.starts_at for s in sessions]
        return {"clinic_session": text} if choose(text, starts, self.services.now()) else {}

    def validate_attendees_heard(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {HEARD: value}

    async def extract_clinic_confirm(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """ "Confirm", "yep", "sounds good", "do it", "book it": a yes, whatever the classifier thought."""
        if (
            tracker.get_slot("requested_slot") != "clinic_confirm"
            or tracker.get_slot("clinic_confirm") is not None
        ):
            return {}
        text = tracker.latest_message.get("text") or ""
        if says_no(text):
            return {"clinic_confirm": False}
        if says_yes(text):
            return {"clinic_confirm": True}
        return await self._changed_at_summary(text, dispatcher, tracker, domain) or {}

    async def _number_given(self, text: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
        phone = _phone_in(text)
        if phone is None:
            return False
        details = ContactDetails(
            phone=phone, sms_consent=texting_consent_in(text), source=channel_of(tracker)
        )
        customer = await customer_id(self.services, tracker)
        await asyncio.to_thread(self.services.profiles.record_contact_details, customer, details)
        dispatcher.utter_message(response="utter_number_noted", phone=phone)
        return True

    async def validate_clinic_confirm(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A yes only when it says yes: "only me" read as agreement changes who's coming instead."""
        text = tracker.latest_message.get("text") or ""
        if value is not True or text.startswith("/") or says_yes(text):
            return {"clinic_confirm": value}
        return await self._changed_at_summary(text, dispatcher, tracker, domain) or {"clinic_confirm": value}

    async def _changed_at_summary(
        self, text: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any] | None:
        """At the summary, who's coming ("just me", "me and Eli, he's 17") or another session ("the
        5 o'clock one") changes the booking, and the summary is shown again to confirm. A phone
        number given there ("312-555-0201, texts ok") is saved to the profile, not a new form."""
        if await self._number_given(text, dispatcher, tracker):
            return {"clinic_confirm": None}
        if parse_attendees(_about_people(self.services, text), tracker.get_slot("customer_name")):
            return {**self.validate_attendees(text, dispatcher, tracker, domain), "clinic_confirm": None}
        picked = (await self.validate_clinic_session(text, CollectingDispatcher(), tracker, domain)).get(
            "clinic_session"
        )
        if picked and picked == tracker.get_slot("clinic_session"):
            return {"clinic_confirm": True}  # "4:00" at "Wed Dec 2, 4:00 PM ... shall I book it?"
        return {"clinic_session": picked, "clinic_confirm": None} if picked else None

    def validate_clinic(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"clinic": value if value in self.services.schedule.clinics else None}

    async def validate_clinic_session(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        said = str(value or "").strip()
        clinic = tracker.get_slot("clinic")
        sessions = await asyncio.to_thread(_open_sessions, self.services, clinic, None)
        by_label = {session_label(s).lower(): s for s in sessions}
        moving_from = await _moving_from(self.services, tracker, asking=False)
        shown = [s for s in sessions if s.starts_at != moving_from][:SHOWN_SESSIONS]
        starts = [s.starts_at for s in shown]
        picked = by_label.get(said.lower()) or next(
            (s for s in shown if s.starts_at == choose(said, starts, self.services.now())), None
        )
        if picked is None and shown and takes_any_session(said):
            picked = shown[0]  # "book it", "whichever has room": the first with seats left
        if picked is None:
            kind = fact_asked(said)
            if kind:  # answered, then the sessions are offered again
                answer_fact(self.services, dispatcher, self.services.schedule.clinics[clinic], kind, None)
            else:
                dispatcher.utter_message(response="utter_clinic_session_not_matched")
            return {"clinic_session": None}
        return {"clinic_session": session_label(picked)}

    def validate_attendees(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Who's coming, completing what was said before ("Ava, she's 17" after "me and my
        daughter"; "yes" to "just you?"); a question about the clinic is answered instead."""
        said = str(value or "")
        if tracker.get_slot("clinic") not in self.services.schedule.clinics:
            return {"attendees": None}
        clinic = self.services.schedule.clinics[tracker.get_slot("clinic")]
        heard = _already_read(tracker.get_slot(HEARD) or "")
        text = _about_people(self.services, said)
        who = _already_read(said) or complete(heard, text, tracker.get_slot("customer_name"))
        if fact_asked(said) and not any(p.said_as or p.age is not None for p in who):
            who = []  # "what do I bring?", "is it free?": nobody called "Free" is coming
        if who and all(p.relation is not None for p in who) and (clinic.ages or WE.search(text)):
            who = [Attendee(tracker.get_slot("customer_name") or None), *who]  # "we both"; a parent comes too
        if not who and heard and says_yes(said):
            who = heard  # "yes", "that's right": what we already know
        if not who:
            kind = fact_asked(said)
            if kind:
                answer_fact(self.services, dispatcher, clinic, kind, tracker.get_slot("clinic_session"))
            elif not heard:
                dispatcher.utter_message(response="utter_attendees_not_caught")
            return {"attendees": None}
        party = max(len(who), headcount(text) or 0)
        if party > clinic.seats:
            dispatcher.utter_message(response="utter_clinic_party_too_big", seats=clinic.seats, party=party)
            return {"attendees": None, **_forget_heard(tracker)}
        if unknown_count(text):
            dispatcher.utter_message(response="utter_how_many_coming")
            return {"attendees": None, **_forget_heard(tracker)}
        if clinic.ages and not any(a.age and clinic.ages[0] <= a.age <= clinic.ages[1] for a in who):
            if any(p.age is None for p in who if p.relation is not None):
                dispatcher.utter_message(response="utter_attendees_so_far", who=describe(who))
                return {"attendees": None, HEARD: json.dumps(as_records(who))}  # their ages are asked next
            low, high = clinic.ages
            dispatcher.utter_message(
                response="utter_clinic_ages", clinic_name=clinic.name, low=low, high=high
            )
            return {"attendees": None, **_forget_heard(tracker)}
        return {"attendees": json.dumps(as_records(who)), "attendee_names": None, **_forget_heard(tracker)}

    def validate_attendee_names(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Names for the family members said without one; "skip" books them without saving them."""
        said = str(value or "").strip()
        if " ".join(re.findall(r"[a-z']+", said.lower())) in SKIP:
            return {"attendee_names": "skip"}
        people = party_of(tracker)
        named = name_the_unnamed(people, said)
        if named is None and messages_since_asked(tracker, "attendee_names") >= 3:
            dispatcher.utter_message(response="utter_names_skipped")  # never the same complaint a third time
            return {"attendee_names": "skip"}
        if named is None:
            missing = sum(p.needs_name for p in people)
            dispatcher.utter_message(
                response="utter_names_needed", missing=missing, count="name" if missing == 1 else "names"
            )
            return {"attendee_names": None}
        return {"attendees": json.dumps(as_records(named)), "attendee_names": "given"}


def _phone_in(text: str) -> str | None:
    try:
        return normalise_phone(text) if re.search(r"\d{3}\D{0,2}\d{3}\D?\d{4}", text) else None
    except InvalidContactDetail:
        return None


def _about_people(services: Services, text: str) -> str:
    """The text with clinic and vehicle names taken out: "the teen clinic" brings no teenager, and
    "we just got an Ion" nobody called Ion."""
    return services.knowledge.without_vehicle_names(without_clinic_names(services.schedule, text))


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
    tell_rewards(dispatcher, booked.rewards)
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


SIDE_INTENTS = {"ask_info", "ask_vehicle"}


def _intent(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def _answers_attendees(tracker: Tracker) -> bool:
    """ "Just myself" classified as a question: an answer to who's coming all the same."""
    text = tracker.latest_message.get("text") or ""
    return _intent(tracker) in SIDE_INTENTS and not fact_asked(text) and bool(parse_attendees(text))


def _answers_session(tracker: Tracker) -> bool:
    text = tracker.latest_message.get("text") or ""
    return _intent(tracker) in SIDE_INTENTS and not fact_asked(text) and takes_any_session(text)


def clinic_discussed(services: Services, tracker: Tracker, turns: int = 1) -> str | None:
    """The one clinic our last replies (or the customer's last messages) were about, so "book it"
    after its facts books that clinic."""
    schedule = services.schedule
    topic = tracker.get_slot("kb_topic") or ""
    users = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
            if users > turns:
                break
            if users == 1:
                continue  # the request itself
        if event.get("event") not in ("user", "bot"):
            continue
        buttons = (event.get("data") or {}).get("buttons") or []
        said = " ".join([event.get("text") or "", *(str(b.get("payload", "")) for b in buttons)])
        found = clinics_mentioned(schedule, said)
        if len(found) == 1:
            return found.pop()
        if found:
            return None
    clinic = topic.removeprefix("clinic:")
    return clinic if topic.startswith("clinic:") and clinic in schedule.clinics else None


class ActionBookDiscussed(UsesServices, Action):
    """ "Book it" / "sign me up" right after an answer: the clinic the answer was about, else a
    service visit (what a booking word after a maintenance or price answer means)."""

    def name(self) -> str:
        return "action_book_discussed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        about_service = self.services.schedule.services_in(text) or SERVICE_WORDS.search(text)
        clinic = None if about_service else clinic_discussed(self.services, tracker)
        if clinic is None:
            return [FollowupAction("service_form")]
        return [SlotSet("clinic", clinic), FollowupAction("clinic_form")]


class ActionClinicSideQuestion(UsesServices, Action):
    """A question while booking a clinic: about the clinic ("what do I bring?", "how long is it?")
    from its facts, anything else as any question is answered; then the form asks again."""

    def name(self) -> str:
        return "action_clinic_side_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        requested = tracker.get_slot("requested_slot")
        if (requested == "attendees" and _answers_attendees(tracker)) or (
            requested == "clinic_session" and _answers_session(tracker)
        ):
            return []  # an answer, not a question: the form takes it next
        clinic = self.services.schedule.clinics.get(tracker.get_slot("clinic") or "")
        kind = fact_asked(text)
        named = self.services.schedule.clinic_in(text)
        if clinic is not None and kind and named in (None, clinic.id):
            await asyncio.to_thread(
                answer_fact, self.services, dispatcher, clinic, kind, tracker.get_slot("clinic_session")
            )
            return []
        return await answer_question(self.services, dispatcher, tracker, text)
