"""`python -m bot healthcheck [role]`: the container image's HEALTHCHECK, one command for every role.

One image runs every role (`python -m bot rasa|actions|web|sms-sender`), so the check finds the
role from the container's main process (PID 1's command line) unless told, and probes what that
role serves on this container's own loopback: Rasa's `/`, the action server's `/health`, the web
app's `/livez`. The SMS sender has no HTTP side; its loop touches a heartbeat file every pass, so
a stale file means a stuck loop. One-shot roles (migrate, train, ...) have nothing to check.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path

from bot import config
from bot.channels.sms.outbox import HEARTBEAT

SENDER_STALE_AFTER = 300.0  # seconds; a pass takes seconds, a slow Twilio at most a few minutes


def role_of(cmdline: Path = Path("/proc/1/cmdline")) -> str | None:
    """The `python -m bot <role>` of a process, or None if it is something else."""
    try:
        argv = cmdline.read_bytes().split(b"\0")
    except OSError:
        return None
    words = [a.decode(errors="replace") for a in argv if a]
    for i in range(len(words) - 2):
        if words[i] == "-m" and words[i + 1] == "bot":
            return words[i + 2]
    return None


def _answers_ok(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return None if response.status == 200 else f"{url} answered {response.status}"
    except urllib.error.HTTPError as error:
        return f"{url} answered {error.code}"
    except (urllib.error.URLError, OSError) as error:
        return f"{url} did not answer ({type(error).__name__})"


def problem(role: str | None) -> str | None:
    """Why the role is unhealthy, or None when it is healthy (or has nothing to check)."""
    ports = config.ports()
    if role == "rasa":
        return _answers_ok(f"http://127.0.0.1:{ports.rasa}/")
    if role == "actions":
        return _answers_ok(f"http://127.0.0.1:{ports.actions}/health")
    if role == "web":
        return _answers_ok(f"http://127.0.0.1:{ports.web}/livez")
    if role == "sms-sender":
        beat = config.var_dir() / HEARTBEAT
        if not beat.exists():
            return f"no heartbeat yet ({beat})"
        age = time.time() - beat.stat().st_mtime
        return f"last heartbeat {age:.0f}s ago" if age > SENDER_STALE_AFTER else None
    return None
