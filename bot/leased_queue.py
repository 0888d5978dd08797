"""A table of messages waiting to be sent (texts, emails), shared by every sender process.

Each row is sent by one sender at a time: claiming it is one conditional update that also moves
its `next_attempt_at` a lease ahead, so a sender that dies mid-send only delays the row by the
lease, and two senders never send it twice. The tables keep their own columns; what they share
(`id`, `status`, `attempts`, `next_attempt_at`) is handled here once.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.tables import utcnow

LEASE = timedelta(minutes=5)  # longer than any one send takes
Row = TypeVar("Row")
Claim = TypeVar("Claim")


class LeasedQueue(Generic[Row]):
    """Due rows, claims and marks on `table` (an ORM class with the shared columns)."""

    table: ClassVar[Any]

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def due(self, now: datetime, limit: int = 100) -> list[int]:
        with self._sessions() as session:
            query = select(self.table.id).where(self.table.status == "queued", self._ready(now))
            return list(session.scalars(query.order_by(self.table.id).limit(limit)))

    def claim_row(self, row_id: int, now: datetime) -> Row | None:
        """Take a due row for one send attempt; None if another sender has it."""
        with self._sessions.begin() as session:
            taken = session.execute(
                update(self.table)
                .where(self.table.id == row_id, self.table.status == "queued", self._ready(now))
                .values(next_attempt_at=now + LEASE, attempts=self.table.attempts + 1)
            ).rowcount
            return session.get(self.table, row_id) if taken == 1 else None

    def mark(self, row_id: int, **values: Any) -> None:
        with self._sessions.begin() as session:
            session.execute(update(self.table).where(self.table.id == row_id).values(**values))

    def newest(self, status: str | None = None, limit: int = 200) -> list[Row]:
        """Newest first, for staff."""
        query = select(self.table).order_by(self.table.id.desc()).limit(limit)
        if status:
            query = query.where(self.table.status == status)
        with self._sessions() as session:
            return list(session.scalars(query))

    def _ready(self, now: datetime) -> Any:
        return or_(self.table.next_attempt_at.is_(None), self.table.next_attempt_at <= now)


class Claims(Protocol[Claim]):
    def due(self, now: datetime, limit: int = 100) -> list[int]: ...

    def claim(self, message_id: int, now: datetime) -> Claim | None: ...


class LeasedSender(Generic[Claim]):
    """One pass over a queue: each due message claimed, then sent by the subclass's `_send`, which
    says what happened ("sent", "retrying", "failed", "skipped")."""

    _outbox: Claims[Claim]

    async def send_due(self, now: datetime | None = None) -> Counter[str]:
        outcomes: Counter[str] = Counter()
        now = now or utcnow()
        for message_id in await asyncio.to_thread(self._outbox.due, now):
            message = await asyncio.to_thread(self._outbox.claim, message_id, now)
            if message is not None:
                outcomes[await self._send(message, now)] += 1
        return outcomes

    async def _send(self, message: Claim, now: datetime) -> str:
        raise NotImplementedError
