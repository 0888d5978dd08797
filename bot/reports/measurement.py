"""The engagement dashboard and the engagement-to-revenue attribution, for a date range.

Engagement (a million events over a quarter at a dealer group) is counted in SQL: grouped by
channel and week, where the week is a CASE over the weeks' starts as UTC instants, so SQLite and
PostgreSQL give the same answers with no database-specific date functions; weeks start on Monday
in the dealership's time zone. The smaller tables (bookings, handoffs, opt-outs) are read with
indexed range queries and counted in Python.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.booking import BookingStore, reminders
from bot.booking.models import Booking
from bot.channels.sms.models import OutboxMessage
from bot.mail.models import EmailMessage
from bot.profile.models import IS_MESSAGE, Email, EngagementEvent, HandoffRequest, KnowledgeGap, Phone
from bot.reports.revenue import RepairOrderValues

TOP_TOPICS = 10
GAP_LIST = 50
WINDOWS = (30, 90)
REMINDER_KINDS = ("reminder_24h", "reminder_2h", "suggestion")
# What customers did with an email: engagement on their profile, but not messages on the dashboard.
ATTRIBUTION_METHOD = (
    "For each kind of engagement, the customers who had it in the period are counted once, from "
    "the first time they had it. A customer counts as booked when a service booking (not "
    "cancelled) was made within 30 or 90 days after that moment; revenue is the sum, over those "
    "bookings within 90 days that weren't no-shows, of the average repair-order value of each "
    "service (knowledge/revenue.yml). The comparison row does the same for customers who were "
    "in touch in the period without any of these engagements, from their first message. This shows "
    "association, not cause: customers who come to a clinic may have booked service anyway; "
    "compare each row with the comparison row before crediting it."
)


def dashboard(
    sessions: sessionmaker[Session], bookings: BookingStore, start: datetime, end: datetime
) -> dict:
    tz = bookings.schedule.tz
    weeks = _weeks(start.astimezone(tz).date(), end.astimezone(tz).date())
    low, high = _utc(start), _utc(end)
    with sessions() as session:
        messages_in_range = (EngagementEvent.ts >= low, EngagementEvent.ts < high, IS_MESSAGE)
        week = _week_bucket(EngagementEvent.ts, weeks, tz)
        by_week = session.execute(
            select(
                EngagementEvent.channel,
                week,
                func.count(),
                func.count(EngagementEvent.sender_id.distinct()),
            )
            .where(*messages_in_range)
            .group_by(EngagementEvent.channel, week)
        ).all()
        topics = dict(
            session.execute(
                select(EngagementEvent.topic, func.count())
                .where(*messages_in_range, EngagementEvent.topic.is_not(None))
                .group_by(EngagementEvent.topic)
            ).all()
        )
        gaps_in_range = (KnowledgeGap.created_at >= low, KnowledgeGap.created_at < high)
        gap_outcomes = dict(
            session.execute(
                select(KnowledgeGap.outcome, func.count())
                .where(*gaps_in_range)
                .group_by(KnowledgeGap.outcome)
            ).all()
        )
        gaps = session.execute(
            select(KnowledgeGap.text, KnowledgeGap.outcome, KnowledgeGap.created_at, KnowledgeGap.customer_id)
            .where(*gaps_in_range)
            .order_by(KnowledgeGap.id.desc())
            .limit(GAP_LIST)
        ).all()
        opt_outs = session.scalars(
            select(Phone.opted_out_at).where(Phone.opted_out_at >= low, Phone.opted_out_at < high)
        ).all()
        booked = session.execute(
            select(
                Booking.kind, Booking.status, Booking.created_at, Booking.starts_at, Booking.party_size
            ).where(Booking.created_at >= low, Booking.created_at < high)
        ).all()
        handoffs = session.execute(
            select(
                HandoffRequest.id,
                HandoffRequest.department,
                HandoffRequest.created_at,
                HandoffRequest.wait_from,
                HandoffRequest.taken_at,
                HandoffRequest.missed_at,
                HandoffRequest.alerts,
                HandoffRequest.status,
                HandoffRequest.customer_id,
            )
            .where(HandoffRequest.created_at >= low, HandoffRequest.created_at < high)
            .order_by(HandoffRequest.id.desc())
        ).all()
        held = session.execute(
            select(Booking.status, Booking.party_size).where(
                Booking.kind == "clinic", Booking.starts_at >= low, Booking.starts_at < high
            )
        ).all()
        reminded = _reminded_and_kept(session, low, high)
        emails = _customer_emails(session, low, high)

    def week_of(moment: datetime) -> int:
        local = moment.replace(tzinfo=timezone.utc).astimezone(tz).date()
        return (local - weeks[0]).days // 7

    channels = sorted({row[0] for row in by_week})
    messages = {c: [0] * len(weeks) for c in channels}
    conversations = {c: [0] * len(weeks) for c in channels}
    for channel, week_index, count, senders in by_week:
        messages[channel][week_index] = count
        conversations[channel][week_index] = senders
    top_topics = sorted(topics.items(), key=lambda item: (-item[1], item[0]))[:TOP_TOPICS]
    service_by_week = [0] * len(weeks)
    for b in booked:
        if b.kind == "service" and b.status != "cancelled":
            service_by_week[week_of(b.created_at)] += 1
    sessions_held = bookings.clinic_overview(start, end)
    capacity = sum(s["capacity"] for s in sessions_held)
    seats = sum(s["booked"] for s in sessions_held)
    attendance = Counter()
    for row in held:
        attendance[row.status] += row.party_size
    opt_out_weeks = [0] * len(weeks)
    for moment in opt_outs:
        opt_out_weeks[week_of(moment)] += 1
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "weeks": [w.isoformat() for w in weeks],
        "messages_by_channel": messages,
        "conversations_by_channel": conversations,
        "questions": {
            "answered": sum(topics.values()),
            "unanswered": gap_outcomes.get("unknown", 0),
            "unclear": gap_outcomes.get("clarify", 0),
        },
        "top_topics": [{"topic": t, "answers": n} for t, n in top_topics],
        "unanswered_questions": [
            {
                "text": g.text,
                "outcome": g.outcome,
                "customer_id": g.customer_id,
                "created_at": g.created_at.isoformat() + "Z",
            }
            for g in gaps
        ],
        "clinics": {
            "sessions": len(sessions_held),
            "capacity": capacity,
            "booked": seats,
            "fill_rate": round(seats / capacity, 3) if capacity else None,
            "attended": attendance["attended"],
            "no_show": attendance["no_show"],
            "not_yet_marked": attendance["confirmed"],
        },
        "service_bookings_by_week": service_by_week,
        "service_bookings": sum(service_by_week),
        "opt_outs_by_week": opt_out_weeks,
        "opt_outs": len(opt_outs),
        "handoffs": _handoffs(handoffs),
        "reminders": reminded,
        "emails": emails,
    }


def _customer_emails(session: Session, low: datetime, high: datetime) -> dict[str, Any]:
    """Customer emails sent in the period by kind, and how many of them were opened and clicked
    (each email once, however often), with the unsubscribes and bounces that happened in it."""
    sent = (
        select(
            EmailMessage.kind,
            func.count().label("sent"),
            func.count(EmailMessage.opened_at).label("opened"),
            func.count(EmailMessage.clicked_at).label("clicked"),
        )
        .where(
            EmailMessage.customer_id.is_not(None),
            EmailMessage.status == "sent",
            EmailMessage.sent_at >= low,
            EmailMessage.sent_at < high,
        )
        .group_by(EmailMessage.kind)
    )
    by_kind = {
        row.kind: {"sent": row.sent, "opened": row.opened, "clicked": row.clicked}
        for row in session.execute(sent)
    }
    total = {key: sum(k[key] for k in by_kind.values()) for key in ("sent", "opened", "clicked")}

    def happened(column: Any) -> int:
        return session.scalar(select(func.count()).where(column >= low, column < high)) or 0

    return {
        **total,
        "open_rate": round(total["opened"] / total["sent"], 3) if total["sent"] else None,
        "click_rate": round(total["clicked"] / total["sent"], 3) if total["sent"] else None,
        "by_kind": by_kind,
        "unsubscribed": happened(Email.unsubscribed_at),
        "bounced": happened(Email.bounced_at),
    }


def _reminded_and_kept(session: Session, low: datetime, high: datetime) -> dict[str, Any]:
    """Bookings starting in the period, counted in SQL: how many were reminded by text, how many of
    those the customer confirmed (a reply of C), and of those whose attendance was marked, how many
    came (show rate) and didn't (no-show rate)."""
    reminded = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.booking_id == Booking.id,
            OutboxMessage.kind.in_(reminders.KINDS),
            OutboxMessage.status == "sent",
        )
        .exists()
    )

    def count(condition: Any) -> Any:
        return func.count(case((condition, Booking.id)))

    row = session.execute(
        select(
            count(reminded).label("reminded"),
            count(and_(reminded, Booking.confirmed_at.is_not(None))).label("confirmed"),
            count(Booking.status == "attended").label("attended"),
            count(Booking.status == "no_show").label("no_show"),
        ).where(Booking.starts_at >= low, Booking.starts_at < high)
    ).one()
    marked = row.attended + row.no_show
    return {
        "reminded": row.reminded,
        "confirmed": row.confirmed,
        "confirmation_rate": round(row.confirmed / row.reminded, 3) if row.reminded else None,
        "attended": row.attended,
        "no_show": row.no_show,
        "show_rate": round(row.attended / marked, 3) if marked else None,
        "no_show_rate": round(row.no_show / marked, 3) if marked else None,
    }


