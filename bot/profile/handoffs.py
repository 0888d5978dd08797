"""Bringing in a person: handoff requests, staff taking a conversation over, their SMS replies.

While staff hold a conversation (a handoff they took and haven't closed) the assistant keeps quiet.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.sms.models import OutboxMessage
from bot.profile.contact_details import InvalidContactDetail
from bot.profile.models import EngagementEvent, HandoffRequest, Phone, StaffAudit, utcnow
from bot.profile.views import event_view, handoff_view

CONVERSATION_LIMIT = 200  # the latest messages shown with a handoff


class Handoffs:
    """Handoff requests from the assistant, and what staff do with them."""

    _sessions: sessionmaker[Session]

    def open_handoff(
        self, customer_id: int, sender_id: str, channel: str, reason: str, message: str | None
    ) -> int:
        """Ask staff to take over; one open request per conversation (repeats reuse it)."""
        with self._sessions.begin() as session:
            existing = session.scalar(
                select(HandoffRequest).where(
                    HandoffRequest.sender_id == sender_id, HandoffRequest.status == "open"
                )
            )
            if existing is not None:
                return existing.id
            request = HandoffRequest(
                customer_id=customer_id,
                sender_id=sender_id,
                channel=channel,
                reason=reason,
                message=message,
            )
            session.add(request)
            session.flush()
            return request.id

    def open_handoffs(self) -> list[dict[str, Any]]:
        """Handoff requests waiting for (or being answered by) staff, oldest first."""
        with self._sessions() as session:
            rows = session.scalars(
                select(HandoffRequest).where(HandoffRequest.status == "open").order_by(HandoffRequest.id)
            )
            return [handoff_view(h) for h in rows]

    def handoff(self, handoff_id: int) -> dict[str, Any] | None:
        """One handoff with the conversation so far (its last 200 messages, oldest first)."""
        with self._sessions() as session:
            row = session.get(HandoffRequest, handoff_id)
            if row is None:
                return None
            events = session.scalars(
                select(EngagementEvent)
                .where(EngagementEvent.sender_id == row.sender_id)
                .order_by(EngagementEvent.ts.desc(), EngagementEvent.id.desc())
                .limit(CONVERSATION_LIMIT)
            ).all()
            return {**handoff_view(row), "conversation": [event_view(e) for e in reversed(events)]}

    def take_handoff(self, handoff_id: int, staff: str) -> bool:
        """Mark an open handoff as taken over by a staff member; False if it isn't open."""
        with self._sessions.begin() as session:
            row = session.get(HandoffRequest, handoff_id)
            if row is None or row.status != "open":
                return False
            if row.taken_by is None:
                row.taken_by, row.taken_at = staff, utcnow()
            return True

    def is_taken_over(self, sender_id: str) -> bool:
        """Whether staff hold this conversation (an open handoff they took): the assistant keeps quiet."""
        with self._sessions() as session:
            return (
                session.scalar(
                    select(HandoffRequest.id)
                    .where(
                        HandoffRequest.sender_id == sender_id,
                        HandoffRequest.status == "open",
                        HandoffRequest.taken_by.is_not(None),
                    )
                    .limit(1)
                )
                is not None
            )

    def close_handoff(self, handoff_id: int, staff: str) -> bool:
        with self._sessions.begin() as session:
            row = session.get(HandoffRequest, handoff_id)
            if row is None or row.status != "open":
                return False
            row.status, row.closed_at, row.closed_by = "closed", utcnow(), staff
            return True

    def queue_staff_sms(self, handoff_id: int, staff: str, body: str) -> int:
        """Queue a staff reply to an SMS conversation in the outbox; never to an opted-out number.

        Raises InvalidContactDetail (a reason staff can act on) when it can't be sent.
        """
        with self._sessions.begin() as session:
            row = session.get(HandoffRequest, handoff_id)
            if row is None:
                raise InvalidContactDetail("That handoff doesn't exist.")
            phone = session.scalar(select(Phone).where(Phone.e164 == row.sender_id))
            if phone is not None and phone.opted_out_at is not None:
                raise InvalidContactDetail("This number has opted out of SMS; call them instead.")
            message = OutboxMessage(customer_id=row.customer_id, phone=row.sender_id, body=body, kind="staff")
            session.add(message)
            session.add(
                StaffAudit(
                    staff=staff,
                    customer_id=row.customer_id,
                    action="sms_reply",
                    detail={"handoff_id": handoff_id},
                )
            )
            session.flush()
            return message.id
