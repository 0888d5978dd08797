"""The website's channel: Rasa's socket.io, as the chat widget uses it."""

from __future__ import annotations

import asyncio

from tests.chat import profile_of, wait_for, widget_session


async def test_a_socketio_conversation_is_answered_and_recorded(stack, http):
    session_id = "widget-session-1"
    async with widget_session(stack.rasa_port, session_id) as (client, received):
        await client.emit("user_uttered", {"message": "hello there", "session_id": session_id})
        replies = [await asyncio.wait_for(received.get(), 30) for _ in range(2)]

    assert "automated assistant" in replies[0]["text"]
    assert replies[1]["text"]
    profile = await wait_for(lambda: profile_of(http, stack, session_id))
    rows = await wait_for(lambda: _rows(http, stack, session_id, 3))
    assert rows, profile
    assert {r["channel"] for r in rows} == {"socketio"}
    # The greeting answers the first message: on the timeline it comes after it (issue 12).
    assert [r["direction"] for r in rows] == ["in", "out", "out"]


async def _rows(http, stack, sender, count):
    profile = await profile_of(http, stack, sender)
    rows = profile["engagement"] if profile else []
    return rows if len(rows) >= count else None
