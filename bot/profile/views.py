"""What the staff API and console read: a customer's profile, lookups and searches, and the
questions the assistant couldn't answer. Plain dicts, ready for JSON (times in ISO 8601 UTC)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot.profile.consent import booking_channels
from bot.profile.models import (
    ChannelIdentity,
    Contact,
    Customer,
    Email,
    EngagementEvent,
    HandoffRequest,
    HouseholdMember,
    KnowledgeGap,
    OwnedVehicle,
    Phone,
    iso_utc,
)

SEARCH_LIMIT = 50


class ReadModels:
    """Reads for staff; none of them changes anything."""

    _sessions: sessionmaker[Session]

    def find_customers(
        self, *, phone: str | None = None, email: str | None = None, sender_id: str | None = None
    ) -> list[dict[str, Any]]:
        with self._sessions() as session:
            query = select(Customer.id).distinct()
            if phone:
                query = query.join(Contact).join(Phone).where(Phone.e164 == phone)
            elif email:
                query = query.join(Contact).join(Email).where(Email.address == email)
            elif sender_id:
                query = query.join(ChannelIdentity).where(ChannelIdentity.sender_id == sender_id)
            else:
                return []
            ids = list(session.scalars(query.order_by(Customer.id)))
            return [summary_view(session, customer_id) for customer_id in ids]

    def search_customers(self, text: str, limit: int = SEARCH_LIMIT) -> list[dict[str, Any]]:
        """Customers whose name, household member, phone, email, VIN or conversation id matches.

        Names, emails and VINs match on any part; four or more digits (in any format, e.g.
        "(555) 010-0123") match any phone containing them.
        """
        text = " ".join(text.split())
        if not text:
            return []
        pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

        def like(column: Any) -> Any:
            return func.lower(column).like(pattern, escape="\\")

        owners = [
            select(Contact.customer_id).where(like(Contact.name)),
            select(HouseholdMember.customer_id).where(like(HouseholdMember.name)),
            select(Contact.customer_id).join(Email).where(like(Email.address)),
            select(OwnedVehicle.customer_id).where(like(OwnedVehicle.vin)),
            select(ChannelIdentity.customer_id).where(ChannelIdentity.sender_id == text),
        ]
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) >= 4 and len(digits) >= len(text.replace(" ", "")) // 2:
            owners.append(select(Contact.customer_id).join(Phone).where(Phone.e164.like(f"%{digits}%")))
        with self._sessions() as session:
            ids = session.scalars(
                select(Customer.id)
                .where(or_(*(Customer.id.in_(query) for query in owners)))
                .order_by(Customer.id.desc())
                .limit(limit)
            ).all()
            return [summary_view(session, customer_id) for customer_id in ids]

    def knowledge_gaps(self, limit: int = 200) -> list[dict[str, Any]]:
        """Newest first: questions the assistant couldn't answer outright."""
        with self._sessions() as session:
            rows = session.scalars(select(KnowledgeGap).order_by(KnowledgeGap.id.desc()).limit(limit))
            return [
                {
                    "customer_id": g.customer_id,
                    "sender_id": g.sender_id,
                    "text": g.text,
                    "outcome": g.outcome,
                    "created_at": iso_utc(g.created_at),
                }
                for g in rows
            ]

    def profile_summary(self, customer_id: int) -> dict[str, Any] | None:
        """The profile without the engagement history (exports of many customers)."""
        with self._sessions() as session:
            if session.get(Customer, customer_id) is None:
                return None
            return summary_view(session, customer_id)

    def profile(self, customer_id: int) -> dict[str, Any] | None:
        """Everything known about a customer, engagement oldest first (the staff API's shape)."""
        with self._sessions() as session:
            if session.get(Customer, customer_id) is None:
                return None
            profile = summary_view(session, customer_id)
            events = session.scalars(
                select(EngagementEvent)
                .where(EngagementEvent.customer_id == customer_id)
                .order_by(EngagementEvent.ts, EngagementEvent.id)
            )
            profile["engagement"] = [event_view(event) for event in events]
            return profile


