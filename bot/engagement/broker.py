"""A Rasa event broker that writes every message, in and out, to the customer's engagement.

Rasa publishes each new tracker event through this broker (given to Rasa by `bot.rasa_server`), so
no story, rule or action can bypass it. `publish` runs on Rasa's event loop: it only turns the
event into a record and queues it (microseconds); a writer thread batches records into the
database, retries while the database is unreachable, and drains the queue on shutdown.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import queue
import threading
import time
from collections import OrderedDict
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from rasa.core.brokers.broker import EventBroker

from bot import config
from bot.engagement.turn import current_turn
from bot.profile import EngagementRecord, ProfileStore

logger = logging.getLogger(__name__)

_STOP = object()
_MAX_BATCH = 200
_GATHER_SECONDS = 0.2
_MAX_SENDERS_REMEMBERED = 10_000


class EngagementBroker(EventBroker):
    def __init__(self, store: ProfileStore, spool: Path | None = None) -> None:
        self._store = store
        self._spool = spool or config.var_dir() / "engagement-spool.jsonl"
        self._queue: queue.Queue[Any] = queue.Queue()
        self._closing = threading.Event()
        # Per conversation: the channel of the last customer message and the last action run,
        # because Rasa's bot events carry neither.
        self._channels: OrderedDict[str, str] = OrderedDict()
        self._last_action: OrderedDict[str, str] = OrderedDict()
        self._waiting: dict[str, list[EngagementRecord]] = {}
        self._writer = threading.Thread(target=self._write_loop, name="engagement-writer", daemon=True)
        self._replay_spool()
        self._writer.start()

    def record_later(self, record: EngagementRecord) -> None:
        """Queue a message this process handled outside Rasa's tracker (e.g. an apology): written,
        retried and spooled like every other."""
        self._queue.put(record)

    # --- Rasa's side (event loop) -----------------------------------------------------------

    def publish(self, event: dict[str, Any]) -> None:
        record = self._to_record(event)
        if record is None:
            return
        if record.direction == "in":
            turn = current_turn.get()
            if turn is not None:
                turn.recorded = True
            self._queue.put(record)
            self._release_waiting(record.sender_id, record.channel, caused_by=record)
        elif not record.channel or self._last_action.get(record.sender_id) == "action_session_start":
            self._wait_for_channel(record)
        else:
            self._queue.put(record)

    def _wait_for_channel(self, record: EngagementRecord) -> None:
        """Hold a new session's greeting (or a bot message whose channel is unknown) until the
        customer message published next.

        Rasa runs the session start, and publishes its greeting, just before the customer message
        that started the session, in the same synchronous burst. The greeting is that message's
        reply, so it is written after it, with its channel. `call_soon` runs after the burst:
        whatever is still waiting then is queued for the writer to resolve from the database.
        """
        self._waiting.setdefault(record.sender_id, []).append(record)
        try:
            asyncio.get_running_loop().call_soon(self._release_waiting, record.sender_id, "")
        except RuntimeError:  # not on an event loop: nothing else is coming in this burst
            self._release_waiting(record.sender_id, "")

    def _release_all_waiting(self) -> None:
        for sender_id in list(self._waiting):
            self._release_waiting(sender_id, "")

    def _release_waiting(
        self, sender_id: str, channel: str, caused_by: EngagementRecord | None = None
    ) -> None:
        for record in self._waiting.pop(sender_id, []):
            ts = max(record.ts, caused_by.ts) if caused_by else record.ts
            self._queue.put(replace(record, channel=record.channel or channel, ts=ts))

    def _to_record(self, event: dict[str, Any]) -> EngagementRecord | None:
        sender_id = str(event.get("sender_id"))
        kind = event.get("event")
        if kind == "action":
            _remember(self._last_action, sender_id, event.get("name") or "")
            return None
        if kind not in ("user", "bot"):
            return None
        ts = datetime.fromtimestamp(event.get("timestamp") or time.time(), timezone.utc).replace(tzinfo=None)
        if kind == "user":
            channel = event.get("input_channel") or "unknown"
            _remember(self._channels, sender_id, channel)
            intent = (event.get("parse_data") or {}).get("intent") or {}
            return EngagementRecord(
                sender_id=sender_id,
                channel=channel,
                ts=ts,
                direction="in",
                text=event.get("text"),
                intent=intent.get("name"),
                confidence=intent.get("confidence"),
            )
        metadata = event.get("metadata") or {}
        data = {k: v for k, v in (event.get("data") or {}).items() if v}
        return EngagementRecord(
            sender_id=sender_id,
            channel=self._channels.get(sender_id) or "",  # unknown yet: see _wait_for_channel
            ts=ts,
            direction="out",
            text=event.get("text"),
            data=data or None,
            action=metadata.get("utter_action") or self._last_action.get(sender_id),
            topic=metadata.get("topic"),
            model=metadata.get("vehicle_model"),
            trim=metadata.get("vehicle_trim"),
            booking_id=metadata.get("booking_id"),
        )

    async def close(self) -> None:
        """Drain what is queued before Rasa exits (called on a clean shutdown)."""
        self._release_all_waiting()
        self._closing.set()
        self._queue.put(_STOP)
        await asyncio.to_thread(self._writer.join, 60)

    def flush(self, timeout: float = 30) -> None:
        """Block until everything queued so far is written (tests and benchmarks)."""
        self._release_all_waiting()
        done = threading.Event()
        self._queue.put(done)
        done.wait(timeout)

    # --- writer thread --------------------------------------------------------------------

    def _write_loop(self) -> None:
        stopping = False
        while not stopping:
            batch: list[EngagementRecord] = []
            waiters: list[threading.Event] = []
            item = self._queue.get()
            # Under load, a short wait gathers several turns into one transaction: fewer
            # commits competing with Rasa's tracker store for the database (SQLite: one writer).
            gather_until = time.monotonic() + _GATHER_SECONDS
            while True:
                if item is _STOP:
                    stopping = True
                elif isinstance(item, threading.Event):
                    waiters.append(item)
                else:
                    batch.append(item)
                if stopping or waiters or len(batch) >= _MAX_BATCH:
                    break
                try:
                    item = self._queue.get(timeout=max(gather_until - time.monotonic(), 0))
                except queue.Empty:
                    break
            self._write(batch)
            for waiter in waiters:
                waiter.set()

    def _write(self, batch: list[EngagementRecord]) -> None:
        """Write with retries; while the database is away nothing is dropped, and at
        shutdown what still can't be written goes to the spool file for the next start."""
        if not batch:
            return
        delay = 0.2
        while True:
            try:
                self._store.record_engagement(self._with_channels(batch))
                return
            except Exception as error:  # noqa: BLE001 - any database failure: keep and retry
                if self._closing.is_set():
                    logger.error(
                        "Engagement database unavailable at shutdown (%s); spooling %d events to %s",
                        type(error).__name__,
                        len(batch),
                        self._spool,
                    )
                    self._append_spool(batch)
                    return
                logger.warning("Engagement write failed (%s); retrying in %.1fs", type(error).__name__, delay)
                self._closing.wait(delay)
                delay = min(delay * 2, 5.0)

    def _with_channels(self, batch: list[EngagementRecord]) -> list[EngagementRecord]:
        resolved = []
        for record in batch:
            if not record.channel:
                channel = self._store.channel_of(record.sender_id) or "unknown"
                record = replace(record, channel=channel)
            resolved.append(record)
        return resolved

    def _append_spool(self, batch: list[EngagementRecord]) -> None:
        """One unbuffered append, so Rasa servers sharing `var/` never interleave half lines."""
        lines = "".join(json.dumps({**r.__dict__, "ts": r.ts.isoformat()}) + "\n" for r in batch)
        with self._spool.open("ab", buffering=0) as spool:
            spool.write(lines.encode("utf-8"))

    def _replay_spool(self) -> None:
        """Events spooled at an earlier shutdown go first in the queue.

        The rename is the claim: of several Rasa servers starting at once, one replays the spool.
        """
        pending = self._spool.with_suffix(f".replaying-{os.getpid()}")
        try:
            self._spool.rename(pending)
        except FileNotFoundError:
            return
        for line in pending.read_text(encoding="utf-8").splitlines():
            fields = json.loads(line)
            fields["ts"] = datetime.fromisoformat(fields["ts"])
            self._queue.put(EngagementRecord(**fields))
        pending.unlink()


def _remember(cache: OrderedDict[str, str], key: str, value: str) -> None:
    cache[key] = value
    cache.move_to_end(key)
    if len(cache) > _MAX_SENDERS_REMEMBERED:
        cache.popitem(last=False)
