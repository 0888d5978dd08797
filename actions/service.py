"""Booking a service appointment: what needs doing, on which car, when, getting home, confirm.

The customer may say everything at once ("oil change for my 2023 Lumen next Tuesday
morning") or piece by piece, and may change any of it mid-way ("actually make it Thursday").
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    AsksNextQuestion,
    Question,
    channel_of,
    customer_id,
    messages_since_asked,
    read_once_per_call,
    tell_rewards,
)
from actions.contact import validate_phone_and_consent
from bot.booking import Preference, UnreadableTime, mentions_time, read_preference, steps
from bot.booking.choosing import chosen_start, is_yes, position_in
from bot.booking.talk import TRANSPORT_WORDS, is_side_question, transport_in
from bot.booking.when import next_weekday_read
from bot.profile import (
    ContactDetails,
    InvalidVin,
    VehicleDetails,
    normalise_phone,
    normalise_vin,
    texting_consent_in,
)
from bot.services import Services

# What one booking collects (cleared when it's booked or abandoned). A declined phone number stays
# declined for the rest of the conversation: nobody wants to be asked twice.
FORM_SLOTS = (
    "service_items",
    "service_vehicle",
    "vin",
    "service_when",
    "service_offers",
    "service_transport",
    "service_confirm",
    "phone",
    "sms_consent",
    "replacing_code",
    "service_wish",
)
# What the confirmation's summary shows; changing any of them means confirming again.
CONFIRMED_SLOTS = ("service_items", "service_vehicle", "vin", "service_when", "service_transport")
TRANSPORT = ("loaner", "shuttle", "wait")
# Messages these intents carry go to their own rules (a person, a price, stopping), never to a slot.
ELSEWHERE_INTENTS = {"ask_price", "human_handoff", "escalate", "stop", "bot_challenge"}
# The classifier's "question" intents: their messages fill slots only when they aren't questions
# by their form ("2025 tessa platinum", "I'll wait in the lounge" are answers).
QUESTION_INTENTS = {"ask_vehicle", "ask_info", "tell_more"}


def _label(start: datetime) -> str:
    return f"{start:%a %b %-d, %-I:%M %p}"


THAT_CAR = re.compile(
    r"\b(that|this|the same|same|my|our) (car|one|vehicle|suv|truck|ride)\b|\b(on|for) (it|her)\b", re.I
)


def _car_in_talk(tracker: Tracker) -> str:
    """The car the conversation is about: the customer's own, else the one the last answer was about."""
    mine = tracker.get_slot("kb_my_vehicle")
    if mine:
        return str(mine)
    parts = (tracker.get_slot("kb_year"), tracker.get_slot("kb_model"), tracker.get_slot("kb_trim"))
    return " ".join(str(p) for p in parts if p)


def _said(tracker: Tracker, slot: str) -> str:
    """The customer's words, where they may fill `slot`: any message that isn't a question on the
    side ("does the Tessa have heated seats?", "what time do you close on saturday?"), whatever
    the classifier thought of it, at any question; never a button payload like
    '/book_service{...}', nor a request for a person, a price or to stop."""
    text = tracker.latest_message.get("text") or ""
    intent = tracker.latest_message.get("intent", {}).get("name")
    if text.startswith("/") or intent in ELSEWHERE_INTENTS or is_side_question(text):
        return ""
    return text


def _asked(tracker: Tracker, slot: str) -> bool:
    return tracker.get_slot("requested_slot") == slot


def _answered_something_else(tracker: Tracker, slot: str) -> bool:
    """Whether this message gave another of the form's values ("312 555 0172, texts ok" at the
    transport question): then not answering `slot` is no mistake to point out."""
    return any(name != slot and value is not None for name, value in tracker.slots_to_validate().items())


def _year_alone(text: str) -> int | None:
    """The car's year said on its own or as a correction ("2024", "sorry i meant 2023")."""
    said = text.lower()
    if len(said.split()) > 6 or len(re.findall(r"\d", said)) != 4:
        return None
    found = re.fullmatch(
        r"\W*(?:(?:sorry|oops|no|nope|actually|i|meant|mean|it'?s|its|make|that|it|a)\W+)*"
        r"((?:19|20)\d\d)\W*(?:model|sorry|not \w+)?\W*",
        said,
    )
    return int(found[1]) if found else None


