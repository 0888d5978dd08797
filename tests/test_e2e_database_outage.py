"""PostgreSQL restarted mid-conversation: the customer is told, nothing is lost, the chat goes on.

A private PostgreSQL cluster (initdb into a temporary directory, its own port) is stopped and
started under the running assistant; the shared server other tests use is never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.launch import Stack, free_port, start_stack
from tests.chat import profile_of, say, texts, wait_for

BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]


class PrivatePostgres:
    """A throwaway cluster with trust auth, run as the `postgres` user when we are root."""

    def __init__(self, directory: Path) -> None:
        self.directory, self.port = directory, free_port()
        self.url = f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/postgres"
        self._run("initdb", "-D", str(directory / "data"), "-A", "trust", "-U", "postgres", "--no-sync")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(BIN / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.directory)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.directory / "data"), "-o", options, "-l", "postgres.log", "-w", "start"
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.directory / "data"), "-m", "fast", "-w", "stop")


@pytest.fixture(scope="module")
def postgres() -> Iterator[PrivatePostgres]:
    directory = Path(tempfile.mkdtemp(prefix="concierge-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    server = PrivatePostgres(directory)
    server.start()
    try:
        yield server
    finally:
        subprocess.run(
            [str(BIN / "pg_ctl"), "-D", str(directory / "data"), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
            user="postgres" if os.geteuid() == 0 else None,
        )
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def pg_stack(trained_model: Path, tmp_path_factory: pytest.TempPathFactory, postgres) -> Iterator[Stack]:
    # Twilio settings so the SMS sender polls the outbox (and must ride out the outage too);
    # nothing is queued, so nothing is ever sent to the (unreachable) API address.
    twilio = {
        "TWILIO_AUTH_TOKEN": "outage-test-token",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_FROM_NUMBER": "+15550109999",
        "TWILIO_API_URL": f"http://127.0.0.1:{free_port()}",
    }
    var_dir = tmp_path_factory.mktemp("pg-outage-stack")
    with start_stack(var_dir, trained_model, database_url=postgres.url, extra_env=twilio) as running:
        yield running


async def test_a_database_restart_mid_conversation_loses_nothing(pg_stack, postgres, http):
    stack, sender = pg_stack, "pg-outage"
    assert "name" in texts(await say(http, stack.rest_url, sender, "I'd like to leave my contact details"))

    postgres.stop()
    try:
        during = texts(await say(http, stack.rest_url, sender, "Dana Whitfield"))
        assert "can't reach our records" in during and "I'll retry" in during
        async with http.get(f"{stack.web_url}/healthz") as response:
            assert response.status == 503 and (await response.json())["database"] is False
    finally:
        postgres.start()

    # The first message after the restart goes through (stale connections are retried), and the
    # form is where it was: the name is still the question.
    assert "mobile number" in texts(await say(http, stack.rest_url, sender, "Dana Whitfield"))
    assert "email" in texts(await say(http, stack.rest_url, sender, "555 010 0321")).lower()
    assert stack.process.poll() is None, "a part died during the outage"

    async def everything():
        profile = await profile_of(http, stack, sender)
        rows = profile["engagement"] if profile else []
        return rows if len([r for r in rows if r["direction"] == "in"]) == 4 else None

    rows = await wait_for(everything, timeout=30)
    assert [r["text"] for r in rows if r["direction"] == "in"] == [
        "I'd like to leave my contact details",
        "Dana Whitfield",  # the one sent while the database was down, kept by the broker
        "Dana Whitfield",
        "555 010 0321",
    ]
    assert [r["text"] for r in rows if r["action"] == "database_unavailable"] == [during.strip()]
    log = stack.log.read_text()
    assert "Database unavailable while handling a message" in log
    assert "Dana" not in log and "0321" not in log  # database errors quote parameters; not here
