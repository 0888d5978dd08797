"""SMS over Twilio: customers text the dealership's number and talk to the same assistant.

- `channel`: the rules, without I/O (signatures, keywords, splitting, numbered options, TwiML)
- `inbox`: what happens to one inbound SMS (dedup, keywords, opt-out silence, rate limit)
- `store`: what the channel keeps in the database, so any number of Rasa processes agree
- `input`: the Rasa input channel (`credentials.yml`), thin on purpose
- `outbox`, `twilio`: sending queued texts (reminders, staff replies) through Twilio's API
- `models`: the tables (the outbox, inbound messages, per-phone threads)

The names below are imported on first use (PEP 562): the profile store, bookings and reports
use the SMS tables, and importing `bot.channels.sms.models` should neither load Rasa's channel
machinery into the action server and web app nor loop back into `bot.profile`, which the
channel itself uses.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_PUBLIC = {
    "CHANNEL": "channel",
    "InboundSms": "channel",
    "InvalidSms": "channel",
    "SmsInbox": "inbox",
    "SmsInput": "input",
    "SmsStore": "store",
    "Outbox": "outbox",
    "OutboxSender": "outbox",
    "send_outbox": "outbox",
    "TwilioClient": "twilio",
    "TwilioError": "twilio",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_PUBLIC[name]}"), name)
