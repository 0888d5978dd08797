"""A form validator's view of a conversation, for calling our validators in-process with a real
rasa_sdk Tracker (tests/test_properties.py, tests/test_replies.py)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker


def tracker(
    value: str,
    requested_slot: str | None,
    intent: str,
    slots: dict[str, Any],
    sender_id: str = "property-test",
) -> Tracker:
    """The tracker a form validation action gets for `value`, said by `sender_id` on REST."""
    return Tracker.from_dict(
        {
            "sender_id": sender_id,
            "slots": {"requested_slot": requested_slot, **slots},
            "latest_message": {"text": value, "intent": {"name": intent, "confidence": 0.9}},
            "events": [{"event": "user", "text": value, "input_channel": "rest", "timestamp": 0}],
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": "form"},
            "latest_action_name": "action_listen",
        }
    )
