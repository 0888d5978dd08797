"""The customer profile schema: one household record with everything we know about it.

A *customer* is the household. People in it who talk to us are *contacts* (with phones and
emails); people we only know about are *household members*. Conversations reach a customer
through *channel identities* (the channel's sender id). Every message is an *engagement event*.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import relationship

# Declared in bot.tables (shared with the booking and SMS tables); still imported from here.
from bot.tables import Base, iso_utc, owned_by_customer, utcnow  # noqa: F401 - re-exported


class Customer(Base):
    __tablename__ = "customers"

    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    # Where booking confirmations, reminders and clinic invitations go: "sms", "email" or "both";
    # None means every channel the customer consented to (bot/profile/contacts.py: booking_channels).
    booking_messages = Column(String(5))
    # Made up by `python -m bot demo-data` (bot/demo_data.py), never a real household.
    demo = Column(Boolean, nullable=False, default=False, server_default=false())

    contacts = relationship("Contact", back_populates="customer", order_by="Contact.id")
    household = relationship("HouseholdMember", order_by="HouseholdMember.id")
    vehicles = relationship("OwnedVehicle", order_by="OwnedVehicle.id")
    identities = relationship("ChannelIdentity", order_by="ChannelIdentity.id")
    handoffs = relationship("HandoffRequest", order_by="HandoffRequest.id")
    interests = relationship("Interest")


class Contact(Base):
    __tablename__ = "contacts"

    id = Column(Integer, primary_key=True)
    customer_id = owned_by_customer()
    name = Column(String(120))
    created_at = Column(DateTime, nullable=False, default=utcnow)

    customer = relationship("Customer", back_populates="contacts")
    phones = relationship("Phone", back_populates="contact", order_by="Phone.id")
    emails = relationship("Email", back_populates="contact", order_by="Email.id")


class Phone(Base):
    """A mobile number in E.164; SMS consent and opt-out belong to the number, as carriers see it."""

    __tablename__ = "phones"

    id = Column(Integer, primary_key=True)
    contact_id = Column(Integer, ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False, index=True)
    e164 = Column(String(20), nullable=False, unique=True)
    sms_consent = Column(Boolean)
    sms_consent_at = Column(DateTime)
    sms_consent_source = Column(String(40))
    opted_out_at = Column(DateTime)
    opt_out_source = Column(String(40))
    opt_out_message = Column(Text)  # what the customer wrote to opt out, e.g. "please stop texting me"

    contact = relationship("Contact", back_populates="phones")


class Email(Base):
    """An email address; like a phone's SMS consent, consent to emails and the unsubscribe belong
    to the address. A bounced address (the mail server refused it for good) is never written to."""

    __tablename__ = "emails"

    id = Column(Integer, primary_key=True)
    contact_id = Column(Integer, ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False, index=True)
    address = Column(String(254), nullable=False, unique=True)
    email_consent = Column(Boolean)
    email_consent_at = Column(DateTime)
    email_consent_source = Column(String(40))
    unsubscribed_at = Column(DateTime)
    unsubscribe_source = Column(String(40))  # e.g. email:link, email:one-click
    bounced_at = Column(DateTime)
    bounce_reason = Column(Text)  # the mail server's reply, e.g. "550 no such user"

    contact = relationship("Contact", back_populates="emails")


class HouseholdMember(Base):
    __tablename__ = "household_members"

    id = Column(Integer, primary_key=True)
    customer_id = owned_by_customer()
    name = Column(String(120), nullable=False)
    relation = Column(String(40))
    birth_year = Column(Integer)


class OwnedVehicle(Base):
    """A car the household owns (the `vehicles` table); written and read as `VehicleDetails`."""

    __tablename__ = "vehicles"

    id = Column(Integer, primary_key=True)
    customer_id = owned_by_customer()
    year = Column(Integer)
    make = Column(String(40), nullable=False, default="Corvane")
    model = Column(String(40), nullable=False)
    trim = Column(String(40))
    vin = Column(String(17))
    mileage = Column(Integer)


class ChannelIdentity(Base):
    """How a conversation finds its customer: (channel, sender id) -> customer."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "sender_id"),)

    id = Column(Integer, primary_key=True)
    customer_id = owned_by_customer()
    channel = Column(String(40), nullable=False)
    sender_id = Column(String(255), nullable=False, index=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)


