"""N concurrent realistic conversations against our stack and against a plain `rasa init` assistant.

Each of N workers plays conversations back to back over Rasa's REST channel (no think time):
feature questions, a clinic booking, a service booking with a slot search, and small talk,
clicking buttons by their payload as the website would. The reference is the assistant that
`rasa init --no-prompt` creates, trained in a temp dir at run time and served with plain
`rasa run` (no HTTP API; it has no custom actions, so no action server), given a comparable
mix of its own stories at the same concurrency.

Targets (issue 7), on the 2-core machine:
- 10 concurrent: our p95 turn latency within 1.3x of the plain assistant's, zero errors;
- 50 concurrent: zero errors, and no lost engagement events: rows in engagement_events (after
  the broker drains) = messages sent + bot replies received.

.venv/bin/python -m bench.load [--levels 10 50] [--conversations 4] [--database-url URL]
                              [--reference-dir DIR]

--database-url takes a PostgreSQL server URL; the run uses a fresh schema there and drops it.
--reference-dir keeps the plain assistant (and its trained model) in DIR to reuse next time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from bot import config
from bot.launch import free_port, start_stack
from bot.training import train

FIRST_BUTTON = "<first button>"
OURS = {
    "features": [
        "hi",
        "how do i turn on adaptive cruise",
        "more",
        "does the Tessa XLE have a heads up display?",
        "what about the Platinum?",
        "how much can the forge trail tow",
        "thanks, bye",
    ],
    "clinic": ["hello", "sign me up for the tech clinic", FIRST_BUTTON, "just me", "yes", "thank you"],
    "service": [
        "I need an oil change for my 2023 Lumen next Tuesday morning",
        FIRST_BUTTON,
        "loaner",
        "skip",
        "actually make it Thursday afternoon",
        FIRST_BUTTON,
        "yes",
        "bye",
    ],
    "small_talk": ["hey there", "are you a bot?", "what can you do?", "how are you?", "thanks", "goodbye"],
}
# The stories and rules `rasa init` ships with: happy and sad paths, bot challenge, goodbye.
PLAIN = {
    "happy": ["hi", "I am feeling great", "bye"],
    "sad_helped": ["hello", "I am sad", "yes", "thanks, bye"],
    "sad_not_helped": ["hey", "very unhappy", "no", "goodbye"],
    "challenge": ["good morning", "are you a bot?", "I am great", "see you later"],
}
TARGET_RATIO = 1.3
STACK_LOG = config.var_dir() / "bench-load-stack.log"  # kept after the run, for errors


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=dict)  # by conversation kind, ms
    errors: Counter[str] = field(default_factory=Counter)
    sent: int = 0
    replies: int = 0


async def _turn(
    http: aiohttp.ClientSession, url: str, sender: str, message: str, last: list, results: Results, kind: str
) -> bool:
    """One message and its replies; False if the conversation can't go on."""
    if message == FIRST_BUTTON:
        message = next((r["buttons"][0]["payload"] for r in reversed(last) if r.get("buttons")), "1")
    started = time.perf_counter()
    results.sent += 1  # Rasa may have it even if the answer never arrives
    try:
        async with http.post(url, json={"sender": sender, "message": message}) as response:
            if response.status != 200:
                results.errors[f"http {response.status}"] += 1
                return False
            last[:] = await response.json()
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        results.errors[type(error).__name__] += 1
        return False
    results.latencies.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
    results.replies += len(last)
    if not last:
        results.errors["no reply"] += 1  # silence is an error for a customer
    return True


async def _worker(
    http: aiohttp.ClientSession, url: str, scripts: dict[str, list[str]], prefix: str, worker: int, count: int
) -> Results:
    results = Results()
    kinds = list(scripts)
    for n in range(count):
        kind = kinds[(worker + n) % len(kinds)]  # workers start at different kinds: a mixed load
        last: list = []
        for message in scripts[kind]:
            if not await _turn(http, url, f"{prefix}-{worker}-{n}", message, last, results, kind):
                break
    return results


async def play(
    url: str, scripts: dict[str, list[str]], prefix: str, workers: int, count: int
) -> tuple[Results, float]:
    """`workers` concurrent conversations, `count` each in a row; the merged results and wall time."""
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=workers)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
        started = time.perf_counter()
        parts = await asyncio.gather(*(_worker(http, url, scripts, prefix, w, count) for w in range(workers)))
        wall = time.perf_counter() - started
    merged = Results()
    for part in parts:
        for kind, values in part.latencies.items():
            merged.latencies.setdefault(kind, []).extend(values)
        merged.errors.update(part.errors)
        merged.sent += part.sent
        merged.replies += part.replies
    return merged, wall


