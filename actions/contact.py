"""Introducing oneself: name, mobile, email and SMS consent, checked before anything is stored."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import channel_of, customer_id
from bot.profile import ContactDetails, InvalidContactDetail, default_store, normalise_email, normalise_phone

NAME_PATTERN = re.compile(r"^[^\W\d_][\w' .-]{0,58}$")
NOT_NAMES = {"hi", "hello", "hey", "yes", "no", "ok", "okay", "why", "skip", "what"}
INTRO_PREFIXES = re.compile(
    r"^(my name is|my name's|name's|name is|i am|i'm|im|it's|this is|call me)\s+", re.I
)


def _clean_name(raw: str) -> str | None:
    text = INTRO_PREFIXES.sub("", raw.strip()).strip(" .!,")
    if not NAME_PATTERN.match(text) or text.casefold() in NOT_NAMES or len(text.split()) > 4:
        return None
    return " ".join(part[:1].upper() + part[1:] for part in text.split())


class ValidateContactForm(FormValidationAction):
    def name(self) -> str:
        return "validate_contact_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Email and phone are optional; without a phone there is nothing to consent to."""
        slots = list(domain_slots)
        if tracker.get_slot("email_declined"):
            slots.remove("email")
        if tracker.get_slot("phone_declined"):
            slots = [s for s in slots if s not in ("phone", "sms_consent")]
        return slots

    def validate_customer_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        name = _clean_name(str(value or ""))
        if name is None:
            dispatcher.utter_message(
                text="Sorry, I didn't catch a name there. What should I call you? Just a first name is fine."
            )
        return {"customer_name": name}

    def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return _validate_optional("phone", normalise_phone, value, dispatcher, tracker)

    def validate_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return _validate_optional("email", normalise_email, value, dispatcher, tracker)


def _validate_optional(
    slot: str,
    normalise: Callable[[str], str],
    value: Any,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
) -> dict[str, Any]:
    """A checked value; "skip"/"no" declines it; anything else is re-asked with the reason."""
    if tracker.latest_message.get("intent", {}).get("name") == "deny":
        return {slot: None, f"{slot}_declined": True}
    try:
        return {slot: normalise(str(value or ""))}
    except InvalidContactDetail as reason:
        dispatcher.utter_message(text=f'{reason} Or say "skip" to leave it out.')
        return {slot: None}


class ActionSaveContactDetails(Action):
    def name(self) -> str:
        return "action_save_contact_details"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        details = ContactDetails(
            name=tracker.get_slot("customer_name"),
            phone=tracker.get_slot("phone"),
            email=tracker.get_slot("email"),
            sms_consent=tracker.get_slot("sms_consent"),
            source=channel_of(tracker),
        )
        await asyncio.to_thread(default_store().record_contact_details, await customer_id(tracker), details)
        saved = [value for value in (details.phone, details.email) if value]
        summary = f" I've saved {' and '.join(saved)}." if saved else ""
        texts = {
            True: " We'll text you about bookings and reminders; reply STOP any time to opt out.",
            False: " We won't send you texts.",
            None: "",
        }
        dispatcher.utter_message(
            text=f"Thanks, {details.name}!{summary}{texts[details.sms_consent]} What can I do for you next?"
        )
        return [SlotSet("phone_declined", None), SlotSet("email_declined", None)]
