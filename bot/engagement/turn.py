"""The customer message being handled right now, shared by the input channels and the broker."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass
class Turn:
    """What happened while Rasa handled one customer message."""

    # A custom action failed (Rasa carries on without its events): set by the action endpoint
    # (bot/rasa_speedups.py) or by the channel when handling the message raised.
    action_failed: bool = False
    recorded: bool = False  # the customer's message reached the engagement broker


# Set by the channel around one message; Rasa handles it (and publishes its events) in the same task.
current_turn: contextvars.ContextVar[Turn | None] = contextvars.ContextVar("current_turn", default=None)


class DatabaseUnavailable(BaseException):  # noqa: N818 - named for what the channel tells the customer
    """The conversation store can't be reached during a customer's turn.

    A BaseException on purpose: Rasa wraps every tracker store in a fail-safe that catches any
    Exception and carries on with an empty in-memory conversation (a mid-booking customer would
    be greeted as a stranger and the turn lost). This one passes through Rasa to the input
    channel (bot/channels/failures.py), which tells the customer and keeps their message.
    """