def _services(tracker: Tracker) -> list[str]:
    return [s for s in (tracker.get_slot("service_items") or "").split(",") if s]


def _minutes(services: Services, tracker: Tracker) -> int:
    return services.bookings.service_minutes(_services(tracker))


def _vehicle_in(services: Services, text: str) -> VehicleDetails | None:
    """The Corvane a message names; any model year we might service (the knowledge base only
    knows the years on sale), so "my 2014 Lumen" keeps its year."""
    found = services.knowledge.vehicle_in(text)
    if found is None:
        return None
    year = found.year or next(
        (
            int(y)
            for y in re.findall(r"\b((?:19|20)\d\d)\b", text)
            if 1990 <= int(y) <= services.now().year + 1
        ),
        None,
    )
    return VehicleDetails(found.model, found.trim, year)


async def _profile_vehicle(services: Services, text: str, tracker: Tracker) -> VehicleDetails | None:
    """One of the profile's cars (the buttons offered) picked in words: "the second one", "the
    2021", "the tessa" (then with the year and trim on file), or "yes" when there is one."""
    known = await asyncio.to_thread(services.profiles.vehicles_of, await customer_id(services, tracker))
    cars = list({_vehicle_label(v): v for v in known}.values())
    index = position_in(text, len(cars))
    if index is not None:
        return cars[index]
    model = services.knowledge.vehicle_in(text)
    year = re.search(r"\b(?:19|20)(\d\d)\b|'(\d\d)\b", text)
    if model is None and year is None:
        return None
    named = [
        car
        for car in cars
        if (model is None or car.model == model.model)
        and (year is None or str(car.year or "").endswith(year[1] or year[2]))
    ]
    return named[0] if len(named) == 1 else None


def _vehicle(services: Services, tracker: Tracker) -> VehicleDetails | None:
    return _vehicle_in(services, tracker.get_slot("service_vehicle") or "")


def _vehicle_label(vehicle: VehicleDetails) -> str:
    return " ".join(str(part) for part in (vehicle.year, vehicle.model, vehicle.trim) if part)