def _handoffs(rows: list) -> dict[str, Any]:
    """Handoffs made in the period: how many, how fast a person took them (from when staff could
    first answer: the request, or the next opening), and the ones nobody took (missed)."""
    waits = [
        max(0.0, (r.taken_at - r.wait_from).total_seconds() / 60)
        for r in rows
        if r.taken_at is not None and r.wait_from is not None
    ]
    missed = [r for r in rows if r.missed_at is not None]
    return {
        "requested": len(rows),
        "taken": sum(1 for r in rows if r.taken_at is not None),
        "missed": len(missed),
        "waiting": sum(1 for r in rows if r.status == "open" and r.taken_at is None and r.missed_at is None),
        "median_minutes_to_take_over": round(statistics.median(waits), 1) if waits else None,
        "measured": len(waits),
        "by_department": dict(Counter(r.department or "unrouted" for r in rows)),
        "missed_list": [
            {
                "id": r.id,
                "department": r.department,
                "customer_id": r.customer_id,
                "created_at": r.created_at.isoformat() + "Z",
                "missed_at": r.missed_at.isoformat() + "Z",
                "staff_alerted": r.alerts,
            }
            for r in missed[:GAP_LIST]
        ],
    }


def attribution(
    sessions: sessionmaker[Session], values: RepairOrderValues, start: datetime, end: datetime
) -> dict[str, Any]:
    """Service bookings and estimated revenue after each kind of engagement (see ATTRIBUTION_METHOD)."""
    low, high = _utc(start), _utc(end)
    with sessions() as session:
        kinds = {
            "feature_answer": _first(
                session,
                EngagementEvent.customer_id,
                EngagementEvent.ts,
                EngagementEvent.direction == "out",
                EngagementEvent.topic.is_not(None),
                EngagementEvent.ts >= low,
                EngagementEvent.ts < high,
            ),
            "clinic_attended": _first(
                session,
                Booking.customer_id,
                Booking.starts_at,
                Booking.kind == "clinic",
                Booking.status == "attended",
                Booking.starts_at >= low,
                Booking.starts_at < high,
            ),
            "reminder_sent": _first(
                session,
                OutboxMessage.customer_id,
                OutboxMessage.sent_at,
                OutboxMessage.kind.in_(REMINDER_KINDS),
                OutboxMessage.status == "sent",
                OutboxMessage.sent_at >= low,
                OutboxMessage.sent_at < high,
            ),
        }
        in_touch = _first(
            session,
            EngagementEvent.customer_id,
            EngagementEvent.ts,
            EngagementEvent.ts >= low,
            EngagementEvent.ts < high,
            IS_MESSAGE,
        )
        services: dict[int, list[tuple[datetime, str, list[str]]]] = defaultdict(list)
        for row in session.execute(
            select(Booking.customer_id, Booking.created_at, Booking.status, Booking.services).where(
                Booking.kind == "service",
                Booking.status != "cancelled",
                Booking.created_at >= low,
                Booking.created_at < high + timedelta(days=max(WINDOWS)),
            )
        ):
            services[row.customer_id].append((row.created_at, row.status, row.services or []))

    def outcome(name: str, first: dict[int, datetime]) -> dict[str, Any]:
        row: dict[str, Any] = {"engagement": name, "customers": len(first)}
        revenue = 0.0
        for days in WINDOWS:
            booked = 0
            for customer_id, moment in first.items():
                after = [
                    b for b in services.get(customer_id, []) if moment < b[0] <= moment + timedelta(days=days)
                ]
                booked += bool(after)
                if days == max(WINDOWS):
                    revenue += sum(values.of(s) for _, status, s in after if status != "no_show")
            row[f"booked_within_{days}_days"] = booked
            row[f"rate_{days}_days"] = round(booked / len(first), 3) if first else None
        row["estimated_revenue"] = round(revenue, 2)
        return row

    touched_by_any = set().union(*kinds.values())
    comparison = {c: t for c, t in in_touch.items() if c not in touched_by_any}
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "currency": values.currency,
        "rows": [outcome(name, first) for name, first in kinds.items()],
        "comparison": outcome("in touch, none of these", comparison),
        "method": ATTRIBUTION_METHOD,
    }


def _first(session: Session, customer: Any, moment: Any, *conditions: Any) -> dict[int, datetime]:
    """Customer -> the earliest moment among the rows meeting the conditions, grouped in SQL."""
    return dict(
        session.execute(
            select(customer, func.min(moment))
            .where(customer.is_not(None), moment.is_not(None), *conditions)
            .group_by(customer)
        ).all()
    )


def _week_bucket(column: Any, weeks: list[date], tz: Any) -> Any:
    """The index of the dealership's week a stored UTC time falls in, as SQL: a CASE over the
    weeks' ends turned into UTC instants, so it is exact across time-zone changes and the same
    on SQLite and PostgreSQL."""
    ends = [_utc(datetime.combine(w + timedelta(weeks=1), time(), tzinfo=tz)) for w in weeks]
    return case(*((column < end, index) for index, end in enumerate(ends)), else_=len(weeks) - 1)


def _weeks(first: date, last: date) -> list[date]:
    monday = first - timedelta(days=first.weekday())
    return [monday + timedelta(weeks=n) for n in range((last - monday).days // 7 + 1)]


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)
