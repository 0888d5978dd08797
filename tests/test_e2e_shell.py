"""`python -m bot shell` (`make shell`) in a real pseudo-terminal: only the conversation on the
terminal, and every process it started gone, ports free, however the session ends."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot import config
from bot.launch import children_of, free_port

PROMPT = "Your input ->"
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")


@dataclass
class Terminal:
    """The staff member's side of the pseudo-terminal `bot shell` runs in."""

    process: subprocess.Popen[bytes]
    master: int
    log: Path
    ports: tuple[int, int]  # the shell's Rasa server and its action server
    seen: bytes = b""

    def read_until(self, text: str, timeout: float) -> str:
        """Everything shown on the terminal (colours and cursor moves removed) up to `text`."""
        deadline = time.monotonic() + timeout
        while text.encode() not in ANSI.sub(b"", self.seen):
            left = deadline - time.monotonic()
            assert left > 0, f"no {text!r} on the terminal within {timeout}s:\n{self.shown()}"
            if select.select([self.master], [], [], left)[0]:
                self.seen += os.read(self.master, 65536)
        return self.shown()

    def settle(self, quiet: float) -> None:
        """Read until nothing more has come for `quiet` seconds."""
        while select.select([self.master], [], [], quiet)[0]:
            self.seen += os.read(self.master, 65536)

    def shown(self) -> str:
        return ANSI.sub(b"", self.seen).decode(errors="replace")

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())


def _take_terminal() -> None:
    """In the child, after setsid: the pty becomes its controlling terminal, as a login's is."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@pytest.fixture
def terminal(trained_model: Path, tmp_path: Path) -> Iterator[Terminal]:
    ports = (free_port(), free_port())
    env = {
        **os.environ,
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shell.db'}",
        "MODEL_PATH": str(trained_model),
        "RASA_PORT": str(ports[0]),
        "ACTIONS_PORT": str(ports[1]),
        "TERM": "xterm",
        "PROMPT_TOOLKIT_NO_CPR": "1",  # a terminal answers cursor-position requests; this one can't
    }
    subprocess.run([sys.executable, "-m", "bot", "migrate"], env=env, cwd=config.PROJECT_ROOT, check=True)
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "shell"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=config.PROJECT_ROOT,
        env=env,
        start_new_session=True,
        preexec_fn=_take_terminal,
    )
    os.close(slave)
    shell = Terminal(process, master, tmp_path / "shell.log", ports)
    try:
        yield shell
    finally:
        for pid in _family(process.pid):  # only if a test failed half-way
            os.kill(pid, signal.SIGKILL)
        process.wait()
        if shell.master >= 0:  # not hung up by the test
            os.close(shell.master)


def _family(pid: int) -> set[int]:
    """A process and all its descendants, alive now."""
    found = {pid} if Path(f"/proc/{pid}").exists() else set()
    for child, _ in children_of(pid):
        found |= _family(child)
    return found


def _alive(pids: set[int]) -> set[int]:
    """Those still running (zombies count as gone: they hold no ports)."""
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def _free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def _hang_up(shell: Terminal) -> None:
    os.close(shell.master)  # the terminal goes away, as when an SSH connection drops: SIGHUP
    shell.master = -1


def _terminate(shell: Terminal) -> None:
    shell.process.send_signal(signal.SIGTERM)  # `kill <pid of bot shell>`


def _ctrl_c(shell: Terminal) -> None:
    shell.type("\x03")


@pytest.mark.parametrize("end", [_hang_up, _terminate, _ctrl_c], ids=["SIGHUP", "SIGTERM", "Ctrl-C"])
def test_the_shell_shows_the_conversation_only_and_stops_everything_it_started(terminal, end):
    shown = terminal.read_until(PROMPT, timeout=240)
    assert f"Logs: {terminal.log}" in shown
    started = _family(terminal.process.pid)
    commands = [_cmdline(pid) for pid in started]
    assert any("rasa shell" in c for c in commands) and any("bot actions" in c for c in commands)
    assert not any(_free(port) for port in terminal.ports)  # both servers listen

    before = len(terminal.seen)
    terminal.type("hello\r")
    terminal.read_until("automated assistant", timeout=60)
    terminal.settle(quiet=3)  # the rest of the reply, and any log line that would follow it
    conversation = ANSI.sub(b"", terminal.seen[before:]).decode(errors="replace")
    assert "hello" in conversation and "automated assistant" in conversation
    assert not re.search(r"\b(INFO|DEBUG|WARNING)\b|Traceback", conversation), conversation
    assert " INFO " in terminal.log.read_text()  # the logs went to the file instead

    end(terminal)
    deadline = time.monotonic() + 10
    while (
        _alive(started) or not all(_free(port) for port in terminal.ports)
    ) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(started), [_cmdline(pid) for pid in _alive(started)]
    assert all(_free(port) for port in terminal.ports)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
