"""Starting the whole assistant as a child process, as `make run` does, for tests and benchmarks."""

from __future__ import annotations

import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bot import config
from bot.supervisor import READY


@dataclass
class Stack:
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    var_dir: Path
    log: Path
    rasa_port: int
    web_port: int
    actions_port: int

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def staff_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.env['STAFF_TOKEN']}"}

    def part_pid(self, command: str) -> int:
        """The pid of one running part by its `python -m bot` command (`actions`, `rasa`, `web`,
        `sms-sender`), e.g. for fault tests that kill it."""
        [pid] = [pid for pid, line in children_of(self.process.pid) if line.split()[-1:] == [command]]
        return pid

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()  # also when a test fails half-way: no servers left running

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(90)
        return self.process.returncode


def free_port(following: int = 0) -> int:
    """A free port; with `following`, one with that many free ports just above it (the scaled set's
    backends). A block is picked below the kernel's ephemeral range, where outgoing connections
    (to PostgreSQL, Redis, ...) could take one of its ports before a server binds it."""
    if not following:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]
    ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(1000):
        base = random.randint(10000, ephemeral - following - 1)
        if all(_bindable(base + i) for i in range(following + 1)):
            return base
    raise RuntimeError(f"no {following + 1} free ports in a row below {ephemeral}")


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("0.0.0.0", port))  # nginx listens on all addresses
        except OSError:
            return False
    return True


def start_stack(
    var_dir: Path,
    model: Path,
    database_url: str | None = None,
    timeout: float = 180,
    extra_env: dict[str, str] | None = None,
    scaled: bool = False,
) -> Stack:
    """Migrate, then run the supervisor on free ports with its state in `var_dir`; wait until healthy.

    `extra_env` adds settings, e.g. the Twilio ones for SMS tests. `scaled`: the production profile
    (`run --scaled`; its backends listen on the ports just above each of the three).
    """
    var_dir.mkdir(parents=True, exist_ok=True)
    names = ("ACTIONS_PORT", "RASA_PORT", "WEB_PORT")
    if scaled:  # each front port with room for up to 16 backends above it
        base = free_port(following=3 * 17 - 1)
        ports = {name: base + 17 * i for i, name in enumerate(names)}
    else:
        ports = {name: free_port() for name in names}
    env = {
        **os.environ,
        **{name: str(port) for name, port in ports.items()},
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url or f"sqlite:///{var_dir / 'concierge.db'}",
        "MODEL_PATH": str(model),
        "STAFF_TOKEN": secrets.token_urlsafe(16),
        **(extra_env or {}),
    }
    subprocess.run([sys.executable, "-m", "bot", "migrate"], env=env, check=True, cwd=config.PROJECT_ROOT)
    log = var_dir / "stack.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", *(["--scaled"] if scaled else [])],
        env=env,
        cwd=config.PROJECT_ROOT,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    stack = Stack(process, env, var_dir, log, ports["RASA_PORT"], ports["WEB_PORT"], ports["ACTIONS_PORT"])
    _wait_healthy(stack, timeout, every_part=scaled)
    return stack


def _wait_healthy(stack: Stack, timeout: float, every_part: bool) -> None:
    """Until the web app says healthy; with `every_part`, also until the supervisor says all parts
    answer (behind nginx, one healthy Rasa server is enough for the web app's health)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack.process.poll() is not None:
            raise RuntimeError(f"the assistant exited early:\n{stack.log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{stack.web_url}/healthz", timeout=2) as response:
                if response.status == 200 and (not every_part or READY in stack.log.read_text()):
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(1)
    stack.stop()
    raise RuntimeError(f"the assistant was not healthy within {timeout}s:\n{stack.log.read_text()[-4000:]}")


def children_of(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of a process's direct children, read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if parent == pid:
                found.append(
                    (int(entry.name), (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
                )
        except (OSError, ValueError, IndexError):
            continue
    return found
