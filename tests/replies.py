"""What the customer reads from the messages an action sent in-process: a response is filled in
from domain.yml with the values the action passed, by Rasa's own interpolator (as the Rasa server
does it); a text message is read as it is."""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml
from rasa.core.nlg.interpolator import interpolate_text
from rasa_sdk.executor import CollectingDispatcher

from bot import config

# What CollectingDispatcher puts in every message besides the values a response is filled with.
NOT_VALUES = {"text", "response", "template", "buttons", "image", "elements", "attachment", "custom"}


@cache
def responses() -> dict[str, list[dict[str, Any]]]:
    return yaml.safe_load((config.PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


def text_of(message: dict[str, Any]) -> str:
    """The text of one message as sent (the first variation of a response)."""
    name = message.get("response")
    if not name:
        return message.get("text") or ""
    values = {k: v for k, v in message.items() if k not in NOT_VALUES}
    return interpolate_text(responses()[name][0].get("text") or "", values)


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    """Every message's text, in order."""
    return [text_of(m) for m in dispatcher.messages]
