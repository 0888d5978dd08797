"""One process that runs the action server, the Rasa server and the web app together.

A part that dies is restarted up to `PART_RESTARTS` times (default 0); after that, the others are
stopped too: a half-running assistant for good (say, Rasa without its actions) would answer
customers wrongly, which is worse than not answering. While a part restarts, customers get an
apology rather than silence (bot/channels/failures.py) and every state lives in the database.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field

from bot import config

STOP_GRACE_SECONDS = 30
READY = "Mobility Concierge is ready"  # printed once every part answers


@dataclass
class Part:
    name: str
    argv: list[str]
    health_url: str | None  # None: no HTTP side; ready while running
    env: dict[str, str] = field(default_factory=dict)  # this process's own settings, e.g. its port
    process: subprocess.Popen[bytes] | None = None
    ready: bool = False
    restarts: int = 0

    def start(self) -> None:
        # A session of its own: Ctrl-C reaches only the supervisor, which stops parts in order.
        self.process = subprocess.Popen(
            self.argv, cwd=config.PROJECT_ROOT, env={**os.environ, **self.env}, start_new_session=True
        )

    def answers(self) -> bool:
        if self.health_url is None:
            return self.process is not None and self.process.poll() is None
        try:
            with urllib.request.urlopen(self.health_url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # it answered, even if it is not fully healthy yet
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                print(f"{self.name} did not stop in {STOP_GRACE_SECONDS}s; killing it", flush=True)
                self.process.kill()
                self.process.wait()


def bot_part(name: str, command: str, health_url: str | None, **env: str) -> Part:
    """A part run as `python -m bot <command>`."""
    return Part(name, [sys.executable, "-m", "bot", command], health_url, env)


def parts() -> list[Part]:
    ports = config.ports()
    return [
        bot_part("action server", "actions", f"http://127.0.0.1:{ports.actions}/health"),
        bot_part("Rasa server", "rasa", f"http://127.0.0.1:{ports.rasa}/"),
        bot_part("web app", "web", f"http://127.0.0.1:{ports.web}/healthz"),
        bot_part("SMS sender", "sms-sender", None),
    ]


class _Stop(Exception):
    pass


def _raise_stop(signum: int, _frame: object) -> None:
    raise _Stop(signal.Signals(signum).name)


def supervise(running: list[Part] | None = None) -> int:
    """Start all parts (`make run`'s by default), report when each listens, and stop everything
    on a signal or a death."""
    token, token_file = config.staff_token()
    if token_file:
        print(f"Staff API token: stored in {token_file} (set STAFF_TOKEN to choose your own).", flush=True)
    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGTERM, _raise_stop)
    running = running or parts()
    restart_limit = config.part_restarts()
    exit_code = 0
    announced = False
    try:
        for part in running:
            part.start()
        while True:
            for part in running:
                code = part.process.poll() if part.process else None
                if code is not None and part.restarts < restart_limit:
                    part.restarts += 1
                    print(
                        f"{part.name} exited with code {code}; restarting it "
                        f"(restart {part.restarts} of {restart_limit}).",
                        file=sys.stderr,
                        flush=True,
                    )
                    part.ready = False
                    part.start()
                    continue
                if code is not None:
                    print(
                        f"{part.name} exited with code {code}; stopping the rest.",
                        file=sys.stderr,
                        flush=True,
                    )
                    exit_code = 1
                    raise _Stop(part.name)
                if not part.ready and part.answers():
                    part.ready = True
                    print(f"{part.name} is {_where(part)}", flush=True)
                    if not announced and all(p.ready for p in running):
                        announced = True
                        _print_ready()
            time.sleep(0.5)
    except _Stop:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("Stopping...", flush=True)
        # Front to back: no new customer traffic first, then Rasa (which drains engagement).
        for part in reversed(running):
            part.stop()
        print("Stopped.", flush=True)
    return exit_code


def _where(part: Part) -> str:
    return f"listening: {part.health_url}" if part.health_url else "running"


def _print_ready() -> None:
    ports = config.ports()
    print(
        f"\n{READY}:\n"
        f"  chat (REST):  POST http://localhost:{ports.rasa}/webhooks/rest/webhook\n"
        f"  socket.io:    http://localhost:{ports.rasa}/socket.io\n"
        f"  SMS webhook:  POST http://localhost:{ports.rasa}/webhooks/sms/webhook (Twilio, signed)\n"
        f"  web app:      http://localhost:{ports.web}/  (health: /healthz, staff API: /api/)\n"
        f"  actions:      http://127.0.0.1:{ports.actions}/health\n"
        "Press Ctrl-C to stop.\n",
        flush=True,
    )


@contextlib.contextmanager
def action_server_for_shell() -> Iterator[None]:
    """Use the running action server, or start one for the length of a shell session."""
    part = parts()[0]
    if part.answers():
        yield
        return
    part.start()
    try:
        deadline = time.monotonic() + 120
        while not part.answers():
            if part.process and part.process.poll() is not None:
                raise SystemExit("The action server failed to start; see the messages above.")
            if time.monotonic() > deadline:
                raise SystemExit("The action server did not start within 2 minutes.")
            time.sleep(0.5)
        yield
    finally:
        part.stop()
