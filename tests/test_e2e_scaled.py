"""The production profile (`run --scaled`): two Rasa servers and two action servers behind nginx,
sharing PostgreSQL (profiles, Rasa's tracker store) and Redis (Rasa's lock store, socket.io emits).

One scaled set for the whole module (it is five servers on a 2-core machine).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import pickle
import secrets
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis.asyncio
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot import config, db
from bot.channels.socketio_redis import channel_name
from bot.console.takeover import RasaConversations
from bot.engagement.lock_store import RedisUrlLockStore
from bot.launch import Stack, free_port, start_stack
from tests.chat import profile_of, say, texts, wait_for, widget_session
from tests.conftest import postgres_schema, redis_lock_settings
from tests.test_e2e_sms import PUBLIC_URL, a_text_then_a_web_booking_with_the_same_phone
from tests.test_e2e_sms import TOKEN as TWILIO_TOKEN


@pytest.fixture(scope="module")
def scaled(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with postgres_schema() as url, redis_lock_settings() as locks:
        token = secrets.token_urlsafe(16)
        settings = {
            **locks,
            "RASA_SERVERS": "2",
            "ACTION_SERVERS": "2",
            "RASA_TOKEN": token,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "PUBLIC_URL": PUBLIC_URL,
        }
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
    assert "How old is your daughter" in texts(await turn(sessions["buttons"][0]["payload"]))
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


async def received_within(queue: asyncio.Queue[dict[str, Any]], seconds: float) -> list[dict[str, Any]]:
    """Every message a widget session receives until none has come for `seconds`."""
    messages = []
    try:
        while True:
            messages.append(await asyncio.wait_for(queue.get(), seconds))
    except asyncio.TimeoutError:
        return messages


async def test_staff_replies_reach_the_browser_whichever_rasa_server_sends_them(scaled, http):
    """A browser on Rasa server 1 gets every staff reply sent through server 2 or through nginx;
    the customer on server 2 gets none of them, and each gets only their own bot replies."""
    token = scaled.env["RASA_TOKEN"]
    first, second = rasa_servers(scaled)
    mine, theirs = (f"scaled-staff-{secrets.token_hex(8)}" for _ in range(2))
    async with (
        widget_session(scaled.rasa_port + 1, mine) as (client, received),
        widget_session(scaled.rasa_port + 2, theirs) as (other_client, other_received),
    ):
        await client.call("user_uttered", {"message": "hello", "session_id": mine}, timeout=30)
        greeting = await received_within(received, 3)
        assert "automated assistant" in greeting[0]["text"]
        assert await received_within(other_received, 0.5) == []

        routes = {"server 2": second, "nginx": f"http://127.0.0.1:{scaled.rasa_port}"}
        sent = [
            f"Staff reply {i} via {route}"
            for route, count in (("server 2", 20), ("nginx", 10))
            for i in range(count)
        ]
        for text_ in sent:  # as the staff console sends them (bot/console/takeover.py)
            await RasaConversations(routes[text_.split(" via ")[1]], token).say(mine, "socketio", text_)
        arrived = [m["text"] for m in await received_within(received, 3)]
        assert arrived == sent  # 20 of 20 through server 2 and 10 of 10 through nginx, in order

        await other_client.call("user_uttered", {"message": "hello", "session_id": theirs}, timeout=30)
        await RasaConversations(first, token).say(theirs, "socketio", "Staff reply via server 1")
        other_texts = [m["text"] for m in await received_within(other_received, 3)]
        assert "automated assistant" in other_texts[0] and other_texts[-1] == "Staff reply via server 1"
        assert not set(other_texts) & set(sent)
        assert await received_within(received, 0.5) == []  # nothing of theirs reached mine


async def test_only_json_emits_on_this_assistants_redis_channel_reach_browsers(scaled):
    """A pickled message (the stock manager would unpickle it: code execution) and one on another
    assistant's channel (no key prefix) are ignored; the same emit as JSON on ours arrives."""
    session_id = f"scaled-channel-{secrets.token_hex(8)}"
    emit = {"method": "emit", "event": "bot_uttered", "namespace": "/", "room": session_id}
    ours = channel_name(scaled.env["LOCK_STORE_KEY_PREFIX"])
    client = redis.asyncio.Redis.from_url(scaled.env["REDIS_URL"])
    async with widget_session(scaled.rasa_port + 1, session_id) as (_, received):
        await client.publish(ours, pickle.dumps({**emit, "data": {"text": "pickled"}}))
        await client.publish(channel_name(None), json.dumps({**emit, "data": {"text": "not ours"}}))
        await client.publish(ours, json.dumps({**emit, "data": {"text": "ours"}}))
        assert [m["text"] for m in await received_within(received, 2)] == ["ours"]
    await client.close()


def test_a_rasa_server_with_redis_url_but_no_redis_refuses_to_start(tmp_path):
    env = {
        **os.environ,
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'one-machine.db'}",
        "REDIS_URL": f"redis://:secret-password@127.0.0.1:{free_port()}/0",  # nothing listens there
        "RASA_PORT": str(free_port()),
    }
    run = subprocess.run(
        [sys.executable, "-m", "bot", "rasa"],
        env=env,
        cwd=config.PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 1
    assert "REDIS_URL is set but Redis does not answer at 127.0.0.1:" in run.stderr
    assert "Traceback" not in run.stderr and "secret-password" not in run.stderr + run.stdout


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


async def test_a_web_booking_after_a_text_survives_the_profile_merge_on_postgresql(scaled, http):
    await a_text_then_a_web_booking_with_the_same_phone(http, scaled, "+15550100471")


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
