"""Faults in a running assistant: a part killed or restarted mid-conversation.

The stack runs with `PART_RESTARTS`, so the supervisor brings a dead part back (as in production
with restarts on) while the others keep serving.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from bot.launch import Stack, start_stack
from tests.chat import profile_of, say, texts, wait_for
from tests.dealer import SHOP


@pytest.fixture(scope="module")
def fault_stack(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    env = {"PART_RESTARTS": "3"}
    with start_stack(tmp_path_factory.mktemp("fault-stack"), trained_model, extra_env=env) as running:
        yield running


def wait_until_answering(url: str, healthy: bool = False, timeout: float = 180) -> None:
    """Until `url` answers again (with a 200 if `healthy`, else with any status)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            if not healthy:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} did not come back within {timeout}s")


def wait_until_gone(pid: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not Path(f"/proc/{pid}").exists(), f"process {pid} did not exit"


async def tracker(stack: Stack, sender: str) -> dict:
    token = (stack.var_dir / "rasa_token").read_text()
    url = f"http://127.0.0.1:{stack.rasa_port}/conversations/{sender}/tracker"
    async with aiohttp.ClientSession() as http, http.get(url, params={"token": token}) as response:
        assert response.status == 200
        return await response.json()


async def test_action_server_killed_mid_booking_apologises_then_the_booking_resumes_once(fault_stack, http):
    stack, sender = fault_stack, "fault-clinic"
    sessions = (await say(http, stack.rest_url, sender, "sign my daughter up for the teen driving class"))[-1]
    asked = texts(await say(http, stack.rest_url, sender, sessions["buttons"][0]["payload"]))
    assert "How old is your daughter" in asked  # said in the request: only her age is asked

    os.kill(stack.part_pid("actions"), signal.SIGKILL)
    during = texts(await say(http, stack.rest_url, sender, "me and my daughter Emma, 15"))
    assert "Sorry, something went wrong on our side" in during and SHOP.phone in during

    await asyncio.to_thread(wait_until_answering, f"http://127.0.0.1:{stack.actions_port}/health")
    assert "restarting it" in stack.log.read_text()
    confirm = texts(await say(http, stack.rest_url, sender, "me and my daughter Emma, 15"))
    assert "To confirm: Teen Driver Safety Clinic" in confirm and "Emma (15)" in confirm
    booked = texts(await say(http, stack.rest_url, sender, "yes"))
    assert "You're booked" in booked
    code = booked.split("confirmation code is ")[1][:6]

    async def recorded():
        profile = await profile_of(http, stack, sender)
        return profile if profile and any(e["booking_id"] == code for e in profile["engagement"]) else None

    profile = await wait_for(recorded)
    async with http.get(f"{stack.web_url}/api/bookings?kind=clinic", headers=stack.staff_headers) as response:
        mine = [b for b in await response.json() if b["customer_id"] == profile["id"]]
    assert [b["code"] for b in mine] == [code] and mine[0]["party_size"] == 2  # booked once
    [emma] = profile["household"]
    assert emma["name"] == "Emma"
    timeline = [(e["direction"], e["action"], e["text"]) for e in profile["engagement"]]
    # Nothing lost: the message the dead action server couldn't handle and the apology are there.
    assert timeline.count(("in", None, "me and my daughter Emma, 15")) == 2
    assert [t for t in timeline if t[1] == "action_failed"] == [("out", "action_failed", during.strip())]


async def test_a_paused_conversation_stays_silent(fault_stack, http):
    """Deliberate silence (staff took over) is not mistaken for a failure: no apology."""
    stack, sender = fault_stack, "fault-paused"
    await say(http, stack.rest_url, sender, "hi")
    token = (stack.var_dir / "rasa_token").read_text()
    url = f"http://127.0.0.1:{stack.rasa_port}/conversations/{sender}/tracker/events"
    async with http.post(url, params={"token": token}, json={"event": "pause"}) as response:
        assert response.status == 200
    assert await say(http, stack.rest_url, sender, "hello? anyone there?") == []


async def test_rasa_restarted_mid_conversation_continues_from_the_tracker_store(fault_stack, http):
    stack, sender = fault_stack, "fault-rasa-restart"
    assert "name" in texts(await say(http, stack.rest_url, sender, "I'd like to leave my contact details"))
    assert "mobile number" in texts(await say(http, stack.rest_url, sender, "Robin Fairweather"))

    rasa_pid = stack.part_pid("rasa")
    os.kill(rasa_pid, signal.SIGTERM)  # as a deploy or the OOM killer's polite cousin would
    await asyncio.to_thread(wait_until_gone, rasa_pid)
    await asyncio.to_thread(wait_until_answering, f"{stack.web_url}/healthz", healthy=True)
    assert stack.part_pid("rasa") != rasa_pid

    restored = await tracker(stack, sender)
    assert restored["slots"]["customer_name"] == "Robin Fairweather"
    assert restored["active_loop"]["name"] == "contact_form"
    assert "email" in texts(await say(http, stack.rest_url, sender, "555-010-3344")).lower()

    async def all_rows():
        profile = await profile_of(http, stack, sender)
        inbound = [e["text"] for e in profile["engagement"] if e["direction"] == "in"] if profile else []
        return inbound if len(inbound) == 3 else None

    sent = ["I'd like to leave my contact details", "Robin Fairweather", "555-010-3344"]
    assert await wait_for(all_rows) == sent


async def test_no_customer_data_in_the_logs(fault_stack, http):
    """Phones, emails, names and message text never reach the stack's log, not even from failures
    or the staff API's access log (queries like `?phone=`)."""
    stack, sender = fault_stack, "fault-pii"
    secret_text = "my garage code is zebra-quartz-771"
    assert "name" in texts(await say(http, stack.rest_url, sender, "I'd like to leave my contact details"))
    assert "mobile number" in texts(await say(http, stack.rest_url, sender, "Quentin Ozymandias"))
    assert "email" in texts(await say(http, stack.rest_url, sender, "555 010 0987")).lower()
    assert "text you" in texts(await say(http, stack.rest_url, sender, "quentin.oz@example.org"))
    await say(http, stack.rest_url, sender, "yes please")
    await say(http, stack.rest_url, sender, secret_text)
    for query in ({"phone": "+15550100987"}, {"email": "quentin.oz@example.org"}, {"phone": "555-010-0987"}):
        async with http.get(f"{stack.web_url}/api/customers", params=query, headers=stack.staff_headers) as r:
            assert r.status == 200 and len(await r.json()) == 1
    async with http.get(f"{stack.web_url}/api/customers", params={"phone": "0987"}) as r:
        assert r.status == 401  # and the refused request's query isn't logged either
    await asyncio.sleep(1)  # let the processes flush their logs

    log = stack.log.read_text()
    assert "GET /api/customers" in log  # the access log is on, just without query strings
    for private in (
        "Quentin",
        "Ozymandias",
        "quentin.oz",
        "example.org",
        "0100987",
        "010 0987",
        "0987",
        "zebra-quartz",
        stack.env["STAFF_TOKEN"],
        (stack.var_dir / "rasa_token").read_text(),
    ):
        assert private not in log, f"{private!r} is in the log"


def listening_addresses(port: int) -> set[str]:
    """The local IPv4 addresses a port is listening on, from /proc/net/tcp (state 0A = LISTEN)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.add(".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0)))
    return found


async def test_the_exposed_surface_is_locked_down(fault_stack, http):
    stack = fault_stack
    assert listening_addresses(stack.actions_port) == {"127.0.0.1"}  # actions: localhost only
    rasa = f"http://127.0.0.1:{stack.rasa_port}"
    for path in ("/status", "/conversations/fault-clinic/tracker", "/version/../status"):
        async with http.get(f"{rasa}{path}") as response:
            assert response.status in (401, 404), path  # Rasa's API needs RASA_TOKEN
    async with http.get(f"{rasa}/status", params={"token": "wrong"}) as response:
        assert response.status == 401
    async with http.get(f"{stack.web_url}/api/customers/1") as response:
        assert response.status == 401  # staff routes need the staff token
    evil = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    async with http.options(stack.rest_url, headers=evil) as response:
        assert "Access-Control-Allow-Origin" not in response.headers  # CORS: ALLOWED_ORIGINS only
    ours = {**evil, "Origin": f"http://localhost:{stack.web_port}"}
    async with http.options(stack.rest_url, headers=ours) as response:
        assert response.headers.get("Access-Control-Allow-Origin") == ours["Origin"]
    async with http.get(f"{rasa}/socket.io/", params={"EIO": "4", "transport": "polling"}, headers=evil) as r:
        assert r.status >= 400  # the widget's socket refuses other sites