def percentiles(values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        return {"p50_ms": round(values[0], 1) if values else 0.0}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50_ms": round(cuts[49], 1), "p95_ms": round(cuts[94], 1), "p99_ms": round(cuts[98], 1)}


def summarise(results: Results, wall: float) -> dict[str, Any]:
    every = [v for values in results.latencies.values() for v in values]
    return {
        "turns": len(every),
        **percentiles(every),
        "max_ms": round(max(every, default=0.0), 1),
        "turns_per_s": round(len(every) / wall, 1),
        "errors": sum(results.errors.values()),
        "error_kinds": dict(results.errors),
        "by_conversation": {kind: percentiles(values) for kind, values in sorted(results.latencies.items())},
    }


# --- processes and memory ---------------------------------------------------------------------


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS, kept by the kernel) in KiB."""
    fields = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0])
    return fields


def _tree(pid: int) -> dict[int, str]:
    """The process and all its descendants, named by what they run."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            commands[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    found, frontier = {}, [pid]
    while frontier:
        current = frontier.pop()
        command = commands.get(current, "")
        found[current] = _name(command)
        frontier += [child for child, parent in parents.items() if parent == current]
    return found


def _name(command: str) -> str:
    if " -m bot " in command:
        part = command.split(" -m bot ")[-1]
        return "supervisor" if part == "run" else part
    return "rasa run" if " -m rasa run" in command else command[:40]


def memory(pid: int) -> dict[str, dict[str, float]]:
    """Peak and current RSS (MiB) of a process tree, by process name."""
    report = {}
    for child, name in sorted(_tree(pid).items(), key=lambda item: item[1]):
        status = _status(child)
        if status:
            key = name if name not in report else f"{name} ({child})"
            report[key] = {
                "peak_mib": round(status.get("VmHWM", 0) / 1024, 1),
                "rss_mib": round(status.get("VmRSS", 0) / 1024, 1),
            }
    return report


# --- the plain `rasa init` assistant -----------------------------------------------------------


@contextlib.contextmanager
def plain_assistant(directory: Path | None) -> Iterator[tuple[str, subprocess.Popen[bytes], float | None]]:
    """Create, train (unless `directory` has a model already) and serve the `rasa init` assistant.

    Yields its REST URL, its process and the training time (None when reused).
    """
    with tempfile.TemporaryDirectory(prefix="plain-rasa-") as tmp:
        home = directory or Path(tmp)
        home.mkdir(parents=True, exist_ok=True)
        log = (home / "bench.log").open("ab")
        trained_in = None
        if not list((home / "models").glob("*.tar.gz")):
            started = time.perf_counter()
            # --no-prompt creates the project and trains it; nothing is downloaded.
            subprocess.run(
                [sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(home)],
                cwd=home,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=True,
            )
            trained_in = time.perf_counter() - started
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "rasa", "run", "--port", str(port), "--interface", "127.0.0.1"],
            cwd=home,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_answering(f"http://127.0.0.1:{port}/", process, 180)
            yield f"http://127.0.0.1:{port}/webhooks/rest/webhook", process, trained_in
        finally:
            process.terminate()
            process.wait(60)
            log.close()


