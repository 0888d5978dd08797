"""The SMS outbox sender against a local server shaped like Twilio's Messages API, on real databases."""

from __future__ import annotations

import asyncio
import base64
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot import config, db
from bot.channels.sms.models import OutboxMessage
from bot.channels.sms.outbox import MAX_ATTEMPTS, Outbox, OutboxSender
from bot.channels.sms.twilio import TwilioClient
from bot.profile import ContactDetails, ProfileStore
from bot.web import create_app
from tests.dealer import services_on

ACCOUNT, AUTH_TOKEN, FROM = "AC" + "1" * 32, "outbox-test-token", "+15550109999"
T0 = datetime(2026, 12, 1, 15, 0)

SENDS = "+15550100801"
FLAKY = "+15550100802"  # 503 once, then fine
INVALID = "+15550100803"  # Twilio: not a valid phone number
UNSUBSCRIBED = "+15550100804"  # Twilio: texted STOP to our number
OPTED_OUT = "+15550100805"  # opted out on the profile: never sent to
DOWN = "+15550100806"  # Twilio keeps failing


@dataclass
class FakeTwilio:
    url: str
    calls: list[dict[str, str]] = field(default_factory=list)
    flaky: dict[str, list[int]] = field(default_factory=dict)


def twilio_error(status: int, code: int, message: str) -> web.Response:
    body = {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}"}
    return web.json_response({**body, "status": status}, status=status)


@pytest.fixture
async def fake_twilio(unused_tcp_port):
    fake = FakeTwilio(f"http://127.0.0.1:{unused_tcp_port}", flaky={FLAKY: [503]})
    expected_auth = "Basic " + base64.b64encode(f"{ACCOUNT}:{AUTH_TOKEN}".encode()).decode()

    async def messages(request: web.Request) -> web.Response:
        form = await request.post()
        if request.headers.get("Authorization") != expected_auth or request.match_info["sid"] != ACCOUNT:
            return twilio_error(401, 20003, "Authenticate")
        fake.calls.append({k: str(v) for k, v in form.items()})
        to = form.get("To")
        if to == DOWN or fake.flaky.get(to):
            status = fake.flaky[to].pop(0) if fake.flaky.get(to) else 500
            return twilio_error(status, 20500, "Internal Server Error")
        if to == INVALID:
            return twilio_error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if to == UNSUBSCRIBED:
            return twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")
        sid = f"SM{len(fake.calls):032x}"
        return web.json_response({"sid": sid, "status": "queued", "to": to, "from": form["From"]}, status=201)

    app = web.Application()
    app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", messages)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    yield fake
    await runner.cleanup()


@pytest.fixture
def outbox(database_url) -> Outbox:
    return Outbox(db.session_factory(database_url))


def queue(store: ProfileStore, database_url, phone: str, body: str = "Your car is ready.") -> int:
    """A consented customer with this phone and a staff message to it in the outbox."""
    customer = store.customer_for_sender("rest", f"outbox-{phone}")
    store.record_contact_details(customer, ContactDetails(name="Sam", phone=phone, sms_consent=True))
    with db.session_factory(database_url).begin() as session:
        message = OutboxMessage(customer_id=customer, phone=phone, body=body, kind="staff")
        session.add(message)
        session.flush()
        return message.id


def rows(database_url) -> dict[str, OutboxMessage]:
    with db.session_factory(database_url)() as session:
        return {m.phone: m for m in session.scalars(select(OutboxMessage))}


async def test_sends_retries_fails_and_skips_as_twilio_answers(store, outbox, database_url, fake_twilio):
    for phone in (SENDS, FLAKY, INVALID, UNSUBSCRIBED, OPTED_OUT):
        queue(store, database_url, phone)
    store.opt_out(OPTED_OUT, "sms:STOP")
    settings = config.Twilio(ACCOUNT, AUTH_TOKEN, FROM, fake_twilio.url)
    async with aiohttp.ClientSession() as http:
        sender = OutboxSender(outbox, store, TwilioClient(settings, http))
        outcomes = await sender.send_due(T0)
        assert outcomes == {"sent": 1, "retrying": 1, "failed": 1, "skipped": 2}
        assert OPTED_OUT not in {c["To"] for c in fake_twilio.calls}
        assert fake_twilio.calls[0] == {"To": SENDS, "From": FROM, "Body": "Your car is ready."}

        state = rows(database_url)
        sent = state[SENDS]
        assert (
            sent.status == "sent" and sent.twilio_sid.startswith("SM") and sent.sent_at and sent.attempts == 1
        )
        flaky = state[FLAKY]
        assert flaky.status == "queued" and flaky.attempts == 1 and "503" in flaky.last_error
        assert flaky.next_attempt_at == T0 + timedelta(seconds=30)
        invalid = state[INVALID]
        assert (
            invalid.status == "failed"
            and "21211" in invalid.last_error
            and "not a valid" in invalid.last_error
        )
        assert (state[OPTED_OUT].status, state[OPTED_OUT].skip_reason) == ("skipped", "opted_out")
        assert state[OPTED_OUT].attempts == 1
        assert (state[UNSUBSCRIBED].status, state[UNSUBSCRIBED].skip_reason) == ("skipped", "opted_out")
        assert store.is_opted_out(UNSUBSCRIBED)  # Twilio knew of a STOP we hadn't seen: now we do

        assert await sender.send_due(T0 + timedelta(seconds=10)) == {}  # not due yet
        assert await sender.send_due(T0 + timedelta(seconds=31)) == {"sent": 1}
        flaky = rows(database_url)[FLAKY]
        assert flaky.status == "sent" and flaky.attempts == 2 and flaky.last_error is None
        assert await sender.send_due(T0 + timedelta(days=1)) == {}  # nothing is sent twice
    assert sorted(c["To"] for c in fake_twilio.calls) == sorted([SENDS, FLAKY, FLAKY, INVALID, UNSUBSCRIBED])