class EngagementEvent(Base):
    """One message in or out, on any channel: the raw material of engagement measurement."""

    __tablename__ = "engagement_events"
    __table_args__ = (Index("ix_engagement_customer_ts", "customer_id", "ts"),)

    id = Column(Integer, primary_key=True)
    customer_id = owned_by_customer()
    sender_id = Column(String(255), nullable=False)
    ts = Column(DateTime, nullable=False, index=True)
    channel = Column(String(40), nullable=False)
    direction = Column(String(3), nullable=False)  # "in" from the customer, "out" to them
    text = Column(Text)
    data = Column(JSON)  # buttons, images, custom payloads of bot messages
    intent = Column(String(80))
    confidence = Column(Float)
    action = Column(String(80))  # response or action that produced a bot message
    topic = Column(String(80))
    model = Column(String(40))  # the vehicle model and trim a question was about
    trim = Column(String(40))
    booking_id = Column(String(40))


# Engagement events that are no message in or out (a page viewed, an email opened or clicked, an
# unsubscribe): message counts, response times and the dashboard's conversations leave them out.
NOT_MESSAGES = ("page_view", "email_opened", "email_clicked", "email_unsubscribed")
IS_MESSAGE = EngagementEvent.action.is_(None) | EngagementEvent.action.not_in(NOT_MESSAGES)


class HandoffRequest(Base):
    __tablename__ = "handoff_requests"

    id = Column(Integer, primary_key=True)
    customer_id = owned_by_customer()
    sender_id = Column(String(255), nullable=False)
    channel = Column(String(40), nullable=False)
    reason = Column(String(40), nullable=False)  # "asked" or "escalation"
    message = Column(Text)
    status = Column(String(10), nullable=False, default="open")
    created_at = Column(DateTime, nullable=False, default=utcnow)
    closed_at = Column(DateTime)
    taken_by = Column(String(80))  # staff member who took the conversation over (assistant paused)
    taken_at = Column(DateTime)
    closed_by = Column(String(80))
    # Reaching a person (bot/profile/reach.py): the department whose staff are alerted, when staff
    # could first answer (its creation, or the next opening), how many of the department's staff
    # have been alerted so far, when the next one is due (moved forward by one conditional
    # update, so several SMS senders escalate once), and when nobody was left to ask.
    department = Column(String(20))
    wait_from = Column(DateTime)
    alerts = Column(Integer, nullable=False, default=0, server_default="0")
    next_alert_at = Column(DateTime, index=True)
    missed_at = Column(DateTime)
    notice = Column(Text)  # the last thing the customer was told about the wait
    notice_at = Column(DateTime)


class Interest(Base):
    """A feature topic a customer asked about: how often and when last, to stay relevant."""

    __tablename__ = "interests"
    __table_args__ = (UniqueConstraint("customer_id", "topic"),)

    id = Column(Integer, primary_key=True)
    customer_id = owned_by_customer()
    topic = Column(String(80), nullable=False)
    count = Column(Integer, nullable=False, default=1)
    first_at = Column(DateTime, nullable=False, default=utcnow)
    last_at = Column(DateTime, nullable=False, default=utcnow)


class KnowledgeGap(Base):
    """A question the knowledge base could not answer outright: the dealer's to-write list."""

    __tablename__ = "knowledge_gaps"

    id = Column(Integer, primary_key=True)
    customer_id = owned_by_customer()
    sender_id = Column(String(255), nullable=False)
    text = Column(Text, nullable=False)
    outcome = Column(String(20), nullable=False)  # "unknown" or "clarify"
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)


class StaffAudit(Base):
    """Who changed what on a profile, and when: staff edits are accountable.

    `customer_id` is deliberately not a foreign key: the audit trail outlives merges and deletions.
    """

    __tablename__ = "staff_audit"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=utcnow, index=True)
    staff = Column(String(80), nullable=False)
    customer_id = Column(Integer, index=True)
    action = Column(String(40), nullable=False)  # e.g. phone_fixed, household_added, attendance
    detail = Column(JSON, nullable=False)  # before/after values


class SuggestionDecision(Base):
    """A suggested engagement staff sent or dismissed; never suggested (or sent) again."""

    __tablename__ = "suggestion_decisions"
    __table_args__ = (UniqueConstraint("customer_id", "key"),)

    id = Column(Integer, primary_key=True)
    customer_id = owned_by_customer()
    key = Column(String(120), nullable=False)  # stable id of the suggestion, e.g. clinic:ev-101
    kind = Column(String(40), nullable=False)  # clinic | service_reminder
    outcome = Column(String(10), nullable=False)  # sent | dismissed
    staff = Column(String(80), nullable=False)
    text = Column(Text)  # the message sent, if any
    at = Column(DateTime, nullable=False, default=utcnow, index=True)
