"""Who may get a message now: the phone texts may go to, the address emails may go to, and the
channels booking messages go by (the customer's choice, within their consent). Also the changes
that close a channel for an address (an unsubscribe, a bounce), in the caller's transaction.

Plain functions of a session on the profile tables only, so bookings and mail can use them
without importing the profile store.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.profile.models import Contact, Customer, Email, Phone, utcnow

# Where booking confirmations, reminders and clinic invitations go, as a customer may choose.
BOOKING_CHOICES = {
    "sms": frozenset({"sms"}),
    "email": frozenset({"email"}),
    "both": frozenset({"sms", "email"}),
}


def unsubscribe_address(session: Session, address: str, source: str) -> bool:
    """The unsubscribe in the caller's transaction (with the engagement event that records it)."""
    changed = session.execute(
        update(Email)
        .where(Email.address == address, Email.unsubscribed_at.is_(None))
        .values(unsubscribed_at=utcnow(), unsubscribe_source=source)
    ).rowcount
    return changed == 1


def mark_bounced(session: Session, address: str, reason: str) -> bool:
    """The mail server refused the address for good: never written to again. False if known."""
    changed = session.execute(
        update(Email)
        .where(Email.address == address, Email.bounced_at.is_(None))
        .values(bounced_at=utcnow(), bounce_reason=reason[:500])
    ).rowcount
    return changed == 1


def why_not_email(session: Session, address: str) -> str | None:
    """None if a customer email may go to the address now, else why not."""
    row = session.execute(
        select(Email.email_consent, Email.unsubscribed_at, Email.bounced_at).where(Email.address == address)
    ).one_or_none()
    if row is None or not row.email_consent:
        return "no_consent"
    if row.unsubscribed_at is not None:
        return "unsubscribed"
    return "bounced" if row.bounced_at is not None else None


def textable_phone(session: Session, customer_id: int) -> str | None:
    """The customer's first phone with SMS consent that hasn't opted out: where texts may go."""
    return session.scalar(
        select(Phone.e164)
        .join(Contact)
        .where(
            Contact.customer_id == customer_id,
            Phone.sms_consent.is_(True),
            Phone.opted_out_at.is_(None),
        )
        .order_by(Phone.id)
        .limit(1)
    )


def emailable_address(session: Session, customer_id: int) -> str | None:
    """The customer's first address with email consent, not unsubscribed and not bounced."""
    return session.scalar(
        select(Email.address)
        .join(Contact)
        .where(
            Contact.customer_id == customer_id,
            Email.email_consent.is_(True),
            Email.unsubscribed_at.is_(None),
            Email.bounced_at.is_(None),
        )
        .order_by(Email.id)
        .limit(1)
    )


def booking_channels(session: Session, customer_id: int) -> frozenset[str]:
    """Where booking messages go: the customer's choice (or, without one, both), each channel only
    where they consented and haven't opted out or unsubscribed."""
    choice = session.scalar(select(Customer.booking_messages).where(Customer.id == customer_id))
    possible = {"sms"} if textable_phone(session, customer_id) else set()
    if emailable_address(session, customer_id):
        possible.add("email")
    return BOOKING_CHOICES.get(choice or "both", BOOKING_CHOICES["both"]) & possible
