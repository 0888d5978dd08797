"""The SMS tables: the outbox of texts to send, each inbound text once, and per-phone state.

They share one metadata with every other table (`bot.tables.Base`); `bot.schema` registers them.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint

from bot.tables import Base, owned_by_customer, utcnow


class OutboxMessage(Base):
    """An SMS waiting to be sent (reminders, staff messages); one per booking and kind, ever."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        UniqueConstraint("booking_id", "kind"),
        Index("ix_outbox_messages_phone_sent", "phone", "sent_at"),  # a reply's latest reminder
    )

    id = Column(Integer, primary_key=True)
    customer_id = owned_by_customer()
    phone = Column(String(20), nullable=False)
    body = Column(Text, nullable=False)
    kind = Column(String(20), nullable=False)  # reminder_24h | reminder_2h | staff | slot_offer ...
    booking_id = Column(Integer, ForeignKey("bookings.id", ondelete="CASCADE"))
    status = Column(String(10), nullable=False, default="queued")  # queued | sent | failed | skipped
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text)
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    sent_at = Column(DateTime)
    # A sender claims a message by moving this forward (a lease), so several senders never send
    # one twice; after a failure it is when to try again (exponential backoff).
    next_attempt_at = Column(DateTime, index=True)
    skip_reason = Column(String(40))  # why a message was not sent, e.g. "opted_out"
    twilio_sid = Column(String(64))  # Twilio's id for the sent message
    replied_at = Column(DateTime)  # a reminder the customer answered (C, R or X): it acts only once


class SmsMessage(Base):
    """An SMS as Twilio delivered it, once per MessageSid: a retried webhook gets the stored reply
    instead of being processed again (the unique constraint holds across Rasa processes)."""

    __tablename__ = "sms_messages"
    __table_args__ = (Index("ix_sms_messages_phone_received", "phone", "received_at"),)

    id = Column(Integer, primary_key=True)
    message_sid = Column(String(64), nullable=False, unique=True)
    phone = Column(String(20), nullable=False)
    body = Column(Text, nullable=False)
    num_media = Column(Integer, nullable=False, default=0)
    received_at = Column(DateTime, nullable=False, default=utcnow)
    outcome = Column(String(20))  # None while being answered; then answered | opted_out | rate_limited ...
    reply = Column(JSON)  # the SMS texts sent back, in order


class SmsThread(Base):
    """Per phone: the numbered options last offered and the notices already given."""

    __tablename__ = "sms_threads"

    phone = Column(String(20), primary_key=True)
    options = Column(JSON)  # [{"title": ..., "payload": ...}]: what "1", "2", ... mean now
    introduced_at = Column(DateTime)  # when the first reply (with "Reply STOP to opt out") went out
    limit_notice_at = Column(DateTime)  # when the last "slow down" reply went out
