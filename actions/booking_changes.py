"""Cancelling or moving one's own booking: by its code, or picked from one's upcoming bookings.

A code only ever finds bookings on the asking customer's own profile, so someone else's code
(from another phone) gets the same answer as a code that doesn't exist: nothing is revealed.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime, timedelta
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import clinics, service
from actions.common import AsksNextQuestion, Question, UsesServices, customer_id, upcoming_bookings
from actions.knowledge import answer_question
from bot.booking import (
    Preference,
    Schedule,
    UnreadableTime,
    UpcomingBooking,
    day_in,
    mentions_time,
    read_preference,
    steps,
)
from bot.booking.attendees import Attendee, from_records
from bot.booking.changes import change_asked
from bot.booking.choosing import position_in, question_after_stop
from bot.booking.clinic_talk import says_no, says_yes
from bot.booking.steps import session_label
from bot.booking.store import SessionInfo
from bot.booking.when import PARTS_OF_DAY
from bot.profile import VehicleDetails
from bot.services import Services

FORM_SLOTS = ("booking_code", "change_confirm")
BOOKING_SLOTS = (
    *FORM_SLOTS,
    "change_kind",
    "change_when",
    *clinics.FORM_SLOTS,
    "waitlist_offer",
    *service.FORM_SLOTS,
)
CODE_SHAPE = re.compile(r"\b[A-Za-z0-9]{6}\b")
BARE_CODE = re.compile(r"[A-HJKMNP-Z2-9]{6}", re.I)  # only what a booking code can be made of
LISTED = 5  # bookings shown as buttons
CONFIRMING = {"cancel it", "yes cancel it", "move it", "yes move it", "please cancel", "cancel"}
GENERIC_WORDS = {"clinic", "class", "the", "and", "for", "driver", "driving", "safety", "new", "car"}


def _pick(services: Services, text: str, upcoming: list[UpcomingBooking]) -> UpcomingBooking | None:
    """The booking a message means: its code, "the second one", "yes" when there's one, the day
    ("the one on friday"), or what it's for ("the oil change one", "the teen clinic")."""
    by_code = {b.code: b for b in upcoming}
    for token in CODE_SHAPE.findall(text):
        if token.upper() in by_code:
            return by_code[token.upper()]
    listed = upcoming[:LISTED]
    index = position_in(text, len(listed))
    if index is not None:
        return listed[index]
    day = day_in(text, services.now().date())
    matching = [b for b in upcoming if day is None or b.starts_at.date() == day]
    named = [b for b in matching if _is_about(services.schedule, text, b)]
    if named or day is not None:
        matching = named or matching
        return matching[0] if len(matching) == 1 else None
    return None


def _the_only_one(text: str, upcoming: list[UpcomingBooking]) -> UpcomingBooking | None:
    """ "Cancel my booking" with exactly one upcoming: that one (it's still confirmed before
    anything changes), unless the request names a code or something else."""
    if len(upcoming) != 1 or any(_looks_like_code(t) for t in CODE_SHAPE.findall(text)):
        return None
    said = text.lower()
    booking = upcoming[0]
    other_kind = "service" if booking.kind == "clinic" else "clinic"
    if re.search(rf"\b{other_kind}\b", said):
        return None
    return booking


def _looks_like_code(token: str) -> bool:
    """A six-character word typed as a code ("K7M2QX", "ABCDEF"), not a word like "cancel"."""
    return bool(BARE_CODE.fullmatch(token)) and (token.isupper() or any(c.isdigit() for c in token))


def _is_about(schedule: Schedule, text: str, booking: UpcomingBooking) -> bool:
    """Whether a message names what a booking is for: one of its services (by name or alias) or
    a distinctive word of its clinic's name ("teen", "winter"), or its kind ("the clinic one")."""
    said = text.lower()
    if booking.kind == "service":
        return bool(set(schedule.services_in(text)) & set(booking.services)) or "service" in said
    words = {w for w in re.findall(r"[a-z0-9]+", booking.what.lower()) if len(w) > 1} - GENERIC_WORDS
    return "clinic" in said or "class" in said or any(re.search(rf"\b{w}", said) for w in words)


INSTEAD_OF = re.compile(
    r"\binstead(?: of ((?:the |my |our )?[\w:']+(?: (?:morning|afternoon|evening|at \S+))?))?", re.I
)


