"""Bad input at the REST channel: a clear reply or a 4xx, never a crash, never a lost event."""

from __future__ import annotations

import json

import aiohttp
import pytest

from tests.chat import profile_of, say, texts, wait_for


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("empty", ""),
        ("spaces", "    "),
        ("huge", "my adaptive cruise " * 540),  # about 10 kB
        ("emoji", "🚗💨🙂👍"),
        ("mixed-scripts", "¿Hablas español? 你好 مرحبا"),
        ("markup", "<script>alert('x')</script>"),
    ],
)
async def test_odd_messages_get_a_reply_and_are_recorded(stack, http, name, text):
    sender = f"e2e-bad-{name}"
    replies = await say(http, stack.rest_url, sender, text)
    assert texts(replies).strip(), f"no reply to {name!r}"
    profile = await wait_for(lambda: profile_of(http, stack, sender))
    inbound = await wait_for(lambda: _inbound(http, stack, sender))
    assert inbound == [text.strip()]  # Rasa trims surrounding whitespace
    assert profile is not None


async def _inbound(http, stack, sender):
    profile = await profile_of(http, stack, sender)
    return [r["text"] for r in profile["engagement"] if r["direction"] == "in"] if profile else None


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b'{"sender": "x", "message": ', "application/json", "json"),
        (b"\xff\xfe\xfa not utf-8", "application/json", "json"),
        (b'{"sender": "x", "message": "\xc3\x28"}', "application/json", "json"),
        (b"[1, 2, 3]", "application/json", "must be a JSON object"),
        (b'{"sender": "x"}', "application/json", '"message" must be a string'),
        (b'{"sender": "x", "message": 42}', "application/json", '"message" must be a string'),
        (b'{"sender": ["x"], "message": "hi"}', "application/json", '"sender" must be'),
        (b'{"sender": "+15550100123", "message": "hi"}', "application/json", "must not be a phone number"),
        (b'{"sender": "x", "message": "' + b"a" * 20_001 + b'"}', "application/json", "too long"),
        (b"sender=x&message=hi", "application/x-www-form-urlencoded", "json"),
    ],
)
async def test_malformed_requests_are_refused_with_4xx(stack, http, body, content_type, reason):
    async with http.post(stack.rest_url, data=body, headers={"Content-Type": content_type}) as response:
        assert response.status == 400, (response.status, await response.text())
        text = await response.text()
        detail = json.loads(text).get("message", "") if text.startswith("{") else text
        assert reason.lower() in detail.lower()
    async with http.get(f"{stack.web_url}/healthz") as health:
        assert health.status == 200


async def test_a_message_without_sender_is_answered_as_a_default_conversation(stack, http):
    async with http.post(stack.rest_url, json={"message": "hi"}) as response:
        assert response.status == 200
        assert texts(await response.json())


async def test_server_is_still_healthy_after_bad_input(stack, http):
    async with aiohttp.ClientSession() as fresh, fresh.get(f"{stack.web_url}/healthz") as health:
        body = await health.json()
    assert body == {**body, "status": "ok", "database": True, "model_loaded": True}
