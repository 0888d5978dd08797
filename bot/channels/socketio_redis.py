"""socket.io emits shared by every Rasa server through Redis, so a browser hears any server.

With several Rasa servers a browser's socket lives on one of them, but a staff reply (Rasa's HTTP
API with `output_channel=socketio`) may be handled by another, whose own socket.io server has no
such socket and drops the message. python-socketio's Redis manager publishes every emit on a
Redis channel; each server delivers it to the sockets it holds in the room (Rasa emits to the
room named after the conversation's session id, which only that conversation's sockets join).

Changes to python-socketio's `AsyncRedisManager`:
- messages are JSON, not pickle: the stock manager unpickles whatever arrives on the channel, so
  anyone able to publish to Redis could run code in every Rasa server;
- a publish that fails twice raises instead of being dropped with a log line, so a staff reply
  that can't be delivered is an error to the console (and Rasa stores nothing);
- the channel carries `LOCK_STORE_KEY_PREFIX`, so several assistants can share one Redis.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from redis.exceptions import RedisError
from socketio import AsyncRedisManager

from bot import config

logger = logging.getLogger(__name__)


class JsonRedisManager(AsyncRedisManager):
    async def _publish(self, data: dict[str, Any]) -> None:
        message = json.dumps(data)
        try:
            await self.redis.publish(self.channel, message)
        except RedisError:
            self._redis_connect()  # a dropped connection: one more try on a fresh one
            await self.redis.publish(self.channel, message)

    async def _listen(self) -> AsyncIterator[dict[str, Any]]:
        async for raw in super()._listen():
            try:
                message = json.loads(raw)
            except ValueError:
                message = None
            if isinstance(message, dict):
                yield message
            else:
                logger.warning("Ignored a message on Redis channel %s: not a JSON object", self.channel)


def channel_name(prefix: str | None) -> str:
    """The Redis pub/sub channel; with a prefix, beside the lock store's `<prefix>:lock:` keys."""
    return f"{prefix}:socketio" if prefix else "socketio"


def redis_manager() -> JsonRedisManager | None:
    """The manager for `REDIS_URL` (None without it: one Rasa server, emits stay in-process).

    Redis is checked here, at start: python-socketio would otherwise start anyway and retry in a
    loop of tracebacks, and every emit would fail.
    """
    url = config.redis_url()
    if url is None:
        return None
    if not config.redis_answers(url):
        raise SystemExit(
            f"REDIS_URL is set but Redis does not answer at {config.redis_address(url)}: the socket.io "
            "channel needs it to reach browsers connected to the other Rasa servers. Start Redis, "
            "or unset REDIS_URL to run a single Rasa server."
        )
    return JsonRedisManager(url, channel=channel_name(config.lock_store_key_prefix()))
