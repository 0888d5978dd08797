"""Shared fixtures: real databases (SQLite and PostgreSQL), a trained model, the running stack."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from bot import config, db
from bot.profile import ProfileStore
from bot.training import train

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


def postgres_schema_url(schema: str) -> URL:
    """A URL whose connections live in their own schema, so test runs never see each other."""
    return make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[URL]:
    """A fresh, migrated database of each kind."""
    if request.param == "sqlite":
        url = make_url(f"sqlite:///{tmp_path / 'profile.db'}")
        db.upgrade(url)
        yield url
        return
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(POSTGRES_URL, future=True)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = postgres_schema_url(schema)
    try:
        db.upgrade(url)
        yield url
    finally:
        db.engine_for(url).dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def store(database_url: URL) -> ProfileStore:
    return ProfileStore(db.session_factory(database_url))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The assistant's real model, trained from config.yml (skipped when inputs are unchanged)."""
    model = config.model_path()
    train(model)
    return model


@dataclass
class Stack:
    """The whole assistant, run by its own supervisor as `make run` does."""

    process: subprocess.Popen[bytes]
    env: dict[str, str]
    var_dir: Path
    log: Path
    rasa_port: int
    web_port: int
    actions_port: int
    staff_token: str = field(default_factory=lambda: secrets.token_urlsafe(16))

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def staff_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.env['STAFF_TOKEN']}"}

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(90)
        return self.process.returncode


def start_stack(var_dir: Path, model: Path, database_url: str | None = None) -> Stack:
    var_dir.mkdir(parents=True, exist_ok=True)
    ports = {name: free_port() for name in ("ACTIONS_PORT", "RASA_PORT", "WEB_PORT")}
    env = {
        **os.environ,
        **{name: str(port) for name, port in ports.items()},
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url or f"sqlite:///{var_dir / 'concierge.db'}",
        "MODEL_PATH": str(model),
        "STAFF_TOKEN": secrets.token_urlsafe(16),
    }
    subprocess.run([sys.executable, "-m", "bot", "migrate"], env=env, check=True, cwd=config.PROJECT_ROOT)
    log = var_dir / "stack.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        cwd=config.PROJECT_ROOT,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    stack = Stack(process, env, var_dir, log, ports["RASA_PORT"], ports["WEB_PORT"], ports["ACTIONS_PORT"])
    wait_healthy(stack)
    return stack


def wait_healthy(stack: Stack, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack.process.poll() is not None:
            raise RuntimeError(f"stack exited early:\n{stack.log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{stack.web_url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(1)
    stack.stop()
    raise RuntimeError(f"stack not healthy in {timeout}s:\n{stack.log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def stack(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("stack"), trained_model)
    yield running
    running.stop()
