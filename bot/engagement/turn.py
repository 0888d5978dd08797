"""The customer message being handled right now, shared by the input channels and the broker."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass
class Turn:
    """What happened while Rasa handled one customer message."""

    action_failed: bool = False  # a custom action failed (Rasa carries on without its events)
    recorded: bool = False  # the customer's message reached the engagement broker


# Set by the channel around one message; Rasa handles it (and publishes its events) in the same task.
current_turn: contextvars.ContextVar[Turn | None] = contextvars.ContextVar("current_turn", default=None)
