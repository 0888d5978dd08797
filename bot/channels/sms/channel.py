"""SMS over Twilio, the pure parts: signatures, keywords, splitting, numbered options, TwiML.

No I/O here, so every rule is unit-tested directly; `inbox.py` applies them with the
database and `input.py` is the thin Rasa channel.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from multidict import MultiDict
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.profile import InvalidContactDetail, normalise_phone

CHANNEL = "sms"
MAX_SMS_CHARS = 1600  # Twilio's limit for one message body
MAX_BODY_CHARS = 20_000  # as the REST channel: beyond this it is not a customer typing

OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN = frozenset({"START", "UNSTOP", "YES"})
HELP = frozenset({"HELP", "INFO"})
# Answers to a booking reminder ("Reply C to confirm, R to reschedule, X to cancel"). Never carrier
# keywords: CANCEL stays an opt-out, so X is the way to cancel a booking by a one-letter reply.
REMINDER_REPLIES = {"C": "confirm", "CONFIRM": "confirm", "R": "reschedule", "X": "cancel"}
STOP_NOTICE = "Reply STOP to opt out."

_ONE_WORD = re.compile(r"[\W_]*([^\W\d_]+)[\W_]*")
_NUMBER = re.compile(r"[\W_]*(\d{1,2})[\W_]*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


class InvalidSms(ValueError):
    """A signed request that still isn't a usable SMS; the message says what is missing."""


@dataclass(frozen=True)
class InboundSms:
    message_sid: str
    phone: str  # E.164
    body: str
    num_media: int = 0


def form_params(body: bytes) -> MultiDict[str]:
    """The webhook's form fields, blanks kept (Twilio signs `Body=` of an MMS too).

    Raises UnicodeDecodeError for a body that isn't UTF-8 (its signature can't be checked).
    """
    return MultiDict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


def signature_is_valid(
    auth_token: str | None, url: str, params: MultiDict[str], signature: str | None
) -> bool:
    """Twilio's X-Twilio-Signature: HMAC-SHA1 over the full URL plus sorted params."""
    if not auth_token or not signature:
        return False
    return RequestValidator(auth_token).validate(url, params, signature)


def inbound_from(params: MultiDict[str]) -> InboundSms:
    """The SMS in a (signed) webhook; InvalidSms names what is missing or wrong."""
    missing = [name for name in ("MessageSid", "From") if not params.get(name, "").strip()]
    if missing:
        raise InvalidSms(f"missing form field(s): {', '.join(missing)}")
    try:
        phone = normalise_phone(params["From"])
    except InvalidContactDetail as reason:
        raise InvalidSms(f"From is not a phone number: {reason}") from None
    raw_media = params.get("NumMedia", "0").strip() or "0"
    if not raw_media.isdigit():
        raise InvalidSms("NumMedia must be a number")
    body = params.get("Body", "")
    if len(body) > MAX_BODY_CHARS:
        raise InvalidSms(f"Body is too long ({len(body)} characters; at most {MAX_BODY_CHARS})")
    return InboundSms(params["MessageSid"].strip(), phone, body, int(raw_media))


def keyword_of(body: str) -> str | None:
    """The carrier keyword a message is, if it is one word of them (any case, punctuation ignored)."""
    match = _ONE_WORD.fullmatch(body)
    word = match.group(1).upper() if match else None
    return word if word in OPT_OUT | OPT_IN | HELP else None


def reminder_reply_of(body: str) -> str | None:
    """ "confirm", "reschedule" or "cancel" for a whole message of C, R, X or "confirm" (any case,
    punctuation ignored); None for anything else."""
    match = _ONE_WORD.fullmatch(body)
    return REMINDER_REPLIES.get(match.group(1).upper()) if match else None


def chosen_option(body: str, options: Sequence[dict[str, str]]) -> str | None:
    """The payload of the numbered option a reply like "2" picks, if it picks one."""
    match = _NUMBER.fullmatch(body)
    if not match or not 1 <= int(match.group(1)) <= len(options):
        return None
    return options[int(match.group(1)) - 1]["payload"]


def render(messages: Iterable[dict[str, Any]]) -> tuple[list[str], list[dict[str, str]]]:
    """Rasa's replies as SMS texts, buttons as numbered options; returns (texts, options).

    Options are numbered across the whole reply, so "1" always means one thing.
    """
    texts: list[str] = []
    options: list[dict[str, str]] = []
    for message in messages:
        lines = [message[key] for key in ("text", "image") if message.get(key)]
        for button in message.get("buttons") or []:
            options.append({"title": button["title"], "payload": button["payload"]})
            lines.append(f"Reply {len(options)} for {button['title']}")
        if lines:
            texts.append("\n".join(lines))
    return texts, options


def split(text: str, limit: int = MAX_SMS_CHARS) -> list[str]:
    """Split a long text into messages under `limit`, at sentence ends where possible."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for sentence in _pieces(text, limit):
        joined = f"{current} {sentence}" if current else sentence
        if len(joined) <= limit:
            current = joined
        else:
            parts.append(current)
            current = sentence
    if current:
        parts.append(current)
    return parts


def _pieces(text: str, limit: int) -> Iterable[str]:
    """Sentences (and lines), each cut at a space if it alone is over the limit."""
    for sentence in _SENTENCE_END.split(text.strip()):
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit + 1)
            cut = cut if cut > 0 else limit
            yield sentence[:cut].rstrip()
            sentence = sentence[cut:].lstrip()
        if sentence:
            yield sentence


def twiml(texts: Iterable[str]) -> str:
    """The inline reply: one <Message> per SMS, each within Twilio's length limit."""
    response = MessagingResponse()
    for text in texts:
        for part in split(text):
            response.message(part)
    return str(response)
