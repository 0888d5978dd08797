"""Rasa's own per-turn costs that showed up under load, removed without changing behaviour.

Measured with bench/load.py and a profiler (figures in bench/README.md). Installed by the Rasa
server process (`python -m bot rasa`) before it loads anything.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction

_rasa_validate_action_result = RemoteAction._validate_action_result


@cache
def _action_response_validator() -> Validator:
    """Rasa checks the (constant) response schema itself against the JSON Schema meta-schema on
    every custom action call: a third of the server's time under load. Check it once."""
    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    if _action_response_validator().is_valid(result):
        return True
    return _rasa_validate_action_result(self, result)  # raises with Rasa's own message


def install() -> None:
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
