"""Two hot spots of Rasa 3.6 itself, measured under our booking load (bench/booking_latency.py,
py-spy on the Rasa server), fixed without changing what Rasa does:

- every custom action's response was checked with `jsonschema.validate`, which first checks the
  *schema* against the JSON Schema meta-schema, every time (a third of the Rasa server's CPU
  during bookings). The schema is fixed, so it is checked once. Each event is checked against
  the one event schema its `event` name selects, where the schema's `oneOf` tried all 24 of them
  (up to 5 ms for a form's reply that clears its slots). A response that fails still goes
  through Rasa's own method, so the error and its message are Rasa's.
- every stored event is turned back into an object by searching all `Event` subclasses for its
  type name (`resolve_by_type`), for every event of every conversation on every turn. The
  lookup is remembered per type name.

And one cost of calling the action server: Rasa opens a new HTTP client, and a new connection,
for every action call; `kept_alive` gives the action endpoint one pool of kept-alive connections
(0.7 ms less per call at the median, 2 ms less at p90, measured against our action server).

Since this module owns the call to the action server, it is also where a failed custom action is
noticed: Rasa 3.6 only logs it and carries on without the action's events (the customer hears
nothing). A call that gets no answer or an error, or an answer Rasa rejects, marks the customer's
turn (`bot.engagement.turn`), and the input channel apologises instead (`bot/channels/failures.py`).

`install()` and `kept_alive()` are used by the Rasa server before it starts (`python -m bot rasa`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from functools import cache
from typing import Any

import aiohttp
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, ClientResponseError, EndpointConfig

from bot.engagement.turn import current_turn

# Idle connections are dropped before the action server (Sanic: 5 s) drops its end, so a call
# never goes out on a connection the server has just closed.
IDLE_CONNECTION_SECONDS = 2


def install() -> None:
    if getattr(RemoteAction, "_concierge_speedups", False):
        return
    is_valid = _response_checker(RemoteAction.action_response_format_spec())
    rasa_validate = RemoteAction._validate_action_result

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        if is_valid(result):
            return True
        try:
            return rasa_validate(self, result)
        except Exception:
            _action_failed()  # an answer Rasa throws away: the action's events are lost
            raise

    rasa_resolve = Event.resolve_by_type

    @cache
    def _known_type(type_name: str) -> type[Event] | None:
        return rasa_resolve(type_name, None) if type_name != "topic" else None

    def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
        try:
            found = _known_type(type_name)
        except ValueError:
            found = None  # unknown names aren't remembered: Rasa decides (default or error)
        return found if found is not None else rasa_resolve(type_name, default)

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]
    RemoteAction._concierge_speedups = True  # type: ignore[attr-defined]


def _response_checker(spec: dict[str, Any]) -> Callable[[Any], bool]:
    """Whether a response meets Rasa's schema: the response without its events, then each event
    against the `oneOf` branch its name selects (each branch requires its own `event` constant,
    so that is the only branch that can match)."""
    validator_class = validator_for(spec)
    validator_class.check_schema(spec)
    event_schema = spec["properties"]["events"]["items"]
    common = {key: value for key, value in event_schema.items() if key != "oneOf"}
    by_name = {
        branch["properties"]["event"]["const"]: validator_class({**common, "allOf": [branch]})
        for branch in event_schema["oneOf"]
    }
    events_as_list = {**spec["properties"]["events"], "items": {}}
    outer = validator_class({**spec, "properties": {**spec["properties"], "events": events_as_list}})

    def is_valid(result: Any) -> bool:
        if not outer.is_valid(result):
            return False
        events = result.get("events") or []
        return all(
            isinstance(event, dict)
            and isinstance(event.get("event"), str)
            and event["event"] in by_name
            and by_name[event["event"]].is_valid(event)
            for event in events
        )

    return is_valid


def kept_alive(endpoint: EndpointConfig | None) -> EndpointConfig | None:
    """The same endpoint, calling through kept-alive connections (see the module's docstring)."""
    if endpoint is None:
        return None
    return KeptAliveEndpoint(
        endpoint.url,
        endpoint.params,
        endpoint.headers,
        endpoint.basic_auth,
        endpoint.token,
        endpoint.token_name,
        endpoint.cafile,
        type=endpoint.type,
        **endpoint.kwargs,
    )


class KeptAliveEndpoint(EndpointConfig):
    """Rasa's `request` opens `session()` for every call and closes it after; here `session()`
    lends one client per event loop that stays open, with its pool of connections."""

    _client: aiohttp.ClientSession | None = None
    _client_loop: asyncio.AbstractEventLoop | None = None

    def session(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._client is None or self._client.closed or self._client_loop is not loop:
            auth = (
                aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
                if self.basic_auth
                else None
            )
            self._client = aiohttp.ClientSession(
                headers=self.headers,
                auth=auth,
                timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_CONNECTION_SECONDS),
            )
            self._client_loop = loop
        return _Lent(self._client)

    async def request(self, *args: Any, **kwargs: Any) -> Any:
        """Rasa's request; when the action server doesn't answer or answers with an error, the
        customer's turn is marked as failed before Rasa swallows the error."""
        try:
            return await super().request(*args, **kwargs)
        except ClientResponseError as error:
            if not _is_rejection(error):
                _action_failed()
            raise
        except Exception:
            _action_failed()
            raise


def _is_rejection(error: ClientResponseError) -> bool:
    """A 400 naming the action is the action declining to run (Rasa SDK's ActionExecutionRejection,
    e.g. a form that can't fill its slot): Rasa lets the next policy decide, so nothing failed."""
    if error.status != 400:
        return False
    try:
        body = json.loads(error.text)
    except (TypeError, ValueError):
        return False
    return isinstance(body, dict) and "action_name" in body


def _action_failed() -> None:
    """Tell the turn being handled (none outside an input channel) that a custom action failed."""
    turn = current_turn.get()
    if turn is not None:
        turn.action_failed = True


class _Lent:
    """`async with` that hands out a client without closing it afterwards."""

    def __init__(self, client: aiohttp.ClientSession) -> None:
        self._client = client

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._client

    async def __aexit__(self, *_: object) -> None:
        return None
