"""What several actions need: who the customer is, without blocking the action server."""

from __future__ import annotations

import asyncio

from rasa_sdk import Tracker

from bot.profile import default_store


def channel_of(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "unknown"


async def customer_id(tracker: Tracker) -> int:
    """The profile behind this conversation (created on first contact)."""
    return await asyncio.to_thread(
        default_store().customer_for_sender, channel_of(tracker), tracker.sender_id
    )
