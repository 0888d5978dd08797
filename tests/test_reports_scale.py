"""Reports at scale: the aggregations done in SQL give what counting the rows in Python gives
(on generated dealerships and generated date ranges), and the engagement export streams every
row of the range, well-formed, with a clear 400 for a bad range."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.booking.models import Booking
from bot.channels.sms.models import OutboxMessage
from bot.demo_data import generate
from bot.profile.models import IS_MESSAGE, EngagementEvent, KnowledgeGap
from bot.reports import attribution, current_revenue, dashboard
from bot.reports.export import ENGAGEMENT_COLUMNS
from bot.reports.measurement import REMINDER_KINDS
from tests.dealer import TZ
from tests.staff import AUTH

RANGES = 6  # generated date ranges per generated dealership


def _ranges(seed: int, now: datetime) -> list[tuple[datetime, datetime]]:
    """Ranges of one day to four months ending anywhere in the generated quarter, local midnights
    and odd hours alike (so weeks cut through the data in every way)."""
    rng = random.Random(seed)
    found = []
    for _ in range(RANGES):
        end = now - timedelta(hours=rng.randrange(0, 24 * 80))
        start = end - timedelta(hours=rng.randrange(24, 24 * 120))
        found.append((start, end))
    return found


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _first(rows) -> dict[int, datetime]:
    first: dict[int, datetime] = {}
    for customer_id, moment in rows:
        if moment is not None and (customer_id not in first or moment < first[customer_id]):
            first[customer_id] = moment
    return first


def _counted_in_python(services, start: datetime, end: datetime) -> dict:
    """The dashboard's engagement figures and attribution's customers, from every row."""
    low, high = _utc(start), _utc(end)
    first_week = start.astimezone(TZ).date()
    first_week -= timedelta(days=first_week.weekday())
    with services.sessions() as session:
        events = session.execute(
            select(
                EngagementEvent.ts, EngagementEvent.channel, EngagementEvent.sender_id, EngagementEvent.topic
            ).where(EngagementEvent.ts >= low, EngagementEvent.ts < high, IS_MESSAGE)
        ).all()
        gaps = session.scalars(
            select(KnowledgeGap.outcome).where(KnowledgeGap.created_at >= low, KnowledgeGap.created_at < high)
        ).all()
        answers = session.execute(
            select(EngagementEvent.customer_id, EngagementEvent.ts).where(
                EngagementEvent.direction == "out",
                EngagementEvent.topic.is_not(None),
                EngagementEvent.ts >= low,
                EngagementEvent.ts < high,
            )
        ).all()
        attended = session.execute(
            select(Booking.customer_id, Booking.starts_at).where(
                Booking.kind == "clinic",
                Booking.status == "attended",
                Booking.starts_at >= low,
                Booking.starts_at < high,
            )
        ).all()
        reminded = session.execute(
            select(OutboxMessage.customer_id, OutboxMessage.sent_at).where(
                OutboxMessage.kind.in_(REMINDER_KINDS),
                OutboxMessage.status == "sent",
                OutboxMessage.sent_at >= low,
                OutboxMessage.sent_at < high,
            )
        ).all()
    messages: dict[str, Counter] = defaultdict(Counter)
    senders: dict[str, dict[int, set]] = defaultdict(lambda: defaultdict(set))
    for e in events:
        week = (e.ts.replace(tzinfo=timezone.utc).astimezone(TZ).date() - first_week).days // 7
        messages[e.channel][week] += 1
        senders[e.channel][week].add(e.sender_id)
    kinds = {"feature_answer": _first(answers), "clinic_attended": _first(attended)}
    kinds["reminder_sent"] = _first(reminded)
    touched = set().union(*kinds.values())
    in_touch = _first((e.customer_id, e.ts) for e in _message_customers(services, low, high))
    return {
        "messages": {c: dict(weeks) for c, weeks in messages.items()},
        "conversations": {c: {w: len(s) for w, s in weeks.items()} for c, weeks in senders.items()},
        "topics": Counter(e.topic for e in events if e.topic),
        "unanswered": gaps.count("unknown"),
        "unclear": gaps.count("clarify"),
        "customers": {name: len(first) for name, first in kinds.items()},
        "comparison": len([c for c in in_touch if c not in touched]),
    }


def _message_customers(services, low: datetime, high: datetime) -> list:
    with services.sessions() as session:
        return session.execute(
            select(EngagementEvent.customer_id, EngagementEvent.ts).where(
                EngagementEvent.ts >= low, EngagementEvent.ts < high, IS_MESSAGE
            )
        ).all()


def _by_week(series: dict[str, list[int]]) -> dict[str, dict[int, int]]:
    return {c: {w: n for w, n in enumerate(weeks) if n} for c, weeks in series.items()}


def test_sql_aggregates_equal_counting_every_row(services):
    for seed in (3, 11):
        if seed == 11:  # a second, differently shaped dealership in a fresh set of tables
            with services.sessions.begin() as session:
                for table in reversed(EngagementEvent.metadata.sorted_tables):
                    if table.name != "alembic_version":
                        session.execute(table.delete())
        generate(services, households=25 + seed, months=4, seed=seed)
        for start, end in _ranges(seed, services.now().astimezone(TZ)):
            expected = _counted_in_python(services, start, end)
            data = dashboard(services.sessions, services.bookings, start, end)
            assert _by_week(data["messages_by_channel"]) == expected["messages"]
            assert _by_week(data["conversations_by_channel"]) == expected["conversations"]
            assert data["questions"] == {
                "answered": sum(expected["topics"].values()),
                "unanswered": expected["unanswered"],
                "unclear": expected["unclear"],
            }
            top = [(t["topic"], t["answers"]) for t in data["top_topics"]]
            assert top == sorted(expected["topics"].items(), key=lambda item: (-item[1], item[0]))[:10]
            assert all(w < len(data["weeks"]) for s in expected["messages"].values() for w in s)
            found = attribution(services.sessions, current_revenue(services), start, end)
            assert {r["engagement"]: r["customers"] for r in found["rows"]} == expected["customers"]
            assert found["comparison"]["customers"] == expected["comparison"]


async def test_engagement_export_streams_every_row_well_formed(services, staff_api):
    generate(services, households=120, months=2, seed=5)
    now = services.now().astimezone(TZ)
    start, end = now - timedelta(days=70), now + timedelta(days=1)
    with services.sessions() as session:
        expected = session.execute(
            select(EngagementEvent.id).where(
                EngagementEvent.ts >= _utc(start), EngagementEvent.ts < _utc(end)
            )
        ).all()
    window = f"from={start.date()}&to={end.date()}"
    response = await staff_api.get(f"/api/reports/engagement.csv?{window}", headers=AUTH)
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/csv")
    body = await response.text()
    [header, *rows] = list(csv.reader(io.StringIO(body)))
    assert tuple(header) == ENGAGEMENT_COLUMNS
    assert len(rows) == len(expected) > 500  # more than one batch
    assert all(len(row) == len(ENGAGEMENT_COLUMNS) for row in rows)
    stamps = [row[0] for row in rows]
    assert stamps == sorted(stamps) and body.endswith("\n")
    for bad in ("from=2026-02-30", "to=yesterday", f"from={end.date()}&to={start.date()}"):
        problem = await staff_api.get(f"/api/reports/engagement.csv?{bad}", headers=AUTH)
        assert problem.status == 400
        assert (
            "from and to" in (await problem.json())["error"]
            or "to must be" in (await problem.json())["error"]
        )
