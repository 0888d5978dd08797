"""The Rasa speed-ups change nothing Rasa decides: same event classes, same verdicts on action
responses, the same error for a bad one, and the same action calls over fewer connections."""

from __future__ import annotations

import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_speedups

rasa_speedups.install()


def test_every_event_type_resolves_to_the_same_class_as_before():
    for cls in all_subclasses(Event):
        assert Event.resolve_by_type(cls.type_name) is next(
            c for c in all_subclasses(Event) if c.type_name == cls.type_name
        )
    assert Event.resolve_by_type("slot") is SlotSet and Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no-such-event", ActionExecuted) is ActionExecuted
    with pytest.raises(ValueError, match="Unknown event name 'no-such-event'"):
        Event.resolve_by_type("no-such-event")


def test_action_responses_are_validated_as_rasa_does():
    action = RemoteAction("action_x", None)
    good = {"events": [{"event": "slot", "name": "a", "value": 1}], "responses": [{"text": "hi"}]}
    assert action._validate_action_result(good)
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"no-event-key": 1}], "responses": "not a list"})


_EVENT_NAMES = ["slot", "bot", "user", "action", "active_loop", "followup", "reset_slots", "restart", "nope"]
_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2)
)
_WELL_FORMED_EVENTS = st.one_of(
    st.builds(lambda n, v: {"event": "slot", "name": n, "value": v}, st.text(max_size=5), _VALUES),
    st.builds(lambda t: {"event": "bot", "text": t, "data": {}, "metadata": {}}, st.text(max_size=5)),
    st.builds(lambda n: {"event": "active_loop", "name": n}, st.one_of(st.none(), st.text(max_size=5))),
    st.builds(lambda n: {"event": "followup", "name": n}, st.text(max_size=5)),
    st.just({"event": "reset_slots"}),
)
_EVENTS = st.one_of(
    _WELL_FORMED_EVENTS,
    _WELL_FORMED_EVENTS,
    st.fixed_dictionaries(
        {"event": st.one_of(st.sampled_from(_EVENT_NAMES), st.integers())},
        optional={
            "name": _VALUES,
            "value": _VALUES,
            "text": _VALUES,
            "timestamp": _VALUES,
            "metadata": st.one_of(st.none(), st.just({}), st.integers()),
            "policy": _VALUES,
            "confidence": _VALUES,
        },
    ),
    _VALUES,
)
_RESPONSES = st.fixed_dictionaries(
    {},
    optional={
        "events": st.one_of(
            st.lists(_WELL_FORMED_EVENTS, max_size=4), st.lists(_EVENTS, max_size=4), _VALUES
        ),
        "responses": st.one_of(
            st.lists(st.fixed_dictionaries({"text": st.text(max_size=5)}), max_size=2), _VALUES
        ),
    },
)


@settings(max_examples=400, deadline=None)
@given(_RESPONSES)
def test_the_quick_response_check_agrees_with_rasas_schema(response):
    spec = RemoteAction.action_response_format_spec()
    assert rasa_speedups._response_checker(spec)(response) == validator_for(spec)(spec).is_valid(response)


async def test_action_calls_reuse_one_kept_alive_connection():
    """Rasa's own `request` through the kept-alive endpoint: same answers, same auth, one connection."""
    client_ports: list[int] = []

    async def webhook(request: web.Request) -> web.Response:
        client_ports.append(request.transport.get_extra_info("peername")[1])
        body = await request.json()
        return web.json_response({"echo": body["n"], "auth": request.headers.get("Authorization")})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        url = f"http://127.0.0.1:{port}/webhook"
        plain = EndpointConfig(url, basic_auth={"username": "u", "password": "p"})
        endpoint = rasa_speedups.kept_alive(plain)
        replies = [await endpoint.request(json={"n": n}, method="post") for n in range(3)]
        assert [r["echo"] for r in replies] == [0, 1, 2]
        assert {r["auth"] for r in replies} == {"Basic dTpw"}
        assert len(set(client_ports)) == 1
        await plain.request(json={"n": 3}, method="post")
        assert len(set(client_ports)) == 2  # Rasa's own endpoint: a new connection per call
    finally:
        await runner.cleanup()
