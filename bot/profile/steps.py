"""Bringing in a person, as a plain function of `Services`: the request staff see, and when they
will answer given opening hours."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.services import Services


@dataclass(frozen=True)
class Handoff:
    customer: int
    sender_id: str
    channel: str
    reason: str  # asked | escalation | pricing
    message: str | None


def hand_off(services: Services, request: Handoff) -> str:
    """Open (or reuse) the conversation's request for staff; the honest promise of when they'll
    reply, for the customer."""
    services.profiles.open_handoff(
        request.customer, request.sender_id, request.channel, request.reason, request.message
    )
    return services.dealership.staff_reply_promise(services.now())
