"""Rasa's Redis lock store, configured from `REDIS_URL`, with every lock change atomic.

Rasa handles one message of a conversation at a time by a ticket lock; with several Rasa servers
the lock must live in Redis so that all of them see it. Rasa's own `RedisLockStore` reads the
lock, changes it and writes it back in separate calls, so two servers taking messages of the same
conversation at the same moment can both be issued ticket 0 and run at once, or one can delete
the other's ticket. Here each change is one optimistic Redis transaction (WATCH/MULTI, retried on
conflict), and a stored lock expires with its last ticket, so a server that dies holding one
leaves nothing behind. The stored format is Rasa's, so it can share Redis with Rasa's own store.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import (
    DEFAULT_SOCKET_TIMEOUT_IN_SECONDS,
    LOCK_LIFETIME,
    LockError,
    RedisLockStore,
)
from rasa.utils.endpoints import EndpointConfig

from bot import config

T = TypeVar("T")


class RedisUrlLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig | None = None) -> None:
        url = config.redis_url()
        if url is None:
            raise LockError("REDIS_URL is not set: the Redis lock store has nowhere to keep locks")
        super().__init__(key_prefix=config.lock_store_key_prefix())
        self.red = redis.Redis.from_url(url, socket_timeout=DEFAULT_SOCKET_TIMEOUT_IN_SECONDS)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock: {type(error).__name__}") from error

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        def finish(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, finish)

    def _change(self, conversation_id: str, change: Callable[[TicketLock | None], tuple[Any, T]]) -> T:
        """Apply `change` to the stored lock in one transaction; a lock left without tickets is deleted."""
        key = self.key_prefix + conversation_id
        outcome: list[T] = []

        def attempt(pipe: redis.client.Pipeline) -> None:
            raw = pipe.get(key)
            lock, result = change(TicketLock.from_dict(json.loads(raw)) if raw else None)
            pipe.multi()
            if lock is not None and lock.tickets:
                last_expiry = max(ticket.expires for ticket in lock.tickets)
                pipe.set(key, lock.dumps(), ex=max(1, math.ceil(last_expiry - time.time())))
            else:
                pipe.delete(key)
            outcome[:] = [result]  # a retried attempt replaces the result of the conflicting one

        self.red.transaction(attempt, key)
        return outcome[0]
