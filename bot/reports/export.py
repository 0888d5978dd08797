"""CSV exports of customers and engagement, safe to open in a spreadsheet.

Cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR) get a
leading apostrophe: customers type these messages, so they must never execute.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timezone

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.profile import ProfileStore
from bot.profile.models import Customer, EngagementEvent
from bot.reports.quality import record_quality

CUSTOMER_COLUMNS = (
    "customer_id",
    "created_at",
    "names",
    "phones",
    "emails",
    "sms_consent",
    "opted_out",
    "household",
    "vehicles",
    "quality_score",
    "missing",
    "engagement_count",
)
ENGAGEMENT_COLUMNS = (
    "ts",
    "customer_id",
    "channel",
    "direction",
    "sender_id",
    "text",
    "intent",
    "action",
    "topic",
    "model",
    "trim",
    "booking_id",
)
BATCH = 500


def customers_csv(store: ProfileStore) -> Iterator[str]:
    """Every customer with a contact or a conversation, one row each, in chunks of text."""
    sessions: sessionmaker[Session] = store.sessions
    with sessions() as session:
        ids = session.scalars(select(Customer.id).order_by(Customer.id)).all()
    yield _line(CUSTOMER_COLUMNS)
    for chunk in range(0, len(ids), BATCH):
        batch = ids[chunk : chunk + BATCH]
        quality = record_quality(sessions, list(batch))
        for customer_id in batch:
            p = store.profile_summary(customer_id)
            if p is None:
                continue
            phones = [ph for c in p["contacts"] for ph in c["phones"]]
            yield _line(
                (
                    p["id"],
                    p["created_at"],
                    "; ".join(c["name"] for c in p["contacts"] if c["name"]),
                    "; ".join(ph["e164"] for ph in phones),
                    "; ".join(e for c in p["contacts"] for e in c["emails"]),
                    "; ".join(
                        {True: "yes", False: "no", None: "not asked"}[ph["sms_consent"]] for ph in phones
                    ),
                    "; ".join("yes" if ph["opted_out_at"] else "no" for ph in phones),
                    "; ".join(
                        f"{m['name']} ({m['relation'] or '?'}, {m['birth_year'] or '?'})"
                        for m in p["household"]
                    ),
                    "; ".join(
                        " ".join(str(v[k]) for k in ("year", "model", "trim", "vin") if v[k])
                        for v in p["vehicles"]
                    ),
                    quality[customer_id].score,
                    " ".join(quality[customer_id].missing),
                    p["engagement_count"],
                )
            )


def engagement_csv(sessions: sessionmaker[Session], start: datetime, end: datetime) -> Iterator[str]:
    """Every message in the range in the order it happened (time, then the order written, which
    puts a customer's message before the replies it caused), read in batches."""
    low, high = (m.astimezone(timezone.utc).replace(tzinfo=None) for m in (start, end))
    yield _line(ENGAGEMENT_COLUMNS)
    after = EngagementEvent.ts >= low
    while True:
        with sessions() as session:
            rows = session.scalars(
                select(EngagementEvent)
                .where(after, EngagementEvent.ts < high)
                .order_by(EngagementEvent.ts, EngagementEvent.id)
                .limit(BATCH)
            ).all()
        if not rows:
            return
        for e in rows:
            yield _line((e.ts.isoformat() + "Z", *(getattr(e, c) for c in ENGAGEMENT_COLUMNS[1:])))
        last = rows[-1]
        after = or_(
            EngagementEvent.ts > last.ts, and_(EngagementEvent.ts == last.ts, EngagementEvent.id > last.id)
        )


def _line(values: tuple) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(_safe(v) for v in values)
    return out.getvalue()


def _safe(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value
