"""Rasa's REST channel with the request checked first, so bad input gets a 400 that says why.

A request to stop texting is answered before Rasa sees it (`web_opt_out.py`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.exceptions import InvalidUsage as BadRequest
from sanic.request import Request

from bot.channels.failures import guarded
from bot.channels.web_opt_out import stop_texting_first
from bot.rasa_server import UsesServices

MAX_MESSAGE_CHARS = 20_000
MAX_SENDER_CHARS = 255
USAGE = 'send a JSON object like {"sender": "your-conversation-id", "message": "hello"}'


class CheckedRestInput(UsesServices, RestInput):
    """Same URL and replies as Rasa's `rest` channel (`/webhooks/rest/webhook`)."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        checked = stop_texting_first(on_new_message, self.services.profiles)
        return super().blueprint(guarded(checked, self.services, self.broker))

    async def _extract_sender(self, req: Request) -> str | None:
        body = _checked_body(req)
        return body.get("sender")

    def _extract_input_channel(self, req: Request) -> str:
        """Always "rest": a client must not pass itself off as another channel (e.g. SMS)."""
        return self.name()

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        metadata = request.json.get("metadata")
        return metadata if isinstance(metadata, dict) else None


def _checked_body(req: Request) -> dict[str, Any]:
    body = req.json  # Sanic answers 400 itself for a body that isn't JSON or UTF-8
    if not isinstance(body, dict):
        raise BadRequest(f"The body must be a JSON object: {USAGE}.")
    message, sender = body.get("message"), body.get("sender")
    if not isinstance(message, str):
        raise BadRequest(f'"message" must be a string: {USAGE}.')
    if len(message) > MAX_MESSAGE_CHARS:
        raise BadRequest(f"The message is too long ({len(message)} characters; at most {MAX_MESSAGE_CHARS}).")
    if sender is not None:
        if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
            raise BadRequest(f'"sender" must be a non-empty string of at most {MAX_SENDER_CHARS} characters.')
        if sender.startswith("+"):
            raise BadRequest('"sender" must not be a phone number; SMS conversations come in through SMS.')
    return body