def _wait_answering(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the plain assistant exited with {process.returncode}")
        with contextlib.suppress(urllib.error.URLError, OSError):
            with urllib.request.urlopen(url, timeout=2):
                return
        time.sleep(1)
    raise SystemExit(f"the plain assistant did not answer within {timeout}s")


# --- engagement accounting --------------------------------------------------------------------


def engagement_rows(url: URL, prefix: str) -> int:
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            return connection.execute(
                text("SELECT count(*) FROM engagement_events WHERE sender_id LIKE :prefix"),
                {"prefix": f"{prefix}-%"},
            ).scalar_one()
    finally:
        engine.dispose()


def drained_rows(url: URL, prefix: str, expected: int, settle: float = 10, timeout: float = 120) -> int:
    """Poll until the broker has written what was expected, or the count stops moving."""
    deadline = time.monotonic() + timeout
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        rows = engagement_rows(url, prefix)
        if rows >= expected:
            return rows
        if rows != last:
            last, since = rows, time.monotonic()
        elif time.monotonic() - since > settle:
            return rows
        time.sleep(0.5)
    return last


@contextlib.contextmanager
def database(server_url: str | None, var_dir: Path) -> Iterator[URL]:
    """SQLite in the run's directory, or a fresh schema on the given PostgreSQL server."""
    if not server_url:
        yield make_url(f"sqlite:///{var_dir / 'concierge.db'}")
        return
    schema = f"bench_{secrets.token_hex(6)}"
    admin = create_engine(server_url, future=True)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


# --- the run --------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> dict[str, float]:
    """CPU time (user + system) used so far by each process of a tree, by name."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for child, name in _tree(pid).items():
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            used[name] = used.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    return used


def _level(
    url: str, scripts: dict[str, list[str]], prefix: str, workers: int, count: int, server: int
) -> tuple[Results, dict]:
    """One load level; with CPU time per turn of each server process, which other load on the
    machine does not inflate the way it inflates latency."""
    before = cpu_seconds(server)
    results, wall = asyncio.run(play(url, scripts, prefix, workers, count))
    summary = summarise(results, wall)
    after = cpu_seconds(server)
    summary["cpu_ms_per_turn"] = {
        name: round((after[name] - before.get(name, 0.0)) * 1000 / max(summary["turns"], 1), 1)
        for name in sorted(after)
        if after[name] - before.get(name, 0.0) > 0
    }
    return results, summary


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Child processes inherit file descriptor 1, so redirect that, not just sys.stdout."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def main(levels: list[int], count: int, server_url: str | None, reference_dir: Path | None) -> dict[str, Any]:
    report: dict[str, Any] = {"levels": {}, "conversations_per_worker": count}
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="load-")))
        url = stack.enter_context(database(server_url, tmp))
        report["database"] = url.get_backend_name()
        with _stdout_to_stderr():  # training and migration talk; stdout is for the summary
            model = config.model_path()
            train(model)
            ours = stack.enter_context(start_stack(tmp, model, url.render_as_string(hide_password=False)))
        stack.callback(shutil.copyfile, ours.log, STACK_LOG)
        report["stack_log"] = str(STACK_LOG)
        ref_url, ref_process, trained_in = stack.enter_context(plain_assistant(reference_dir))
        report["plain_training_s"] = round(trained_in, 1) if trained_in else None
        # Warm-up: first-use costs (spaCy, dateparser, TensorFlow graphs) are not what we measure.
        asyncio.run(play(ours.rest_url, OURS, "warm", 1, len(OURS)))
        asyncio.run(play(ref_url, PLAIN, "warm", 1, len(PLAIN)))
        for workers in levels:
            print(f"{workers} concurrent conversations...", file=sys.stderr, flush=True)
            _, plain = _level(ref_url, PLAIN, f"plain{workers}", workers, count, ref_process.pid)
            results, mine = _level(ours.rest_url, OURS, f"load{workers}", workers, count, ours.process.pid)
            expected = results.sent + results.replies
            mine["engagement"] = {
                "expected": expected,
                "rows": drained_rows(url, f"load{workers}", expected),
            }
            report["levels"][workers] = {"ours": mine, "plain": plain}
        report["memory"] = {"ours": memory(ours.process.pid), "plain": memory(ref_process.pid)}
        ours.stop()  # a clean shutdown drains the broker: count once more
        for workers in levels:
            report["levels"][workers]["ours"]["engagement"]["rows_after_stop"] = engagement_rows(
                url, f"load{workers}"
            )
    report["targets"] = targets(report["levels"])
    return report


def targets(levels: dict[int, dict[str, Any]]) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    if 10 in levels:
        ours, plain = levels[10]["ours"], levels[10]["plain"]
        ratio = ours["p95_ms"] / plain["p95_ms"]
        checks["10: p95 within 1.3x of plain"] = {"ratio": round(ratio, 2), "met": ratio <= TARGET_RATIO}
        checks["10: zero errors"] = {"errors": ours["errors"], "met": ours["errors"] == 0}
    if 50 in levels:
        ours = levels[50]["ours"]
        engagement = ours["engagement"]
        checks["50: zero errors"] = {"errors": ours["errors"], "met": ours["errors"] == 0}
        checks["50: no lost engagement events"] = {
            **engagement,
            "met": engagement["rows"] == engagement["rows_after_stop"] == engagement["expected"],
        }
    return checks


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=int, nargs="+", default=[10, 50], help="concurrent conversations")
    parser.add_argument(
        "--conversations", type=int, default=4, help="conversations each worker plays in a row"
    )
    parser.add_argument("--database-url", help="a PostgreSQL server (default: SQLite in a temp dir)")
    parser.add_argument("--reference-dir", type=Path, help="keep/reuse the plain assistant here")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # still stop both assistants
    print(json.dumps(main(args.levels, args.conversations, args.database_url, args.reference_dir), indent=2))
