"""Checking what customers type as phone numbers and emails, with reasons they can act on."""

from __future__ import annotations

import re

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
    found = [
        m.raw_string for m in phonenumbers.PhoneNumberMatcher(text, region, phonenumbers.Leniency.POSSIBLE)
    ]
    if len(found) == 1:  # a number inside a sentence: "sure, it's 555 010 4567, texts are fine"
        text = found[0]
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


_NAME = re.compile(r"^[^\W\d_][^\W\d_' .-]*(?:[' .-]+[^\W\d_]+)*\.?$")
# Function words: a "name" made mostly of them is a sentence ("what can you do").
_FUNCTION_WORDS = {
    "a", "an", "the", "i", "you", "we", "it", "is", "are", "am", "was", "do", "does", "did", "can",
    "could", "would", "will", "what", "why", "how", "when", "where", "who", "which", "that", "this",
    "my", "your", "me", "to", "of", "in", "on", "for", "with", "and", "or", "not", "no", "yes", "be",
}  # fmt: skip
_NOT_NAMES = {"hi", "hello", "hey", "yes", "no", "ok", "okay", "why", "skip", "what", "sure", "nope"}
_SAID_NAME = re.compile(r"^(?:my name is|my name's|name's|name is|i am|i'm|im|it's|this is|call me)\s+", re.I)
# "my name is Alex Kim and my number is ..." / "I'm Jane, text me at ..." / "this is Dana Whitfield"
_INTRODUCTION = re.compile(
    r"\b(?:my name is|my name's|name's|call me|this is|i am|i'm|im)\s+"
    r"(?P<name>[^\W\d_][\w'-]*(?:\s+[^\W\d_][\w'-]*){0,2})",
    re.I,
)
_ENDS_A_NAME = {
    "and",
    "my",
    "here",
    "from",
    "at",
    "with",
    "you",
    "the",
    "phone",
    "number",
    "email",
    "cell",
    "i",
}


def normalise_name(raw: str) -> str:
    """A person's name as they'd write it on a form ("jane doe" -> "Jane Doe")."""
    text = _SAID_NAME.sub("", (raw or "").strip()).strip(" .!,")
    words = text.split()
    if sum(word.casefold() in _FUNCTION_WORDS for word in words) * 2 > len(words):
        raise InvalidContactDetail("Sorry, I didn't catch a name there. What should I call you?")
    if (
        not words
        or len(words) > 4
        or len(text) > 60
        or not _NAME.match(text)
        or text.casefold() in _NOT_NAMES
    ):
        raise InvalidContactDetail("Sorry, I didn't catch a name there. What should I call you?")
    return " ".join(word[:1].upper() + word[1:] for word in words)


def name_in_introduction(text: str) -> str | None:
    """The name in a sentence like "my name is Alex Kim and my number is ...", if any.

    After "I'm", "I am" or "this is" a name must be capitalised ("I'm looking to ..." is no name).
    """
    for match in _INTRODUCTION.finditer(text or ""):
        words = []
        for word in match.group("name").split():
            if word.casefold() in _ENDS_A_NAME:
                break
            words.append(word)
        loose_phrase = match.group(0).split()[0].casefold() in {"i", "i'm", "im", "this"}
        if not words or (loose_phrase and not words[0][:1].isupper()):
            continue
        try:
            return normalise_name(" ".join(words))
        except InvalidContactDetail:
            continue
    return None


_TEXTING = r"(?:text(?:s|ing)?|txt|sms|messages?|msgs?)"
_NO_TEXTS = re.compile(
    rf"\b(?:(?:do ?n'?t|do not|pls don'?t|please don'?t|never|no)\s+(?:\w+\s+){{0,2}}{_TEXTING}"
    rf"|{_TEXTING}\s+(?:[\w']+\s+){{0,3}}(?:not|no)\b|call only|calls only|only call)\b",
    re.I,
)
_YES_TEXTS = re.compile(
    rf"\b(?:(?:yes|yeah|yep|sure|ok|okay|fine|happy)\b.{{0,25}}\b{_TEXTING}"
    rf"|{_TEXTING}\s+(?:[\w']+\s+){{0,3}}(?:fine|ok|okay|good|great|welcome|works)"
    rf"|(?:can|may|could)\s+(?:\w+\s+){{0,2}}{_TEXTING}|(?:ok|okay|fine)\s+to\s+{_TEXTING}|{_TEXTING} me)\b",
    re.I,
)


_PHONE_THEN = re.compile(r"^\D*\+?[\d\s().-]{7,}\d\W*(?P<rest>.*)$")
_BARE_YES = re.compile(r"^(yes|yeah|yep|yup|ya|sure|ok|okay|fine|please do|go ahead|of course)\W*$", re.I)
_BARE_NO = re.compile(r"^(no|nope|nah|no thanks|no thank you|please don'?t)\W*$", re.I)


def texting_consent_in(text: str, texts_asked: bool = False) -> bool | None:
    """Whether a reply that gives a number also says yes or no to texts ("312-555-0147, texting is
    fine" / "...but don't text me"); None when it doesn't say, so the question is still asked.
    When the question itself asked about texts, a bare "yes" or "no" after the number answers it."""
    if _NO_TEXTS.search(text or ""):
        return False
    if _YES_TEXTS.search(text or ""):
        return True
    after = _PHONE_THEN.match(text or "")
    if texts_asked and after:
        rest = after["rest"].strip()
        return True if _BARE_YES.match(rest) else False if _BARE_NO.match(rest) else None
    return None


_NO_EMAILS = re.compile(
    r"\b(?:(?:do ?n'?t|do not|please don'?t|never|no)\s+(?:\w+\s+){0,2}e-?mails?(?:ing)?"
    r"|e-?mails?\s+(?:[\w']+\s+){0,3}(?:not|no)\b|(?:on )?file only|just (?:to )?keep it)\b",
    re.I,
)


def email_consent_in(text: str) -> bool:
    """The answer to the email question, which says booking emails go to the address: giving it is
    a yes, unless the reply also says no ("jane@example.com, but no emails please")."""
    return not _NO_EMAILS.search(text or "")