class ValidateServiceForm(AsksNextQuestion, FormValidationAction):
    def name(self) -> str:
        return "validate_service_form"

    def questions(self) -> dict[str, Question]:
        return {
            "service_items": ask_service_items,
            "service_vehicle": ask_service_vehicle,
            "service_when": ask_service_when,
            "service_confirm": ask_service_confirm,
        }

    async def submit(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return await book_service(self.services, dispatcher, tracker)

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """A VIN only for a recall; a phone only if we have none (and not on SMS, where we do)."""
        schedule = self.services.schedule
        needed = list(domain_slots)
        if not any(schedule.services[s].needs_vin for s in _services(tracker) if s in schedule.services):
            needed.remove("vin")
        customer = await customer_id(self.services, tracker)
        has_phone = channel_of(tracker) == "sms" or await read_once_per_call(
            tracker, "reachable_phone", lambda: self.services.profiles.reachable_phone(customer)
        )
        if has_phone or tracker.get_slot("phone_declined"):
            needed = [s for s in needed if s not in ("phone", "sms_consent")]
        return needed

    # --- what needs doing ------------------------------------------------------------------

    async def extract_service_items(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Services named in any message; "also rotate the tires" adds, "just the oil change" replaces."""
        said = _said(tracker, "service_items")
        named = self.services.schedule.services_in(said)
        if not named:
            return {}  # an answer that names no service is explained by validate_service_items
        replace = tracker.get_slot("requested_slot") == "service_items" or any(
            w in said.lower() for w in ("just", "only", "instead")
        )
        keep = [] if replace else _services(tracker)
        return {"service_items": ",".join(dict.fromkeys([*keep, *named]))}

    async def validate_service_items(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        schedule = self.services.schedule
        text = str(value or "")
        chosen = [s for s in text.split(",") if s in schedule.services] or schedule.services_in(text)
        if not chosen:
            if not _answered_something_else(tracker, "service_items"):
                again = messages_since_asked(tracker, "service_items") % 2 == 0
                dispatcher.utter_message(
                    response="utter_service_not_on_menu_again" if again else "utter_service_not_on_menu"
                )
            return {"service_items": None}
        vehicle = _vehicle(self.services, tracker)
        slots = self._fit(chosen, vehicle, dispatcher) if vehicle else {"service_items": ",".join(chosen)}
        wish = tracker.get_slot("service_wish")
        if wish and slots["service_items"]:  # a day said before we knew how long the visit takes
            chosen = slots["service_items"].split(",")
            slots.update(
                await _resolve_when(self.services, wish, chosen, tracker, dispatcher), service_wish=None
            )
        return slots

    # --- which car -------------------------------------------------------------------------

    async def extract_service_vehicle(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A car named in any message ("... for my 2023 Lumen", "actually it's the Tessa"). Said
        again later it refines the car: the same model adds the year or trim ("2025 tessa
        platinum" after "my tesa"), another model replaces it."""
        said = _said(tracker, "service_vehicle")
        intent = tracker.latest_message.get("intent", {}).get("name")
        if intent in QUESTION_INTENTS and not _asked(tracker, "service_vehicle") and len(said.split()) > 6:
            return {}  # a longer message about a car is a question about it, not which car to service
        found = _vehicle_in(self.services, said)
        asked_for = tracker.latest_message.get("text") or ""
        if found is None and THAT_CAR.search(asked_for) and not tracker.get_slot("service_vehicle"):
            found = _vehicle_in(self.services, _car_in_talk(tracker))  # "on that car": the one just discussed
        current = _vehicle(self.services, tracker)
        year = _year_alone(asked_for)
        if found is None and year and current is not None and year != current.year:
            found = VehicleDetails(current.model, current.trim, year)  # "2024" after "my lumin"
        if found is None:
            return {"service_vehicle": said} if said and _asked(tracker, "service_vehicle") else {}
        if current is not None and current.model == found.model:
            found = VehicleDetails(found.model, found.trim or current.trim, found.year or current.year)
        label = _vehicle_label(found)
        return {"service_vehicle": label} if label != tracker.get_slot("service_vehicle") else {}

    async def validate_service_vehicle(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        vehicle = await _profile_vehicle(self.services, str(value or ""), tracker) or _vehicle_in(
            self.services, str(value or "")
        )
        if vehicle is None:
            if not _answered_something_else(tracker, "service_vehicle"):
                models = ", ".join(self.services.knowledge.base.lineup.models)
                again = messages_since_asked(tracker, "service_vehicle") % 2 == 0
                dispatcher.utter_message(
                    response="utter_which_corvane_again" if again else "utter_which_corvane_to_service",
                    models=models,
                )
            return {"service_vehicle": None}
        slots = {"service_vehicle": _vehicle_label(vehicle)}
        if _services(tracker):
            slots.update(self._fit(_services(tracker), vehicle, dispatcher))
        return slots

    def _fit(
        self, service_ids: list[str], vehicle: VehicleDetails, dispatcher: CollectingDispatcher
    ) -> dict[str, Any]:
        """Services that don't apply to the car are explained and dropped; none left means ask again."""
        schedule = self.services.schedule
        for misfit in schedule.misfits(service_ids, vehicle.model):
            if misfit.only_for:
                dispatcher.utter_message(
                    response="utter_service_only_for",
                    service=misfit.service,
                    models=" and ".join(misfit.only_for),
                )
            elif misfit.instead:
                dispatcher.utter_message(
                    response="utter_service_not_needed_instead",
                    model=misfit.model,
                    service=misfit.service.lower(),
                    instead=misfit.instead,
                )
            else:
                dispatcher.utter_message(
                    response="utter_service_not_needed", model=misfit.model, service=misfit.service.lower()
                )
        kept = [s for s in service_ids if schedule.fits(s, vehicle.model)]
        return {"service_items": ",".join(kept) if kept else None}

    # --- recall: the VIN -------------------------------------------------------------------

    def validate_vin(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        try:
            return {"vin": normalise_vin(str(value or ""))}
        except InvalidVin as reason:
            dispatcher.utter_message(text=str(reason))
            return {"vin": None}

    # --- when ------------------------------------------------------------------------------

    async def extract_service_when(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A day or time in any message, e.g. "actually make it Thursday" at the last step."""
        said = _said(tracker, "service_when")
        return {"service_when": said} if said and mentions_time(said) else {}

    async def validate_service_when(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if "service_vehicle" in tracker.slots_to_validate() and not mentions_time(str(value or "")):
            return {"service_when": None}  # "2024" said for the car, not a day: the times are asked again
        if not _services(tracker):  # how long it takes decides what's free: keep the wish till then
            return {"service_when": None, "service_wish": str(value or "")}
        return await _resolve_when(self.services, str(value or ""), _services(tracker), tracker, dispatcher)

    # --- getting home ----------------------------------------------------------------------

    async def extract_service_transport(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """ "I'll wait", "need a loaner", "can I get the shuttle" in any message, the first
        included; a bare "wait" or "a ride" only as the answer to the question ("wait, make it
        Thursday" is no answer)."""
        said = _said(tracker, "service_transport")
        asked = _asked(tracker, "service_transport")
        choice = transport_in(said, asked)
        if choice:
            return {"service_transport": choice}
        return {"service_transport": said} if said and asked else {}

    def validate_service_transport(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A choice; else said once, then in other words; the third time the customer is put down
        as waiting (the default), said so, and can still change it at the confirmation."""
        choice = str(value) if value in TRANSPORT else transport_in(str(value or ""), asked=True)
        if choice is not None or _answered_something_else(tracker, "service_transport"):
            return {"service_transport": choice}
        misses = messages_since_asked(tracker, "service_transport")
        if misses >= 3:
            dispatcher.utter_message(response="utter_transport_assumed_wait")
            return {"service_transport": "wait"}
        dispatcher.utter_message(
            response="utter_transport_not_caught_again" if misses == 2 else "utter_transport_not_caught"
        )
        return {"service_transport": None}

    # --- a number for the service desk -----------------------------------------------------

    def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """As in the contact form: checked, or skipped with "skip"/"no" (then no reminders). A new
        day or time said instead ("actually make it Friday") is taken by the when-question."""
        if mentions_time(str(value or "")):
            return {"phone": None}
        quiet = CollectingDispatcher()
        checked = validate_phone_and_consent(value, quiet, tracker, texts_asked=_asked(tracker, "phone"))
        if checked.get("phone") or checked.get("phone_declined"):
            return checked
        if not _asked(tracker, "phone") or _answered_something_else(tracker, "phone"):
            return {"phone": None}  # no number in a message that answered something else
        misses = messages_since_asked(tracker, "phone")
        if misses >= 3:  # never the same complaint a third time: book without a number
            dispatcher.utter_message(response="utter_service_phone_skipped")
            return {"phone": None, "phone_declined": True}
        if misses == 2:
            dispatcher.utter_message(response="utter_service_phone_again")
        else:
            dispatcher.messages.extend(quiet.messages)  # why the number isn't valid
        return {"phone": None}

    # --- texting about this booking ----------------------------------------------------------

    async def extract_sms_consent(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """ "yes you can text me", "texts ok", "don't text me" answer the texting question
        whatever the classifier thought (it may take them for leaving contact details)."""
        if not _asked(tracker, "sms_consent"):
            return {}
        said = _said(tracker, "sms_consent")
        consent = texting_consent_in(said)
        if consent is None:
            consent = {"affirm": True, "deny": False}.get(
                tracker.latest_message.get("intent", {}).get("name")
            )
        if consent is None and said:
            return {"sms_consent": said}  # explained by validate_sms_consent
        return {} if consent is None else {"sms_consent": consent}

    def validate_sms_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if isinstance(value, bool) or _answered_something_else(tracker, "sms_consent"):
            return {"sms_consent": value if isinstance(value, bool) else None}
        if messages_since_asked(tracker, "sms_consent") >= 2:
            dispatcher.utter_message(response="utter_sms_consent_assumed_no")
            return {"sms_consent": False}
        dispatcher.utter_message(response="utter_sms_consent_not_caught")
        return {"sms_consent": None}

    # --- the confirmation --------------------------------------------------------------------

    def validate_service_confirm(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A yes or no only stands for the summary as shown: "no, actually make it 10am" changes
        the time, and the new summary is confirmed again."""
        changed = [
            slot
            for slot, said in tracker.slots_to_validate().items()
            if slot in CONFIRMED_SLOTS and said != _before_this_message(tracker, slot)
        ]
        return {"service_confirm": None if changed else value}


def _before_this_message(tracker: Tracker, slot: str) -> Any:
    """A slot's value before the customer's latest message."""
    events = iter(reversed(tracker.events))
    for event in events:
        if event.get("event") == "user":
            break
    return next((e.get("value") for e in events if e.get("event") == "slot" and e.get("name") == slot), None)


def _in_range(start: datetime, wanted: Preference) -> bool:
    """Whether a start time is inside what a range answer asked for ("Friday afternoon", "after 2")."""
    window = wanted.window or (time(0), time(23, 59))
    return start.date() == wanted.day and window[0] <= start.time() < window[1]


def _chosen_before(tracker: Tracker) -> datetime | None:
    """The time already chosen before this message, if any."""
    try:
        return datetime.fromisoformat(_before_this_message(tracker, "service_when"))
    except (TypeError, ValueError):  # none chosen yet
        return None


def _day_in_talk(tracker: Tracker, offered: list[datetime]) -> date | None:
    """The day a time without a day is about: that of the time already chosen ("actually make it
    10am" at the confirmation), else that of the times just offered."""
    chosen = _chosen_before(tracker)
    return chosen.date() if chosen else offered[0].date() if offered else None


async def _resolve_when(
    services: Services, text: str, service_ids: list[str], tracker: Tracker, dispatcher: CollectingDispatcher
) -> dict[str, Any]:
    """The chosen start if it's free; otherwise the reason, and the alternatives for the next question.

    A range ("afternoon", "after 2", "Friday") said in answer to the times offered, or in a request
    to move a booking, takes the first free time in it: offering the same list again would loop,
    and the summary is confirmed before anything is booked."""
    bookings = services.bookings
    offered = [datetime.fromisoformat(o) for o in json.loads(tracker.get_slot("service_offers") or "[]")]
    start = chosen_start(text.strip(), offered, services.now())
    if start is None and offered and is_yes(text.strip()):
        start = offered[0]  # "yes" to the nearest free times: the first, confirmed in the summary
    try:
        wanted = (
            Preference(start.date(), start.time())
            if start
            else read_preference(text, services.now(), _day_in_talk(tracker, offered))
        )
    except UnreadableTime as reason:
        dispatcher.utter_message(text=str(reason))
        return {"service_when": None}
    chosen = _chosen_before(tracker)
    day_only = start is None and wanted.at is None and wanted.window is None
    if day_only and chosen and wanted.day != chosen.date():
        wanted = Preference(wanted.day, chosen.time())  # "actually make it Thursday": the same time
    next_week = next_weekday_read(text, services.now().date()) if start is None else None
    if next_week is not None and next_week == wanted.day:  # say which Wednesday "next Wednesday" is
        dispatcher.utter_message(response="utter_next_weekday_read", day=f"{next_week:%A %b} {next_week.day}")
    offer = await asyncio.to_thread(
        bookings.service_offers, wanted, bookings.service_minutes(service_ids), services.now()
    )
    if offer.day_full:
        customer = await customer_id(services, tracker)
        await asyncio.to_thread(steps.note_wanted_day, services, customer, wanted.day)
    if offer.start is not None:
        return {"service_when": offer.start.isoformat(), "service_offers": None}
    takes_first = bool(offered) or bool(tracker.get_slot("replacing_code")) or chosen is not None
    in_range = [s for s in (*offered, *offer.alternatives) if _in_range(s, wanted)]
    if takes_first and wanted.at is None and in_range:
        first = min(in_range)
        dispatcher.utter_message(response="utter_first_free_time", time=_label(first))
        return {"service_when": first.isoformat(), "service_offers": None}
    if offer.reason:
        dispatcher.utter_message(text=offer.reason)
    return {"service_when": None, "service_offers": json.dumps([a.isoformat() for a in offer.alternatives])}


async def ask_service_items(
    services: Services, dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    menu = services.schedule.services.values()
    dispatcher.utter_message(
        response="utter_which_service",
        buttons=[{"title": s.name, "payload": s.name} for s in menu],
    )
    return []


async def ask_service_vehicle(
    services: Services, dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    known = await asyncio.to_thread(services.profiles.vehicles_of, await customer_id(services, tracker))
    labels = list(dict.fromkeys(_vehicle_label(v) for v in known))
    if labels:
        dispatcher.utter_message(
            response="utter_which_of_your_cars",
            buttons=[{"title": label, "payload": label} for label in labels],
        )
    else:
        dispatcher.utter_message(response="utter_which_car")
    return []


async def ask_service_when(
    services: Services, dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    offered = [datetime.fromisoformat(o) for o in json.loads(tracker.get_slot("service_offers") or "[]")]
    minutes = _minutes(services, tracker)
    if not offered:
        offered = await asyncio.to_thread(
            services.bookings.free_service_starts, minutes, services.now(), 3, None, 120
        )
    if not offered:
        dispatcher.utter_message(response="utter_service_fully_booked")
        return []
    dispatcher.utter_message(
        response="utter_free_service_times",
        minutes=minutes,
        buttons=[{"title": _label(s), "payload": _when_payload(s)} for s in offered],
    )
    return [SlotSet("service_offers", json.dumps([s.isoformat() for s in offered]))]


def _when_payload(start: datetime) -> str:
    """A button that fills the slot directly, whatever the classifier would make of the text."""
    return "/book_service" + json.dumps({"service_when": start.isoformat()})


async def ask_service_confirm(
    services: Services, dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    dispatcher.utter_message(response="utter_service_summary", summary=_summary(services, tracker))
    return []


def _summary(services: Services, tracker: Tracker) -> str:
    schedule = services.schedule
    names = " + ".join(schedule.services[s].name for s in _services(tracker))
    start = datetime.fromisoformat(tracker.get_slot("service_when"))
    free = (
        " (a multi-point inspection is included free)"
        if "multi-point-inspection" not in _services(tracker)
        else ""
    )
    transport = TRANSPORT_WORDS.get(tracker.get_slot("service_transport") or "", "")
    return (
        f"{names}{free} for your {tracker.get_slot('service_vehicle')}, {_label(start)} "
        f"(about {_minutes(services, tracker)} minutes), with {transport}"
    )


async def book_service(
    services: Services, dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    """The confirmed booking (or nothing after a "no"), then a clean slate for the next one."""
    reset = [SlotSet(slot, None) for slot in FORM_SLOTS]
    if not tracker.get_slot("service_confirm"):
        dispatcher.utter_message(response="utter_booking_stopped")
        return reset
    vehicle = _vehicle(services, tracker)
    phone = tracker.get_slot("phone")
    request = steps.ServiceRequest(
        customer=await customer_id(services, tracker),
        start=datetime.fromisoformat(tracker.get_slot("service_when")),
        service_ids=tuple(_services(tracker)),
        vehicle=replace(vehicle, vin=tracker.get_slot("vin")) if vehicle else None,
        transport=tracker.get_slot("service_transport") or "wait",
        contact=ContactDetails(
            phone=normalise_phone(phone),
            sms_consent=tracker.get_slot("sms_consent"),
            source=channel_of(tracker),
        )
        if phone
        else None,
        replacing=tracker.get_slot("replacing_code"),
    )
    booked = await asyncio.to_thread(steps.book_service, services, request)
    result = booked.result
    if not result.ok:
        others = ", ".join(_label(s) for s in result.alternatives)
        if others:
            dispatcher.utter_message(response="utter_service_time_taken", reason=result.reason, times=others)
        else:
            dispatcher.utter_message(response="utter_service_time_taken_none_free", reason=result.reason)
        return reset
    dispatcher.utter_message(
        response="utter_service_booked_replacing" if booked.replaced else "utter_service_booked",
        summary=_summary(services, tracker),
        code=result.code,
        replaced=booked.replaced or "",
        booking_id=result.code,
        topic="service",
    )
    tell_rewards(dispatcher, booked.rewards)
    return reset
