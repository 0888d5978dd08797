"""Two hot spots of Rasa 3.6 itself, measured under our booking load (bench/booking_latency.py,
py-spy on the Rasa server), fixed without changing what Rasa does:

- every custom action's response was checked with `jsonschema.validate`, which first checks the
  *schema* against the JSON Schema meta-schema, every time (a third of the Rasa server's CPU
  during bookings). The schema is fixed, so it is checked once; a response that fails still goes
  through Rasa's own method, so the error and its message are Rasa's.
- every stored event is turned back into an object by searching all `Event` subclasses for its
  type name (`resolve_by_type`), for every event of every conversation on every turn. The
  lookup is remembered per type name.

`install()` is called by the Rasa server before it starts (`python -m bot rasa`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event


def install() -> None:
    if getattr(RemoteAction, "_concierge_speedups", False):
        return
    spec = RemoteAction.action_response_format_spec()
    validator_class = validator_for(spec)
    validator_class.check_schema(spec)
    validator = validator_class(spec)
    rasa_validate = RemoteAction._validate_action_result

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        return True if validator.is_valid(result) else rasa_validate(self, result)

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
