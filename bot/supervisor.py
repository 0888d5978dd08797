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
from typing import IO

from bot import config

STOP_GRACE_SECONDS = 30
SHELL_STOP_GRACE_SECONDS = 5  # the shell's parts hold no customer traffic to drain
READY = "Mobility Concierge is ready"  # printed once every part answers


@dataclass
class Part:
    name: str
    argv: list[str]
    health_url: str | None  # None: no HTTP side; ready while running
    env: dict[str, str] = field(default_factory=dict)  # this process's own settings, e.g. its port
    output: IO[bytes] | None = None  # where its output and logs go; None: the supervisor's
    process: subprocess.Popen[bytes] | None = None
    ready: bool = False
    restarts: int = 0

    def start(self) -> None:
        # A session (and process group) of its own: Ctrl-C or a terminal's hangup reaches only
        # the supervisor, which stops parts in order, each with whatever it started.
        self.process = subprocess.Popen(
            self.argv,
            cwd=config.PROJECT_ROOT,
            env={**os.environ, **self.env},
            start_new_session=True,
            stdout=self.output,
            stderr=self.output,
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

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        if self.process:
            stop_process(self.name, self.process, grace, group=True)


def stop_process(name: str, process: subprocess.Popen[bytes], grace: float, group: bool) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds. With `group` (a process that leads its own
    process group), the whole group, and whatever of it outlives the leader is killed: nothing it
    started is left holding a port."""

    def send(sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):  # already gone
            if group:
                os.killpg(process.pid, sig)
            else:
                process.send_signal(sig)

    if process.poll() is None:
        send(signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            _say(f"{name} did not stop in {grace:g}s; killing it")
            send(signal.SIGKILL)
            process.wait()
    if group:
        send(signal.SIGKILL)


def _say(text: str) -> None:
    """Print for the operator; a terminal that hung up (SIGHUP) must not interrupt a shutdown."""
    with contextlib.suppress(OSError):
        print(text, flush=True)


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


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class _Stop(Exception):
    pass


def _raise_stop(signum: int, _frame: object) -> None:
    """The first stop signal starts the shutdown; later ones must not interrupt it."""
    _ignore_stop_signals()
    raise _Stop(signal.Signals(signum).name)


def _on_stop_signals() -> None:
    for sig in STOP_SIGNALS:
        signal.signal(sig, _raise_stop)


def _ignore_stop_signals() -> None:
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)


def supervise(running: list[Part] | None = None) -> int:
    """Start all parts (`make run`'s by default), report when each listens, and stop everything
    on a signal or a death."""
    config.crm_leads()  # checked before anything starts: a bad CRM_LEAD_EMAIL stops here, saying why
    config.email_links()  # likewise SMTP_URL without EMAIL_LINK_SECRET, or a bad EMAIL_LINK_HOSTS
    token, token_file = config.staff_token()
    if token_file:
        print(f"Staff API token: stored in {token_file} (set STAFF_TOKEN to choose your own).", flush=True)
    _on_stop_signals()
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
        _ignore_stop_signals()
        _say("Stopping...")
        # Front to back: no new customer traffic first, then Rasa (which drains engagement).
        for part in reversed(running):
            part.stop()
        _say("Stopped.")
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


def run_shell(verbose: bool) -> int:
    """`python -m bot shell`: Rasa's shell in this terminal, with an action server if none runs.

    Everything it starts is stopped when the shell ends, on Ctrl-C, on SIGTERM and when the
    terminal hangs up (SIGHUP, e.g. a dropped SSH session), so no server is left holding a port.
    Logs go to `var/shell.log` unless `verbose`, so the terminal shows only the conversation.
    """
    log = None
    if not verbose:
        path = config.var_dir() / "shell.log"
        log = path.open("ab")
        print(f"Logs: {path} (--verbose shows them here).", flush=True)
    _on_stop_signals()
    try:
        with action_server_for_shell(log):
            # In this process group, not a session of its own: it reads this terminal.
            shell = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "rasa",
                    "shell",
                    "--model",
                    str(config.model_path()),
                    "--endpoints",
                    "endpoints.yml",
                    "--credentials",
                    "credentials.yml",
                    "--port",
                    str(config.ports().rasa),
                ],
                cwd=config.PROJECT_ROOT,
                stderr=log,
            )
            try:
                return shell.wait()
            finally:
                _ignore_stop_signals()
                stop_process("Rasa shell", shell, SHELL_STOP_GRACE_SECONDS, group=False)
    except _Stop:
        return 0
    finally:
        if log:
            log.close()


@contextlib.contextmanager
def action_server_for_shell(log: IO[bytes] | None) -> Iterator[None]:
    """Use the running action server, or start one (its output to `log`) for the shell session."""
    part = parts()[0]
    if part.answers():
        yield
        return
    part.output = log
    part.start()
    messages = log.name if log else "the messages above"
    try:
        deadline = time.monotonic() + 120
        while not part.answers():
            if part.process and part.process.poll() is not None:
                raise SystemExit(f"The action server failed to start; see {messages}.")
            if time.monotonic() > deadline:
                raise SystemExit("The action server did not start within 2 minutes.")
            time.sleep(0.5)
        yield
    finally:
        _ignore_stop_signals()
        part.stop(SHELL_STOP_GRACE_SECONDS)
