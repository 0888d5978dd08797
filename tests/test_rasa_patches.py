"""The Rasa server's patched action-response check accepts and rejects exactly what Rasa's does."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_patches

VALID = {
    "events": [{"event": "slot", "name": "customer_name", "value": "Sam", "timestamp": None}],
    "responses": [{"text": "Thanks, Sam.", "buttons": [{"title": "Yes", "payload": "/affirm"}]}],
}
INVALID = [
    {"events": "not a list", "responses": []},
    {"events": [{"event": "slot"}], "responses": []},  # a slot event without its name
    {"events": [], "responses": ["not an object"]},
]


@pytest.fixture
def action() -> RemoteAction:
    rasa_patches.install()
    return RemoteAction("action_answer_vehicle_question", EndpointConfig("http://127.0.0.1:1/webhook"))


def test_the_patch_is_what_rasa_calls(action):
    assert RemoteAction._validate_action_result is rasa_patches._validate_action_result


def test_valid_responses_pass(action):
    assert action._validate_action_result(VALID) is True
    assert action._validate_action_result({"events": [], "responses": []}) is True


@pytest.mark.parametrize("response", INVALID)
def test_invalid_responses_fail_with_rasas_message(action, response):
    with pytest.raises(ValidationError) as raised:
        action._validate_action_result(response)
    assert "Failed to validate Action server response" in raised.value.message
    with pytest.raises(ValidationError):
        rasa_patches._rasa_validate_action_result(action, response)  # Rasa's own agrees
