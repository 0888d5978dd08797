"""Talking to the running assistant the way a website or app would: Rasa's REST channel."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import socketio


async def say(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> list[dict[str, Any]]:
    async with session.post(url, json={"sender": sender, "message": text}) as response:
        assert response.status == 200, await response.text()
        return await response.json()


def texts(replies: list[dict[str, Any]]) -> str:
    return " ".join(reply.get("text") or "" for reply in replies)


async def wait_for(predicate: Any, timeout: float = 15) -> Any:
    """Engagement is written just after each turn; poll until it is there."""
    deadline = time.monotonic() + timeout
    while True:
        value = await predicate()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.2)


async def profile_of(http: aiohttp.ClientSession, stack: Any, sender: str) -> dict[str, Any] | None:
    """The staff API's view of the customer behind a conversation (None until there is one)."""
    async with http.get(
        f"{stack.web_url}/api/customers", params={"sender_id": sender}, headers=stack.staff_headers
    ) as r:
        found = await r.json()
    if not found:
        return None
    async with http.get(f"{stack.web_url}/api/customers/{found[0]['id']}", headers=stack.staff_headers) as r:
        return await r.json()


@asynccontextmanager
async def widget_session(
    rasa_port: int, session_id: str
) -> AsyncIterator[tuple[socketio.AsyncClient, asyncio.Queue[dict[str, Any]]]]:
    """A visitor's socket.io session, opened as the website widget opens it; yields the client and
    a queue of the assistant's messages."""
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    confirmed: asyncio.Queue[object] = asyncio.Queue()
    client = socketio.AsyncClient()
    client.on("bot_uttered", received.put)
    client.on("session_confirm", confirmed.put)
    await client.connect(
        f"http://127.0.0.1:{rasa_port}", socketio_path="/socket.io", transports=["websocket"]
    )
    try:
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(confirmed.get(), 30)
        yield client, received
    finally:
        await client.disconnect()


def fields(phone: str, body: str, **extra: str) -> dict[str, str]:
    """The form Twilio posts for an incoming SMS (signed by the caller)."""
    return {
        "From": phone,
        "To": "+15550109999",
        "Body": body,
        "MessageSid": f"SM{secrets.token_hex(16)}",
        "NumMedia": "0",
        "AccountSid": "AC" + "0" * 32,
        **extra,
    }
