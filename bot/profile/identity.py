"""Which customer a conversation belongs to, and the messages recorded on that customer.

A conversation is its channel and sender id. A new one gets a new (anonymous) profile, unless it
is on a phone channel: there the sender id is the number, so a text lands on the profile that
holds it. Profiles merge later when contact details show they are one household (`contacts.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.profile.models import ChannelIdentity, Contact, Customer, EngagementEvent, Phone

# Channels whose sender id is the customer's phone (E.164): such a conversation belongs to the
# customer with that phone (created with it if new), so SMS and web meet on one profile.
PHONE_CHANNELS = frozenset({"sms"})

# The website chat widget's channel and its session ids: what the widget generates (32 hex digits)
# and what Rasa generates for a socket without one; long and random enough not to be guessed, and
# never a phone number. The widget's page views use the same id, so they land on the chat's profile.
WIDGET_CHANNEL = "socketio"
WIDGET_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{16,128}")


@dataclass(frozen=True)
class EngagementRecord:
    """One message as the engagement broker hands it over."""

    sender_id: str
    channel: str
    ts: datetime
    direction: str
    text: str | None = None
    data: dict[str, Any] | None = None
    intent: str | None = None
    confidence: float | None = None
    action: str | None = None
    topic: str | None = None
    model: str | None = None
    trim: str | None = None
    booking_id: str | None = None


class Identity:
    """Conversations -> customers, and the engagement written on them."""

    _sessions: sessionmaker[Session]

    def customer_for_sender(self, channel: str, sender_id: str) -> int:
        """The customer behind a conversation; a new (anonymous) profile on first contact."""
        with self._sessions.begin() as session:
            return _customer_for_sender(session, channel, sender_id)

    def channel_of(self, sender_id: str) -> str | None:
        """The channel a conversation was last seen on, for bot messages that don't say."""
        with self._sessions() as session:
            return session.scalar(
                select(ChannelIdentity.channel)
                .where(ChannelIdentity.sender_id == sender_id)
                .order_by(ChannelIdentity.id.desc())
                .limit(1)
            )

    def record_engagement(self, records: Iterable[EngagementRecord]) -> int:
        """Write a batch of messages in one transaction (all or nothing, so a retry is safe)."""
        with self._sessions.begin() as session:
            customers: dict[tuple[str, str], int] = {}
            rows = []
            for record in records:
                key = (record.channel, record.sender_id)
                if key not in customers:
                    customers[key] = _customer_for_sender(session, *key)
                rows.append({"customer_id": customers[key], **record.__dict__})
            if rows:  # one multi-row statement, not one ORM insert per row
                session.execute(insert(EngagementEvent), rows)
            return len(rows)


def _customer_for_sender(session: Session, channel: str, sender_id: str) -> int:
    lookup = select(ChannelIdentity.customer_id).where(
        ChannelIdentity.channel == channel, ChannelIdentity.sender_id == sender_id
    )
    customer_id = session.scalar(lookup)
    if customer_id is not None:
        return customer_id
    phone = sender_id if channel in PHONE_CHANNELS else None
    if phone:
        customer_id = session.scalar(select(Contact.customer_id).join(Phone).where(Phone.e164 == phone))
    # Reads stay outside the savepoint: on SQLite a transaction that reads and then writes fails
    # at once ("database is locked") instead of waiting when another process wrote meanwhile.
    try:
        with session.begin_nested():
            if customer_id is None:
                customer = Customer()
                session.add(customer)
                session.flush()
                customer_id = customer.id
                if phone:
                    session.add(Contact(customer_id=customer_id, phones=[Phone(e164=phone)]))
            session.add(ChannelIdentity(customer_id=customer_id, channel=channel, sender_id=sender_id))
            session.flush()
            return customer_id
    except IntegrityError:
        # Another process created it between our read and write: use theirs (found by the
        # conversation, or by the phone if that is what it added).
        return session.scalar(lookup) or _customer_for_sender(session, channel, sender_id)
