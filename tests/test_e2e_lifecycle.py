"""The supervisor: clean stop, restart with conversations restored, no half-running system."""

from __future__ import annotations

import os
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp

from bot.launch import Stack, children_of, start_stack
from tests.chat import say, texts


def listening(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


async def tracker(stack: Stack, sender: str) -> dict:
    token = (stack.var_dir / "rasa_token").read_text()
    url = f"http://127.0.0.1:{stack.rasa_port}/conversations/{sender}/tracker"
    async with aiohttp.ClientSession() as http, http.get(url, params={"token": token}) as response:
        return await response.json()


async def test_sigterm_stops_everything_and_a_restart_restores_the_conversation(trained_model, tmp_path):
    with start_stack(tmp_path / "var", trained_model) as stack:
        parts = children_of(stack.process.pid)
        assert len(parts) == 4  # action server, Rasa server, web app, SMS sender
        async with aiohttp.ClientSession() as http:
            await say(http, stack.rest_url, "lifecycle", "hi")
            assert "name" in texts(
                await say(http, stack.rest_url, "lifecycle", "I want to leave my contact details")
            )
            assert "mobile number" in texts(await say(http, stack.rest_url, "lifecycle", "Robin"))

        assert stack.stop() == 0
        for pid, _ in parts:
            assert not Path(f"/proc/{pid}").exists(), "a child outlived the supervisor"
        assert not any(listening(port) for port in (stack.rasa_port, stack.web_port, stack.actions_port))
        assert "Stopped." in stack.log.read_text()

    with start_stack(tmp_path / "var", trained_model, database_url=stack.env["DATABASE_URL"]) as restarted:
        restored = await tracker(restarted, "lifecycle")
        assert restored["slots"]["customer_name"] == "Robin"
        assert restored["active_loop"]["name"] == "contact_form"
        async with aiohttp.ClientSession() as http:
            # The form picks up where it left off: the phone is next.
            reply = texts(await say(http, restarted.rest_url, "lifecycle", "555-010-3344"))
        assert "email" in reply.lower()


def test_if_one_part_dies_the_supervisor_stops_the_rest(trained_model, tmp_path):
    with start_stack(tmp_path / "var", trained_model) as stack:
        [(action_pid, _)] = [p for p in children_of(stack.process.pid) if "bot actions" in p[1]]
        os.kill(action_pid, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while stack.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert stack.process.returncode == 1
        log = stack.log.read_text()
        assert "action server exited" in log and "stopping the rest" in log
        assert not listening(stack.rasa_port) and not listening(stack.web_port)