def summary_view(session: Session, customer_id: int) -> dict[str, Any]:
    """A profile without its engagement history (inside the caller's session)."""
    customer = session.scalars(
        select(Customer)
        .where(Customer.id == customer_id)
        .options(
            selectinload(Customer.contacts).selectinload(Contact.phones),
            selectinload(Customer.contacts).selectinload(Contact.emails),
            selectinload(Customer.household),
            selectinload(Customer.vehicles),
            selectinload(Customer.identities),
            selectinload(Customer.handoffs),
            selectinload(Customer.interests),
        )
    ).one()
    engagement_count = session.scalar(
        select(func.count()).select_from(EngagementEvent).where(EngagementEvent.customer_id == customer_id)
    )
    return {
        "id": customer.id,
        "created_at": iso_utc(customer.created_at),
        "contacts": [
            {
                "id": c.id,
                "name": c.name,
                "phones": [
                    {
                        "e164": p.e164,
                        "sms_consent": p.sms_consent,
                        "sms_consent_at": iso_utc(p.sms_consent_at),
                        "sms_consent_source": p.sms_consent_source,
                        "opted_out_at": iso_utc(p.opted_out_at),
                        "opt_out_source": p.opt_out_source,
                        "opt_out_message": p.opt_out_message,
                    }
                    for p in c.phones
                ],
                "emails": [e.address for e in c.emails],
                "email_addresses": [
                    {
                        "address": e.address,
                        "email_consent": e.email_consent,
                        "email_consent_at": iso_utc(e.email_consent_at),
                        "email_consent_source": e.email_consent_source,
                        "unsubscribed_at": iso_utc(e.unsubscribed_at),
                        "unsubscribe_source": e.unsubscribe_source,
                        "bounced_at": iso_utc(e.bounced_at),
                        "bounce_reason": e.bounce_reason,
                    }
                    for e in c.emails
                ],
            }
            for c in customer.contacts
        ],
        "booking_messages": {
            "choice": customer.booking_messages,
            "channels": sorted(booking_channels(session, customer.id)),
        },
        "household": [
            {"id": m.id, "name": m.name, "relation": m.relation, "birth_year": m.birth_year}
            for m in customer.household
        ],
        "vehicles": [
            {
                "id": v.id,
                "year": v.year,
                "make": v.make,
                "model": v.model,
                "trim": v.trim,
                "vin": v.vin,
                "mileage": v.mileage,
            }
            for v in customer.vehicles
        ],
        "channels": [
            {"channel": i.channel, "sender_id": i.sender_id, "since": iso_utc(i.created_at)}
            for i in customer.identities
        ],
        "handoffs": [handoff_view(h) for h in customer.handoffs],
        "interests": [
            {
                "topic": i.topic,
                "count": i.count,
                "first_at": iso_utc(i.first_at),
                "last_at": iso_utc(i.last_at),
            }
            for i in sorted(customer.interests, key=lambda i: (-i.count, i.topic))
        ],
        "engagement_count": engagement_count,
    }


def event_view(event: EngagementEvent) -> dict[str, Any]:
    """One message as the API shows it (also in a handoff's conversation)."""
    return {
        "ts": iso_utc(event.ts),
        "channel": event.channel,
        "direction": event.direction,
        "sender_id": event.sender_id,
        "text": event.text,
        "data": event.data,
        "intent": event.intent,
        "confidence": event.confidence,
        "action": event.action,
        "topic": event.topic,
        "model": event.model,
        "trim": event.trim,
        "booking_id": event.booking_id,
    }


def handoff_view(h: HandoffRequest) -> dict[str, Any]:
    """One handoff as the API shows it (in the profile and in the handoff queue)."""
    return {
        "id": h.id,
        "customer_id": h.customer_id,
        "status": h.status,
        "reason": h.reason,
        "channel": h.channel,
        "sender_id": h.sender_id,
        "message": h.message,
        "created_at": iso_utc(h.created_at),
        "closed_at": iso_utc(h.closed_at),
        "taken_by": h.taken_by,
        "taken_at": iso_utc(h.taken_at),
        "closed_by": h.closed_by,
        "department": h.department,
        "alerts": h.alerts,  # how many of the department's staff were alerted
        "next_alert_at": iso_utc(h.next_alert_at),
        "missed_at": iso_utc(h.missed_at),
        "notice": h.notice,  # the last thing the customer was told about the wait
        "notice_at": iso_utc(h.notice_at),
    }