def _split_new_time(text: str) -> tuple[str, str | None]:
    """ "move my friday oil change to thursday at 10" -> ("move my friday oil change", "thursday at
    10"): which booking, and the new time asked for, if any. With "instead" the time said is the
    new one ("can we do saturday morning instead", "wednesday instead of tuesday")."""
    for joint in reversed(list(re.finditer(r"\b(?:to|till|until|for|into)\b", text, flags=re.I))):
        rest = text[joint.end() :].strip(" ?.!")
        if mentions_time(INSTEAD_OF.sub(" ", rest)):
            return text[: joint.start()].strip(), INSTEAD_OF.sub(" ", rest).strip()
    instead = INSTEAD_OF.search(text)
    if instead and mentions_time(INSTEAD_OF.sub(" ", text)):
        return instead[1] or text, INSTEAD_OF.sub(" ", text).strip(" ?.!")
    return text, None


class ValidateBookingChangeForm(AsksNextQuestion, FormValidationAction):
    def name(self) -> str:
        return "validate_booking_change_form"

    def questions(self) -> dict[str, Question]:
        return {"booking_code": ask_booking_code, "change_confirm": ask_change_confirm}

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """A new time named in the request is kept among the form's slots (never asked for):
        rasa_sdk drops the values of slots a form doesn't require."""
        return [*domain_slots, "change_when"] if tracker.get_slot("change_when") else domain_slots

    async def extract_booking_code(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The request itself may say which booking ("cancel ABC234", "cancel my appointment on
        friday", or the `booking_code` of a reply of R to a reminder) and, to move it, the new time
        ("move my oil change to thursday at 10")."""
        if tracker.get_slot("booking_code") or tracker.get_slot("requested_slot") == "booking_code":
            return {}
        which, new_time = _split_new_time(tracker.latest_message.get("text") or "")
        slots: dict[str, Any] = {}
        if tracker.get_slot("change_kind") == "reschedule" and new_time:
            slots["change_when"] = new_time
        else:
            which = tracker.latest_message.get("text") or ""
        which = next(tracker.get_latest_entity_values("booking_code"), None) or which
        upcoming = await upcoming_bookings(self.services, tracker)
        chosen = _pick(self.services, which, upcoming) or _the_only_one(which, upcoming)
        return {**slots, "booking_code": chosen.code} if chosen else slots

    async def extract_change_confirm(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """ "Confirm", "yep", "do it", "sounds good": a yes (and "nope" a no), whatever the classifier
        thought."""
        if (
            tracker.get_slot("requested_slot") != "change_confirm"
            or tracker.get_slot("change_confirm") is not None
        ):
            return {}
        text = tracker.latest_message.get("text") or ""
        if text.strip(" .!").lower() in CONFIRMING or (says_yes(text) and not says_no(text)):
            return {"change_confirm": True}
        if says_no(text):
            return {"change_confirm": False}
        return self._new_time_at_confirmation(text, tracker)

    def _new_time_at_confirmation(self, text: str, tracker: Tracker) -> dict[str, Any]:
        """At "Move it to Thursday at 6 PM?", "thursday" again is a yes; another time ("friday at
        9 instead") becomes the new time, asked again."""
        wish = tracker.get_slot("change_when")
        if tracker.get_slot("change_kind") != "reschedule" or not mentions_time(text):
            return {}
        now = self.services.now()
        try:
            said, asked = read_preference(text, now), read_preference(wish or "", now)
        except UnreadableTime:
            return {"change_when": text} if wish is None else {}
        if said.day == asked.day and said.at in (None, asked.at):
            return {"change_confirm": True}
        return {"change_when": text, "change_confirm": None}

    async def validate_booking_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        upcoming = await upcoming_bookings(self.services, tracker)
        chosen = _pick(self.services, str(value or ""), upcoming)
        if chosen is None:
            dispatcher.utter_message(
                response="utter_booking_code_not_found"
                if CODE_SHAPE.search(str(value or ""))
                else "utter_which_booking_unclear"
            )
            return {"booking_code": None}
        return {"booking_code": chosen.code}


async def ask_booking_code(
    services: Services, dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    upcoming = await upcoming_bookings(services, tracker)
    if not upcoming:
        dispatcher.utter_message(response="utter_no_bookings_which_code")
        return []
    dispatcher.utter_message(
        response="utter_which_booking",
        buttons=[{"title": b.label(), "payload": b.code} for b in upcoming[:LISTED]],
    )
    return []


async def ask_change_confirm(
    services: Services, dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    booking = next(
        b for b in await upcoming_bookings(services, tracker) if b.code == tracker.get_slot("booking_code")
    )
    moving = tracker.get_slot("change_kind") == "reschedule"
    new_time = _new_time_words(services, tracker, booking) if moving else None
    if not moving:
        dispatcher.utter_message(response="utter_confirm_cancel", booking=booking.label())
    elif new_time:
        dispatcher.utter_message(response="utter_confirm_move_to", booking=booking.label(), when=new_time)
    else:
        dispatcher.utter_message(response="utter_confirm_move", booking=booking.label())
    return []


def _new_time_words(services: Services, tracker: Tracker, booking: UpcomingBooking) -> str | None:
    """ "Thursday Dec 10 at 10 AM": the new time the request asked for, as we read it (a day alone
    keeps the booking's own time: "move it to Thursday" is Thursday at the same time; a part of
    the day is its first free time; a clinic, its session that day)."""
    wish = tracker.get_slot("change_when")
    if not wish:
        return None
    try:
        wanted = read_preference(wish, services.now())
    except UnreadableTime:
        return wish
    target = _move_target(services, booking, wish)
    if target is not None:
        return Preference(target.date(), target.time()).describe()
    if wanted.window:
        part = next((f" {part}" for part, span in PARTS_OF_DAY.items() if wanted.window == span), "")
        return f"{wanted.describe()}{part}"
    return wanted.describe()


def _move_target(services: Services, booking: UpcomingBooking, wish: str | None) -> datetime | None:
    """The exact new start a move asks for, so that one yes moves it: the time said, or the
    booking's own time on the day said; for a part of the day ("Saturday morning") its first
    free time; for a clinic, its session that day with room. None when nothing fits: the
    booking form then offers times or sessions."""
    if not wish:
        return None
    try:
        wanted = read_preference(wish, services.now())
    except UnreadableTime:
        return None
    if booking.kind == "clinic":
        session = _session_moved_to(services, booking, wanted)
        return session.starts_at if session else None
    tz = services.dealership.tz
    if wanted.window:
        opens, closes = (datetime.combine(wanted.day, t, tzinfo=tz) for t in wanted.window)
        bookings = services.bookings
        after = max(opens, services.now()) - timedelta(minutes=1)
        free = bookings.free_service_starts(bookings.service_minutes(booking.services), after, 1, closes)
        return free[0] if free else None
    return datetime.combine(wanted.day, wanted.at or booking.starts_at.time(), tzinfo=tz)


def _session_moved_to(services: Services, booking: UpcomingBooking, wanted: Preference) -> SessionInfo | None:
    """The clinic's session on the day asked for (at the time asked, if one was) with room for
    the same party."""
    party = max(1, len(booking.attendees))
    sessions = services.bookings.clinic_sessions(booking.clinic or "", services.now())
    return next(
        (
            s
            for s in sessions
            if s.starts_at.date() == wanted.day
            and (wanted.at is None or s.starts_at.time() == wanted.at)
            and s.seats_left >= party
            and s.starts_at != booking.starts_at
        ),
        None,
    )


def _moved_at(services: Services, customer: int, booking: UpcomingBooking, start: datetime) -> steps.Booked:
    """The same visit (or clinic party) at `start`, the old booking cancelled once the new one is made."""
    if booking.kind == "clinic":
        session = next(
            s
            for s in services.bookings.clinic_sessions(booking.clinic or "", services.now())
            if s.starts_at == start
        )
        party = tuple(from_records(booking.attendees)) or (Attendee(None),)
        return steps.book_clinic(
            services,
            steps.ClinicRequest(customer, booking.clinic or "", session_label(session), party, booking.code),
        )
    vehicle = VehicleDetails(**booking.vehicle) if booking.vehicle.get("model") else None
    request = steps.ServiceRequest(
        customer=customer,
        start=start,
        service_ids=tuple(booking.services),
        vehicle=vehicle,
        transport=booking.transport or "wait",
        replacing=booking.code,
    )
    return steps.book_service(services, request)


class ActionChangeBooking(UsesServices, Action):
    """Cancel now; or, to move it, start the booking form again with what's kept and the old
    booking cancelled only once the new one is made (so nobody ends up with neither)."""

    def name(self) -> str:
        return "action_change_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reset = [SlotSet(slot, None) for slot in (*FORM_SLOTS, "change_kind", "change_when")]
        code = tracker.get_slot("booking_code")
        booking = next((b for b in await upcoming_bookings(self.services, tracker) if b.code == code), None)
        if not tracker.get_slot("change_confirm") or booking is None:
            dispatcher.utter_message(response="utter_booking_unchanged")
            return reset
        customer = await customer_id(self.services, tracker)
        if tracker.get_slot("change_kind") == "reschedule":
            wish = tracker.get_slot("change_when")
            target = _move_target(self.services, booking, wish)
            if target is not None:  # confirmed as "Move ... to <that time>?": one yes is enough
                moved = await asyncio.to_thread(_moved_at, self.services, customer, booking, target)
                if moved.result.ok:
                    dispatcher.utter_message(
                        response="utter_booking_moved",
                        what=booking.what,
                        when=f"{target:%a %b} {target.day}, {target:%-I:%M %p}",
                        code=moved.result.code,
                        old=booking.code,
                        booking_id=moved.result.code,
                        topic=f"reschedule:{booking.kind}",
                    )
                    return reset
            return [*reset, *_rebook(booking, wish, dispatcher)]
        result = await asyncio.to_thread(steps.cancel, self.services, customer, code)
        if not result.ok:
            dispatcher.utter_message(text=result.reason)
            return reset
        dispatcher.utter_message(
            response="utter_booking_cancelled",
            booking=booking.label(),
            booking_id=code,
            topic=f"cancel:{booking.kind}",
        )
        return reset


def _rebook(
    booking: UpcomingBooking, new_time: str | None, dispatcher: CollectingDispatcher
) -> list[EventType]:
    """The booking form again with what's kept; a new service time said in the request is taken
    as if answered (clinic sessions are picked from their list)."""
    dispatcher.utter_message(response="utter_rebooking", what=booking.what)
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
            SlotSet("service_when", new_time),
            FollowupAction("service_form"),
        ]
    return [
        SlotSet("clinic", booking.clinic),
        SlotSet("attendees", json.dumps(booking.attendees) if booking.attendees else None),
        SlotSet("attendee_names", "skip"),  # their names were asked when it was booked
        SlotSet("replacing_code", booking.code),
        FollowupAction("clinic_form"),
    ]


class ActionStopBooking(UsesServices, Action):
    """ "Never mind" during any booking: nothing is written, and nothing said so far lingers to
    pre-fill the next booking. "Never mind, how do I pair my phone?" also gets its answer."""

    def name(self) -> str:
        return "action_stop_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = (tracker.latest_message.get("text") or "").strip()
        if tracker.get_slot("change_kind") and BARE_CODE.fullmatch(text):
            # A booking code typed where we asked for one is an answer, whatever the classifier
            # made of six random letters: back to the booking change with it.
            return [SlotSet("booking_code", text), FollowupAction("booking_change_form")]
        dispatcher.utter_message(response="utter_booking_stopped")
        reset: list[EventType] = [SlotSet(slot, None) for slot in BOOKING_SLOTS]
        question = question_after_stop(tracker.latest_message.get("text") or "")
        return reset + (
            await answer_question(self.services, dispatcher, tracker, question) if question else []
        )


class ActionNeverMind(UsesServices, Action):
    """ "Never mind" / "forget it" outside a form: the question that follows it, if any, is
    answered; otherwise "anything else?"."""

    def name(self) -> str:
        return "action_never_mind"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        question = question_after_stop(tracker.latest_message.get("text") or "")
        if question and change_asked(self.services.schedule, question) == "cancel_booking":
            # "never mind, please cancel the car seat check": the booking made earlier
            return [SlotSet("change_kind", "cancel"), FollowupAction("booking_change_form")]
        if question:
            return await answer_question(self.services, dispatcher, tracker, question)
        dispatcher.utter_message(response="utter_anything_else")
        return []
