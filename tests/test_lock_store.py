"""The Redis lock store several Rasa servers share: tickets are unique and locks serialise, on real Redis."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from rasa.core.lock_store import LockError, LockStore

from bot import config
from bot.engagement.lock_store import RedisUrlLockStore


def _key(redis_locks: dict[str, str], conversation_id: str) -> str:
    return f"{redis_locks['LOCK_STORE_KEY_PREFIX']}:lock:{conversation_id}"


def test_tickets_taken_at_once_by_many_servers_are_all_different(redis_locks):
    stores = [RedisUrlLockStore() for _ in range(8)]  # one connection pool each, like separate servers

    def issue_many(store: RedisUrlLockStore) -> list[int]:
        return [store.issue_ticket("busy-conversation") for _ in range(25)]

    with ThreadPoolExecutor(len(stores)) as pool:
        tickets = [t for batch in pool.map(issue_many, stores) for t in batch]
    assert sorted(tickets) == list(range(200))

    client = redis.Redis.from_url(redis_locks["REDIS_URL"])
    key = _key(redis_locks, "busy-conversation")
    assert 0 < client.ttl(key) <= 61  # expires with its last ticket (Rasa's default lifetime: 60 s)
    for ticket in tickets:
        stores[ticket % 8].cleanup("busy-conversation", ticket)
    assert not client.exists(key)  # the last one out removes the lock


async def test_a_second_server_waits_until_the_first_has_finished(redis_locks):
    first, second = RedisUrlLockStore(), RedisUrlLockStore()
    order: list[str] = []

    async def handle(store: LockStore, name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        async with store.lock("one-conversation", wait_time_in_seconds=0.05):
            order.append(f"{name} starts")
            await asyncio.sleep(0.3)
            order.append(f"{name} ends")

    await asyncio.gather(handle(first, "first", 0), handle(second, "second", 0.05))
    assert order == ["first starts", "first ends", "second starts", "second ends"]
    assert first.get_lock("one-conversation") is None


def test_a_lock_whose_tickets_all_expired_is_removed(redis_locks):
    store = RedisUrlLockStore()
    store.issue_ticket("abandoned", lock_lifetime=-1)  # a server that died long ago
    store.update_lock("abandoned")
    assert store.get_lock("abandoned") is None


def test_unreachable_redis_is_a_lock_error_not_a_hang(redis_locks, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    with pytest.raises(LockError, match="ConnectionError"):
        RedisUrlLockStore().issue_ticket("anyone")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("REDIS_URL", "127.0.0.1:6379", "REDIS_URL must look like redis://"),
        ("LOCK_STORE_KEY_PREFIX", "my-bot:", "letters and digits only"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message(redis_locks, monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit, match=message):
        RedisUrlLockStore()


def test_without_redis_url_the_store_refuses_to_start(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert config.redis_url() is None
    with pytest.raises(LockError, match="REDIS_URL is not set"):
        RedisUrlLockStore()
