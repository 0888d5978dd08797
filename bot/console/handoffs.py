"""The human handoff inbox: staff take a conversation over, reply on the customer's channel and
hand it back. The assistant stays quiet in a conversation from the moment staff take it until
they close the handoff (Rasa's pause/resume events, see `takeover`)."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.console.takeover import SMS_CHANNEL, RasaConversations
from bot.profile import InvalidContactDetail, ProfileStore

MAX_REPLY_CHARS = 1600  # one SMS at most, as Twilio sends it


def signed(staff: str, text: str) -> str:
    """A staff reply as the customer sees it: "Dana: ..." (the first name the staff member logged
    in with), so they know a person, not the assistant, is answering."""
    first = staff.split()[0] if staff.split() else "Staff"
    return f"{first}: {text}"


class HandoffProblem(ValueError):
    """Why a handoff action can't be done, in words for staff; `status` is the HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class Handoffs:
    def __init__(self, store: ProfileStore, rasa: RasaConversations) -> None:
        self._store = store
        self._rasa = rasa

    async def take(self, handoff_id: int, staff: str) -> dict[str, Any]:
        """Pause the assistant in the conversation and mark who is answering it."""
        handoff = await self._open(handoff_id)
        await self._rasa.pause(handoff["sender_id"])
        await asyncio.to_thread(self._store.take_handoff, handoff_id, staff)
        return handoff

    async def reply(self, handoff_id: int, staff: str, text: str) -> None:
        """Send a staff message on the customer's channel (taking the conversation over first)."""
        text = text.strip()
        if not text:
            raise HandoffProblem("Write a reply first.")
        text = signed(staff, text)  # the customer sees who is answering: a person, by first name
        if len(text) > MAX_REPLY_CHARS:
            raise HandoffProblem(f"Keep replies to {MAX_REPLY_CHARS} characters (one SMS, with your name).")
        handoff = await self.take(handoff_id, staff)
        if handoff["channel"] == SMS_CHANNEL:
            try:  # checked before Rasa records it, so an opted-out number gets nothing
                await asyncio.to_thread(self._store.queue_staff_sms, handoff_id, staff, text)
            except InvalidContactDetail as reason:
                raise HandoffProblem(str(reason), 409) from None
        await self._rasa.say(handoff["sender_id"], handoff["channel"], text)

    async def close(self, handoff_id: int, staff: str) -> None:
        """Hand the conversation back to the assistant."""
        handoff = await self._open(handoff_id)
        await self._rasa.resume(handoff["sender_id"])
        await asyncio.to_thread(self._store.close_handoff, handoff_id, staff)

    async def _open(self, handoff_id: int) -> dict[str, Any]:
        handoff = await asyncio.to_thread(self._store.handoff, handoff_id)
        if handoff is None:
            raise HandoffProblem("No such handoff.", 404)
        if handoff["status"] != "open":
            raise HandoffProblem("This handoff is already closed.", 409)
        return handoff
