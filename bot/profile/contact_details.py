"""Checking what customers type as phone numbers and emails, with reasons they can act on."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

DEFAULT_REGION = "US"


class InvalidContactDetail(ValueError):
    """The value can't be used; str(error) is a reason to show the customer."""


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """A mobile or landline number in E.164 (+15550100000), or InvalidContactDetail."""
    text = (raw or "").strip()
    if not any(ch.isdigit() for ch in text):
        raise InvalidContactDetail("I couldn't find a phone number in that.")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidContactDetail(
            "That doesn't look like a phone number. Please send it with the area code, like 555-010-0123."
        ) from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidContactDetail(
            "That number has the wrong number of digits. Please include the area code, like 555-010-0123."
        )
    if not phonenumbers.is_valid_number(number) and not _is_fictional(number):
        raise InvalidContactDetail("That doesn't look like a real phone number. Could you check it?")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _is_fictional(number: phonenumbers.PhoneNumber) -> bool:
    """North American demo numbers (area code 555, or 555-01xx) are accepted for trials and tests."""
    national = str(number.national_number)
    if number.country_code != 1 or len(national) != 10:
        return False
    area_code, exchange, line = national[:3], national[3:6], national[6:]
    return area_code == "555" or (exchange == "555" and line.startswith("01"))


def normalise_email(raw: str) -> str:
    """A syntactically valid, lower-cased email address, or InvalidContactDetail.

    Deliverability (DNS) is not checked: nothing is fetched at run time.
    """
    text = (raw or "").strip()
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidContactDetail(f"That email address doesn't look right: {error}") from None
    return result.normalized.lower()