async def test_backoff_doubles_until_it_gives_up(store, outbox, database_url, fake_twilio):
    queue(store, database_url, DOWN)
    settings = config.Twilio(ACCOUNT, AUTH_TOKEN, FROM, fake_twilio.url)
    async with aiohttp.ClientSession() as http:
        sender = OutboxSender(outbox, store, TwilioClient(settings, http))
        now, waits = T0, []
        for _ in range(MAX_ATTEMPTS - 1):
            assert await sender.send_due(now) == {"retrying": 1}
            retry_at = rows(database_url)[DOWN].next_attempt_at
            waits.append(retry_at - now)
            now = retry_at
        assert await sender.send_due(now) == {"failed": 1}
    assert waits == [timedelta(seconds=30 * 2**n) for n in range(MAX_ATTEMPTS - 1)]
    down = rows(database_url)[DOWN]
    assert down.status == "failed" and down.attempts == MAX_ATTEMPTS and "500" in down.last_error


async def test_two_senders_at_once_send_each_message_once(store, database_url, fake_twilio):
    phones = [f"+1555010090{n}" for n in range(8)]
    for phone in phones:
        queue(store, database_url, phone)
    settings = config.Twilio(ACCOUNT, AUTH_TOKEN, FROM, fake_twilio.url)
    async with aiohttp.ClientSession() as http:
        senders = [
            OutboxSender(Outbox(db.session_factory(database_url)), store, TwilioClient(settings, http))
            for _ in range(2)
        ]
        first, second = await asyncio.gather(*(s.send_due(T0) for s in senders))
    assert first["sent"] + second["sent"] == len(phones)
    assert sorted(c["To"] for c in fake_twilio.calls) == phones


async def test_wrong_credentials_fail_without_retrying(store, outbox, database_url, fake_twilio):
    queue(store, database_url, SENDS)
    settings = config.Twilio(ACCOUNT, "wrong-token", FROM, fake_twilio.url)
    async with aiohttp.ClientSession() as http:
        assert await OutboxSender(outbox, store, TwilioClient(settings, http)).send_due(T0) == {"failed": 1}
    assert "20003" in rows(database_url)[SENDS].last_error


async def test_an_unreachable_twilio_is_retried(store, outbox, database_url, unused_tcp_port):
    queue(store, database_url, SENDS)
    settings = config.Twilio(ACCOUNT, AUTH_TOKEN, FROM, f"http://127.0.0.1:{unused_tcp_port}")
    async with aiohttp.ClientSession() as http:
        assert await OutboxSender(outbox, store, TwilioClient(settings, http)).send_due(T0) == {"retrying": 1}
    assert "ClientConnectorError" in rows(database_url)[SENDS].last_error


async def test_staff_see_the_outbox_by_status(store, outbox, database_url, fake_twilio, unused_tcp_port):
    for phone in (SENDS, FLAKY, OPTED_OUT):
        queue(store, database_url, phone)
    store.opt_out(OPTED_OUT, "sms:STOP")
    settings = config.Twilio(ACCOUNT, AUTH_TOKEN, FROM, fake_twilio.url)
    async with aiohttp.ClientSession() as http:
        await OutboxSender(outbox, store, TwilioClient(settings, http)).send_due()
    app = create_app(services_on(database_url), "staff-token", f"http://127.0.0.1:{unused_tcp_port}", outbox)
    auth = {"Authorization": "Bearer staff-token"}
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/api/outbox")).status == 401
        everything = await (await client.get("/api/outbox", headers=auth)).json()
        assert [m["phone"] for m in everything] == [OPTED_OUT, FLAKY, SENDS]
        [waiting] = await (await client.get("/api/outbox?status=queued", headers=auth)).json()
        assert waiting["phone"] == FLAKY and waiting["attempts"] == 1
        assert waiting["next_attempt_at"].endswith("Z") and "503" in waiting["last_error"]
        [skipped] = await (await client.get("/api/outbox?status=skipped", headers=auth)).json()
        assert skipped["skip_reason"] == "opted_out"
        [sent] = await (await client.get("/api/outbox?status=sent", headers=auth)).json()
        assert sent["twilio_sid"] and sent["sent_at"] and sent["next_attempt_at"] is None
        bad = await client.get("/api/outbox?status=lost", headers=auth)
        assert bad.status == 400 and "status must be one of" in (await bad.json())["error"]
        assert (await client.get("/api/outbox?limit=0", headers=auth)).status == 400


@pytest.mark.processes
async def test_send_sms_command_sends_once_and_is_off_without_credentials(fake_twilio, tmp_path):
    url = make_url(f"sqlite:///{tmp_path / 'cli.db'}")
    db.upgrade(url)
    store = ProfileStore(db.session_factory(url))
    queue(store, url, SENDS)
    base = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")}
    env = {**base, "DATABASE_URL": str(url), "VAR_DIR": str(tmp_path)}

    async def send_sms(extra: dict[str, str]) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "send-sms",
            env={**env, **extra},
            cwd=config.PROJECT_ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        return process.returncode, output.decode()

    code, output = await send_sms({})
    assert code == 1 and "SMS sending is off" in output
    assert rows(url)[SENDS].status == "queued" and fake_twilio.calls == []

    twilio = {
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM,
        "TWILIO_API_URL": fake_twilio.url,
    }
    code, output = await send_sms(twilio)
    assert code == 0 and "1 sent, 0 retrying, 0 failed, 0 skipped." in output, output
    assert rows(url)[SENDS].status == "sent" and [c["To"] for c in fake_twilio.calls] == [SENDS]
    assert SENDS not in output  # no phone numbers in what the command prints or logs
