"""The production profile (`run --scaled`): two Rasa servers and two action servers behind nginx,
sharing PostgreSQL (profiles, Rasa's tracker store) and Redis (Rasa's lock store).

One scaled set for the whole module (it is five servers on a 2-core machine).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot import config, db
from bot.engagement.lock_store import RedisUrlLockStore
from bot.launch import Stack, start_stack
from tests.chat import profile_of, say, texts, wait_for, widget_session
from tests.conftest import postgres_schema, redis_lock_settings


@pytest.fixture(scope="module")
def scaled(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with postgres_schema() as url, redis_lock_settings() as locks:
        token = secrets.token_urlsafe(16)
        settings = {**locks, "RASA_SERVERS": "2", "ACTION_SERVERS": "2", "RASA_TOKEN": token}
        with start_stack(
            tmp_path_factory.mktemp("scaled"),
            trained_model,
            database_url=url.render_as_string(hide_password=False),
            extra_env=settings,
            scaled=True,
            timeout=300,
        ) as stack:
            yield stack


def rasa_servers(stack: Stack) -> list[str]:
    """The two Rasa servers themselves, not nginx: they listen just above RASA_PORT."""
    return [f"http://127.0.0.1:{stack.rasa_port + i}" for i in (1, 2)]


async def tracker(http, stack: Stack, server: str, sender: str) -> dict[str, Any]:
    async with http.get(
        f"{server}/conversations/{sender}/tracker", params={"token": stack.env["RASA_TOKEN"]}
    ) as response:
        assert response.status == 200, await response.text()
        return await response.json()


def turns_of(events: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """(customer message, the bot's replies to it) in the order the tracker holds them.

    The greeting of a new session comes just before the first message and is part of its reply.
    """
    turns: list[tuple[str, list[str]]] = []
    greeting: list[str] = []
    for event in events:
        if event["event"] == "user":
            turns.append((event["text"], greeting if not turns else []))
        elif event["event"] == "bot":
            (turns[-1][1] if turns else greeting).append(event["text"] or "")
    return turns


def test_both_stores_live_in_the_schema_of_database_url(scaled):
    url = make_url(scaled.env["DATABASE_URL"])
    schema = url.query["options"].removeprefix("-csearch_path=")
    with db.engine_for(url).connect() as connection:
        query = text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s")
        tables = set(connection.scalars(query, {"s": schema}))
    assert {"alembic_version", "events", "customers"} <= tables  # Alembic's, Rasa's tracker store, ours


async def test_a_clinic_booking_whose_messages_alternate_between_two_rasa_servers(scaled, http):
    sender = f"scaled-parent-{secrets.token_hex(4)}"
    servers = rasa_servers(scaled)
    server = itertools.cycle(servers)
    sent: list[tuple[str, str]] = []

    async def turn(message: str) -> list[dict[str, Any]]:
        replies = await say(http, f"{next(server)}/webhooks/rest/webhook", sender, message)
        sent.append((message, texts(replies)))
        return replies

    sessions = (await turn("sign my daughter up for the teen driving class"))[-1]
    assert "Teen Driver Safety Clinic" in sessions["text"] and sessions["buttons"]
    assert "Who's coming" in texts(await turn(sessions["buttons"][0]["payload"]))
    assert "aged 15-18" in texts(await turn("me and my daughter Emma"))
    confirm = texts(await turn("me and my daughter Emma, 15"))
    assert "To confirm: Teen Driver Safety Clinic" in confirm and "Emma (15)" in confirm
    booked = texts(await turn("yes"))
    assert "You're booked" in booked
    code = booked.split("confirmation code is ")[1][:6]

    # Both servers hold the same conversation: every message, each followed by its own replies.
    first, second = [await tracker(http, scaled, s, sender) for s in servers]
    assert first["events"] == second["events"]
    assert [(message, " ".join(replies)) for message, replies in turns_of(first["events"])] == sent

    async def booked_profile():
        profile = await profile_of(http, scaled, sender)
        rows = [r for r in profile["engagement"] if r["booking_id"]] if profile else []
        return (profile, rows) if rows and profile["household"] else None

    profile, rows = await wait_for(booked_profile)
    assert rows[0]["booking_id"] == code
    [emma] = profile["household"]
    assert (emma["name"], emma["relation"]) == ("Emma", "child")
    messages = [message for message, _ in sent]
    assert await wait_for(lambda: _messages_recorded(http, scaled, sender, messages))
    bookings = f"{scaled.web_url}/api/bookings?kind=clinic"  # through nginx
    async with http.get(bookings, headers=scaled.staff_headers) as response:
        [mine] = [b for b in await response.json() if b["code"] == code]
    assert (mine["clinic"], mine["party_size"], mine["status"]) == ("teen-driver-safety", 2, "confirmed")


async def test_the_rasa_servers_take_their_conversation_locks_from_redis(scaled, http, monkeypatch):
    for name in ("REDIS_URL", "LOCK_STORE_KEY_PREFIX"):
        monkeypatch.setenv(name, scaled.env[name])
    locks = RedisUrlLockStore()
    sender = f"scaled-locked-{secrets.token_hex(4)}"
    ticket = locks.issue_ticket(sender)  # as if another server were busy with this conversation
    rest = f"{rasa_servers(scaled)[0]}/webhooks/rest/webhook"
    reply = asyncio.create_task(say(http, rest, sender, "hello"))
    await asyncio.sleep(3)
    assert not reply.done(), "the Rasa server did not wait for the lock held in Redis"
    locks.cleanup(sender, ticket)
    assert "automated assistant" in texts(await asyncio.wait_for(reply, 30))
    assert locks.get_lock(sender) is None  # released after the turn


async def test_messages_of_one_conversation_sent_to_both_servers_at_once_take_turns(scaled, http):
    sender = f"scaled-eager-{secrets.token_hex(4)}"
    servers = [f"{s}/webhooks/rest/webhook" for s in rasa_servers(scaled)]
    await say(http, servers[0], sender, "hello")
    messages = ("what clinics do you have?", "hello again")
    at_once = (say(http, url, sender, m) for url, m in zip(servers, messages, strict=True))
    replies = await asyncio.gather(*at_once)
    assert all(replies)

    turns = turns_of((await tracker(http, scaled, rasa_servers(scaled)[1], sender))["events"])
    assert len(turns) == 3 and {message for message, _ in turns[1:]} == set(messages)
    answered = dict(zip(messages, replies, strict=True))
    for message, bot_texts in turns[1:]:  # one after the other: no reply lost or mixed in
        assert bot_texts == [r.get("text") or "" for r in answered[message]]


async def test_nginx_spreads_customers_over_both_servers_and_carries_the_widget_socket(scaled, http):
    for i in range(4):
        assert "automated assistant" in texts(await say(http, scaled.rest_url, f"scaled-lb-{i}", "hello"))
    access_log = (scaled.var_dir / "nginx" / "access.log").read_text()
    used = {line.split()[-2] for line in access_log.splitlines() if "/webhooks/rest/webhook" in line}
    assert {s.removeprefix("http://") for s in rasa_servers(scaled)} <= used

    session_id = f"scaled-widget-{secrets.token_hex(8)}"
    async with widget_session(scaled.rasa_port, session_id) as (client, received):  # through nginx
        message = {"message": "hello there", "session_id": session_id}
        assert await client.call("user_uttered", message, timeout=30) == {"status": "ok"}
        greeting = await asyncio.wait_for(received.get(), 30)
    assert "automated assistant" in greeting["text"]


def test_the_scaled_set_refuses_to_start_without_postgresql_and_redis(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'one-machine.db'}",
        "RASA_PORT": "1",  # never reached: the checks come first
    }
    run = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--scaled"],
        env=env,
        cwd=config.PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert "DATABASE_URL is sqlite; the scaled set needs PostgreSQL" in run.stderr
    assert "REDIS_URL is not set" in run.stderr
    assert not list(tmp_path.glob("nginx*")), "nothing may start"


async def _messages_recorded(http, stack, sender, messages):
    """Each server's engagement broker recorded the customer messages it took (oldest first)."""
    profile = await profile_of(http, stack, sender)
    rows = profile["engagement"] if profile else []
    return [r["text"] for r in rows if r["direction"] == "in"] == messages


async def test_nginx_cuts_a_flood_from_one_address_while_another_keeps_getting_answers(scaled, http):
    """Per-address limits at the edge: 100 requests at once from 127.0.0.2 are mostly refused with
    a clear 429, while a customer at 127.0.0.1 converses as usual, during and after the flood."""
    health = f"http://127.0.0.1:{scaled.rasa_port}/webhooks/rest/"
    flooder = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=("127.0.0.2", 0), limit=0))

    async def hit() -> tuple[int, str]:
        async with flooder.get(health) as response:
            return response.status, await response.text()

    try:
        flood = [asyncio.create_task(hit()) for _ in range(100)]
        replies = await say(http, scaled.rest_url, f"calm-{secrets.token_hex(4)}", "hi")
        results = await asyncio.gather(*flood)
    finally:
        await flooder.close()
    statuses = Counter(status for status, _ in results)
    assert set(statuses) == {200, 429} and statuses[429] >= 50 and statuses[200] >= 20, statuses
    refusal = next(body for status, body in results if status == 429)
    assert "too many requests" in json.loads(refusal)["error"]
    assert texts(replies)  # the other address got its answer during the flood
    for _ in range(5):  # and keeps getting them right after
        async with http.get(health) as response:
            assert response.status == 200


async def test_nginx_limits_socket_connections_per_address(scaled, http):
    """At most 10 open socket.io connections from one address; another address still connects."""
    url = f"http://127.0.0.1:{scaled.rasa_port}/socket.io/?EIO=4&transport=websocket"
    crowd = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=("127.0.0.3", 0), limit=0))
    sockets, refused = [], []
    try:
        for _ in range(12):
            try:
                sockets.append(await crowd.ws_connect(url))
            except aiohttp.WSServerHandshakeError as error:
                refused.append(error.status)
        assert (len(sockets), refused) == (10, [429, 429])
        async with widget_session(scaled.rasa_port, f"calm{secrets.token_hex(8)}") as (client, _):
            assert client.connected  # 127.0.0.1 is not affected
    finally:
        for socket in sockets:
            await socket.close()
        await crowd.close()
