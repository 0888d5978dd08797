"""Introducing oneself: name, mobile, email, SMS consent and consent to booking emails, checked
before anything is stored."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import AsksNextQuestion, Question, UsesServices, channel_of, customer_id, tell_rewards
from bot.profile import (
    ContactDetails,
    InvalidContactDetail,
    email_consent_in,
    name_in_introduction,
    normalise_email,
    normalise_name,
    normalise_phone,
    texting_consent_in,
)
from bot.rewards import issue_earned, mention_for
from bot.services import Services

OPTIONAL = ("customer_name", "phone", "email")
DECLINED = {slot: f"{slot}_declined" for slot in OPTIONAL}
# The reply once details are saved: (anything listed to save, their answer to texts) -> response.
SAVED_REPLIES = {
    (True, True): "utter_contact_saved_texts",
    (True, False): "utter_contact_saved_no_texts",
    (True, None): "utter_contact_saved",
    (False, True): "utter_contact_noted_texts",
    (False, False): "utter_contact_noted_no_texts",
    (False, None): "utter_contact_noted",
}
QUESTIONS_ANSWERED_IN_FORM = {"bot_challenge": "utter_bot_challenge", "capabilities": "utter_capabilities"}


class ValidateContactForm(AsksNextQuestion, FormValidationAction):
    def name(self) -> str:
        return "validate_contact_form"

    def questions(self) -> dict[str, Question]:
        return {"email": ask_email}

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Every detail may be skipped; without a phone there is nothing to consent to."""
        declined = {slot for slot in OPTIONAL if tracker.get_slot(DECLINED[slot])}
        if "phone" in declined:
            declined.add("sms_consent")
        return [slot for slot in domain_slots if slot not in declined]

    async def extract_customer_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """ "My name is Alex Kim and my number is ..." fills the name along with the phone."""
        if tracker.get_slot("customer_name") or tracker.get_slot("requested_slot") not in (
            None,
            "customer_name",
        ):
            return {}
        name = name_in_introduction(tracker.latest_message.get("text") or "")
        return {"customer_name": name} if name else {}

    def validate_customer_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return validate_optional("customer_name", normalise_name, value, dispatcher, tracker)

    def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return validate_phone_and_consent(value, dispatcher, tracker)

    def validate_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """An address given to the email question (which says booking emails go there) is a yes to
        them unless the reply says no; one given unasked is only kept (consent not asked)."""
        asked = tracker.get_slot("requested_slot") == "email"
        checked = validate_optional("email", normalise_email, value, dispatcher, tracker)
        if not (asked and checked.get("email")):
            return checked
        return {**checked, "email_consent": email_consent_in(tracker.latest_message.get("text") or "")}


async def ask_email(
    services: Services, dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    """The email question, and the reward an address counts toward: a thank-you for an optional
    detail, so it is only ever said with a question the customer may skip."""
    dispatcher.utter_message(response="utter_ask_contact_email")
    mention = await asyncio.to_thread(mention_for, services, await customer_id(services, tracker), "email")
    if mention is not None:
        reward, completes = mention
        dispatcher.utter_message(
            response="utter_reward_mention_completes" if completes else "utter_reward_mention",
            reward=reward.name,
        )
    return []


def validate_phone_and_consent(
    value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, texts_asked: bool = False
) -> dict[str, Any]:
    """A checked number, and a yes or no to texts when the same reply gives one (people answer
    both at once), so the consent question isn't asked again."""
    checked = validate_optional("phone", normalise_phone, value, dispatcher, tracker)
    said = tracker.latest_message.get("text") or str(value or "")
    consent = texting_consent_in(said, texts_asked) if checked.get("phone") else None
    return checked if consent is None else {**checked, "sms_consent": consent}


def validate_optional(
    slot: str,
    normalise: Callable[[str], str],
    value: Any,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
) -> dict[str, Any]:
    """A checked value; "skip"/"no" to the question declines it; a question asked instead
    ("are you a bot?") is answered; anything else is re-asked with the reason. The form then
    asks again for whatever is still missing."""
    intent = tracker.latest_message.get("intent", {}).get("name")
    if tracker.get_slot("requested_slot") == slot and intent == "deny":
        return {slot: None, DECLINED[slot]: True}
    try:
        return {slot: normalise(str(value or ""))}
    except InvalidContactDetail as reason:
        if intent in QUESTIONS_ANSWERED_IN_FORM:
            dispatcher.utter_message(response=QUESTIONS_ANSWERED_IN_FORM[intent])
        else:
            dispatcher.utter_message(response="utter_detail_not_valid", reason=str(reason))
        return {slot: None}


class ActionSaveContactDetails(UsesServices, Action):
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
            email_consent=tracker.get_slot("email_consent"),
            source=channel_of(tracker),
        )
        household = await asyncio.to_thread(
            self.services.profiles.record_contact_details, await customer_id(self.services, tracker), details
        )
        saved = " and ".join(value for value in (details.phone, details.email) if value)
        dispatcher.utter_message(
            response=SAVED_REPLIES[bool(saved), details.sms_consent],
            name=f", {details.name}" if details.name else "",
            saved=saved,
        )
        tell_rewards(dispatcher, await asyncio.to_thread(issue_earned, self.services, household))
        return [SlotSet(flag, None) for flag in DECLINED.values()]
