"""Staff taking a conversation over from the assistant, through Rasa's own HTTP API.

Appending `{"event": "pause"}` to a conversation makes Rasa stop predicting in it (customer
messages are still recorded); `{"event": "resume"}` hands it back. A staff reply is appended as
a `bot` event, so it is in Rasa's conversation history and the engagement broker records it like
any bot message. Delivery depends on the channel:

- socket.io (the website widget): Rasa sends it to the browser (`output_channel=socketio` with
  `execute_side_effects=true`; Rasa 3.6 resolves the channel by name and emits to the session).
- SMS: queued in the SMS outbox (kind "staff") for the SMS sender; Rasa only records it.
- REST (request/response) and the terminal: there is no way to push a message, so it is
  recorded in the conversation; the customer sees it in the history.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import quote

import aiohttp

PUSH_CHANNELS = ("socketio",)
SMS_CHANNEL = "sms"
STAFF_REPLY_ACTION = "staff_reply"


class RasaUnavailable(RuntimeError):
    """Rasa's HTTP API didn't accept the change; nothing was delivered."""


class RasaConversations:
    def __init__(self, url: str, token: str) -> None:
        self._url = url.rstrip("/")
        self._token = token

    async def pause(self, sender_id: str) -> None:
        await self._append(sender_id, [{"event": "pause", "timestamp": time.time()}])

    async def resume(self, sender_id: str) -> None:
        await self._append(sender_id, [{"event": "resume", "timestamp": time.time()}])

    async def say(self, sender_id: str, channel: str, text: str) -> None:
        """Append a staff message to the conversation, delivered where Rasa can push it."""
        event = {
            "event": "bot",
            "text": text,
            "timestamp": time.time(),
            "metadata": {"utter_action": STAFF_REPLY_ACTION},
        }
        params = {}
        if channel in PUSH_CHANNELS:
            params = {"output_channel": channel, "execute_side_effects": "true"}
        await self._append(sender_id, [event], params)

    async def is_paused(self, sender_id: str) -> bool:
        tracker = await self._request("GET", sender_id, "tracker", params={"include_events": "NONE"})
        return bool(tracker.get("paused"))

    async def _append(self, sender_id: str, events: list[dict[str, Any]], params: dict | None = None) -> None:
        await self._request("POST", sender_id, "tracker/events", json=events, params=params or {})

    async def _request(self, method: str, sender_id: str, path: str, **kwargs: Any) -> dict[str, Any]:
        url = f"{self._url}/conversations/{quote(sender_id, safe='')}/{path}"
        kwargs["params"] = {**kwargs.get("params", {}), "token": self._token}
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
                async with session.request(method, url, **kwargs) as response:
                    if response.status != 200:
                        raise RasaUnavailable(f"the assistant answered {response.status}")
                    return await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise RasaUnavailable(f"the assistant is unreachable ({type(error).__name__})") from None
