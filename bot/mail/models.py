"""The email outbox: staff alerts and CRM leads waiting to be sent through SMTP.

On the shared metadata (`bot.tables.Base`); `bot.schema` registers it. Like the SMS outbox, a
sender claims a message by moving `next_attempt_at` forward (a lease), so several senders never
send one twice, and a failure that may pass is retried later.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text

from bot.tables import Base, utcnow


class EmailMessage(Base):
    """One email to one address: a staff alert or CRM lead, or a customer's booking email (with a
    `customer_id`, an HTML part and an unsubscribe link, and its first open and click)."""

    __tablename__ = "email_outbox"

    id = Column(Integer, primary_key=True)
    to_address = Column(String(254), nullable=False)
    subject = Column(String(200), nullable=False)
    body = Column(Text, nullable=False)
    kind = Column(String(20), nullable=False)  # staff_alert | crm_lead | a customer email's kind
    # The customer a booking email goes to (None for staff alerts and leads): they are engagement.
    customer_id = Column(Integer, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    html_body = Column(Text)
    unsubscribe_url = Column(Text)  # List-Unsubscribe (RFC 8058 one-click)
    skip_reason = Column(String(20))  # unsubscribed | bounced | no_consent
    opened_at = Column(DateTime)  # the first open (the pixel); later opens are engagement only
    clicked_at = Column(DateTime)  # the first tracked link followed
    # The handoff (or booking) an alert or lead is about (deleted with it, and so with its customer).
    handoff_id = Column(Integer, ForeignKey("handoff_requests.id", ondelete="CASCADE"), index=True)
    booking_id = Column(Integer, ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    # Makes a message once, whoever queues it how often: "handoff:12" for a handoff's CRM lead.
    # Booking emails too: "booking:34:reminder_24h".
    lead_key = Column(String(40), unique=True, index=True)
    status = Column(String(10), nullable=False, default="queued")  # queued | sent | failed | skipped
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text)
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    sent_at = Column(DateTime)
    next_attempt_at = Column(DateTime, index=True)  # the lease, then the next retry
    message_id = Column(String(200))  # the Message-ID header sent
