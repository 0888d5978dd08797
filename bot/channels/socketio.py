"""Rasa's socket.io channel (the website widget's), accepting browsers from allowed origins only.

Rasa 3.6 builds its socket.io server with `cors_allowed_origins=[]`, which turns the origin check
off, so any website could run the chat (and read replies) in its visitors' browsers. This channel
keeps Rasa's handlers and URL (`/socket.io`, channel name "socketio") and adds what it lacks: the
origin check from `ALLOWED_ORIGINS`, a session id that cannot pass for another channel's sender
(no phone numbers), messages accepted only for the session the socket asked for, and checked
message bodies with the reason in the acknowledgement. A request to stop texting is answered
before Rasa sees it (`web_opt_out.py`). With `REDIS_URL` (several Rasa servers) its emits go
through Redis to whichever server holds the browser's socket (`socketio_redis.py`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from bot import config
from bot.channels.failures import guarded
from bot.channels.rest import MAX_MESSAGE_CHARS
from bot.channels.socketio_redis import redis_manager
from bot.channels.web_opt_out import stop_texting_first
from bot.profile.identity import WIDGET_CHANNEL, WIDGET_SESSION_ID
from bot.rasa_server import UsesServices

Handler = Callable[..., Awaitable[Any]]


class CheckedSocketIOInput(UsesServices, SocketIOInput):
    """Same URL, events and replies as Rasa's `socketio` channel."""

    @classmethod
    def name(cls) -> str:
        return WIDGET_CHANNEL

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        checked = stop_texting_first(on_new_message, self.services.profiles)
        blueprint = super().blueprint(guarded(checked, self.services, self.broker))
        sio = self.sio
        assert sio is not None  # set by Rasa's blueprint()
        # engine.io checks the Origin header of every request (polling and the WebSocket
        # handshake); requests without one (servers, not browsers) are let through.
        sio.eio.cors_allowed_origins = config.allowed_origins()
        manager = redis_manager()
        if manager is not None:
            # As if given to AsyncServer(client_manager=...): Rasa builds the server itself, and
            # no socket has connected yet.
            sio.manager = manager
            manager.set_server(sio)

            @blueprint.listener("after_server_start")
            async def subscribe(*_: Any) -> None:
                """Listen on Redis from the start: python-socketio subscribes when the first socket
                connects, so a reply emitted elsewhere just after could be missed."""
                sio.manager_initialized = True
                manager.initialize()

        namespace = self.namespace or "/"
        handlers: dict[str, Handler] = sio.handlers[namespace]
        rasa_session_request = handlers["session_request"]
        rasa_handle_message = handlers[self.user_message_evt]

        async def session_request(sid: str, data: Any) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = requested if _valid_session_id(requested) else uuid.uuid4().hex
            previous = (await sio.get_session(sid, namespace=namespace)).get("session_id")
            if previous and previous != session_id:
                sio.leave_room(sid, previous, namespace=namespace)  # one socket, one conversation
            await sio.save_session(sid, {"session_id": session_id}, namespace=namespace)
            await rasa_session_request(sid, {"session_id": session_id})

        async def handle_message(sid: str, data: Any) -> dict[str, str]:
            """The acknowledgement says whether the message was taken, and if not, why."""
            socket_session = await sio.get_session(sid, namespace=namespace)
            problem = self._message_problem(data, socket_session.get("session_id"))
            if problem:
                return {"error": problem}
            await rasa_handle_message(sid, data)
            return {"status": "ok"}

        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        return blueprint

    def _message_problem(self, data: Any, session_id: str | None) -> str | None:
        if not isinstance(data, dict):
            return 'send an object like {"message": "hello", "session_id": "..."}'
        message = data.get("message")
        if not isinstance(message, str):
            return '"message" must be a string'
        if len(message) > MAX_MESSAGE_CHARS:
            return f"the message is too long ({len(message)} characters; at most {MAX_MESSAGE_CHARS})"
        if self.session_persistence and (session_id is None or data.get("session_id") != session_id):
            return "send session_request first; messages are taken for this socket's session only"
        metadata = data.get(self.metadata_key)
        if isinstance(metadata, str):
            try:
                metadata = json.loads(metadata)
            except json.JSONDecodeError:
                return f'"{self.metadata_key}" must be an object'
        if metadata is not None and not isinstance(metadata, dict):
            return f'"{self.metadata_key}" must be an object'
        return None


def _valid_session_id(value: Any) -> bool:
    return isinstance(value, str) and WIDGET_SESSION_ID.fullmatch(value) is not None
