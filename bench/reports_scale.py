"""Console pages and reports at a dealer group's scale: 20,000 households and 1,000,000
engagement events over 12 weeks, on SQLite and PostgreSQL.

The households, bookings, reminders, handoffs and emails come from `python -m bot demo-data`'s
generator (three months of them); the engagement is then topped up to the target with plain
synthetic messages, page views and feature answers, written with executemany (SQLite) or COPY
(PostgreSQL). Each page and report is timed by calling what its route calls, several runs;
exports are timed to their first chunk and to the end, with the most memory they held.

Target (issue 15): every page and report p95 < 1 s at this size; exports streamed.

PYTHONPATH=. .venv/bin/python bench/reports_scale.py [--households 20000] [--events 1000000]
    [--runs 7] [--database sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import random
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import URL, make_url

from bot import config, db
from bot.demo_data import generate
from bot.mail.customers import CustomerMail
from bot.profile.models import Customer, EngagementEvent
from bot.reports import (
    NextSteps,
    attribution,
    current_revenue,
    customers_csv,
    dashboard,
    distribution,
    engagement_csv,
    record_quality,
)
from bot.services import Services, system_clock

SQLITE_FILE = Path("/tmp/reports_scale.db")
POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
POSTGRES_DATABASE = "reports_scale_bench"
WEEKS = 12
TOPICS = ("adaptive-cruise", "lane-keeping", "wireless-charging", "remote-start", "heated-seats")
PAGES = ("/vehicles/ion", "/vehicles/tessa", "/service", "/offers", "/clinics")
# Exports are read to the end, except customers.csv: its first lines show its pace.
EXPORT_LINES = {"engagement.csv": 10**9, "customers.csv": 2_000}
EVENT_COLUMNS = ("customer_id", "sender_id", "ts", "channel", "direction", "text", "action", "topic")


def fresh_database(kind: str) -> URL:
    if kind == "sqlite":
        SQLITE_FILE.unlink(missing_ok=True)
        url = make_url(f"sqlite:///{SQLITE_FILE}")
    else:
        server = create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE}"))
            connection.execute(text(f"CREATE DATABASE {POSTGRES_DATABASE}"))
        server.dispose()
        url = make_url(POSTGRES_SERVER).set(database=POSTGRES_DATABASE)
    db.upgrade(url)
    return url


def drop_database(kind: str) -> None:
    if kind == "postgresql":
        server = create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE}"))
        server.dispose()
    else:
        SQLITE_FILE.unlink(missing_ok=True)


def synthetic_events(customer_ids: list[int], count: int, end: datetime, seed: int) -> Iterator[tuple]:
    """Messages in and out, feature answers and page views, spread over the last WEEKS weeks."""
    rng = random.Random(seed)
    span = WEEKS * 7 * 86400
    start = end - timedelta(seconds=span)
    for _ in range(count):
        customer = rng.choice(customer_ids)
        ts = start + timedelta(seconds=rng.randrange(span))
        roll = rng.random()
        channel = "sms" if rng.random() < 0.4 else "socketio"
        sender = f"+1555{customer:07d}" if channel == "sms" else f"web-{customer}"
        if roll < 0.45:
            row = (customer, sender, ts, channel, "in", "what about my car?", None, None)
        elif roll < 0.80:
            row = (customer, sender, ts, channel, "out", "Here is what I found.", "utter_answer", None)
        elif roll < 0.92:
            topic = rng.choice(TOPICS)
            row = (customer, sender, ts, channel, "out", f"About {topic}.", "action_answer", topic)
        else:
            row = (customer, f"web-{customer}", ts, "website", "in", rng.choice(PAGES), "page_view", None)
        yield row


def top_up_engagement(url: URL, total: int, seed: int) -> int:
    engine = db.engine_for(url)
    with engine.connect() as connection:
        have = connection.scalar(select(func.count()).select_from(EngagementEvent))
        ids = list(connection.scalars(select(Customer.id)))
    missing = max(0, total - have)
    end = datetime.now(timezone.utc).replace(tzinfo=None)
    rows = synthetic_events(ids, missing, end, seed)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if url.get_backend_name() == "postgresql":
            while batch := list(itertools.islice(rows, 100_000)):
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                writer.writerows(("" if v is None else v for v in r) for r in batch)
                buffer.seek(0)
                cursor.copy_expert(
                    f"COPY engagement_events ({', '.join(EVENT_COLUMNS)}) FROM STDIN WITH (FORMAT csv)",
                    buffer,
                )
        else:
            marks = ", ".join("?" for _ in EVENT_COLUMNS)
            cursor.executemany(
                f"INSERT INTO engagement_events ({', '.join(EVENT_COLUMNS)}) VALUES ({marks})",
                ((*r[:2], r[2].isoformat(sep=" "), *r[3:]) for r in rows),
            )
        raw.commit()
    finally:
        raw.close()
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()
    return missing


def pages(services: Services) -> dict[str, Callable[[], object]]:
    """What each console page and report route calls, for the default range (the last 12 weeks)."""
    today = services.now().replace(hour=0, minute=0, second=0, microsecond=0)
    end = today + timedelta(days=1)
    start = end - timedelta(weeks=WEEKS)
    profiles, bookings = services.profiles, services.bookings
    steps = NextSteps(profiles, bookings, services.dealership.name, CustomerMail(services))
    with services.sessions() as session:
        busiest = session.execute(
            select(EngagementEvent.customer_id)
            .group_by(EngagementEvent.customer_id)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar_one()

    def customer_page() -> None:
        profiles.profile(busiest)
        record_quality(profiles.sessions, [busiest])
        bookings.bookings_of(busiest)
        profiles.audit_trail(busiest)
        steps.for_customer(busiest, today.date())

    return {
        "dashboard": lambda: (
            dashboard(profiles.sessions, bookings, start, end),
            distribution(record_quality(profiles.sessions)),
        ),
        "attribution": lambda: attribution(profiles.sessions, current_revenue(services), start, end),
        "next steps queue": lambda: steps.queue(today.date()),
        "customer page": customer_page,
        "customer search": lambda: profiles.search_customers("Birch"),
        "handoff inbox": profiles.open_handoffs,
        "quality report": lambda: distribution(record_quality(profiles.sessions)),
    }, {
        "engagement.csv": lambda: engagement_csv(profiles.sessions, start, end),
        "customers.csv": lambda: customers_csv(profiles),
    }


def timed(call: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def export(make: Callable[[], Iterator[str]], lines: int) -> dict[str, float]:
    """Seconds to the first chunk and to `lines` lines (or the end), and megabytes written."""
    started = time.perf_counter()
    first, size, written = None, 0, 0
    for chunk in make():
        first = first or time.perf_counter() - started
        size += len(chunk.encode())
        written += chunk.count("\n")
        if written >= lines:
            break
    total = time.perf_counter() - started
    return {"first": first or total, "total": total, "mb": size / 1e6, "lines": written}


def bench(kind: str, households: int, events: int, runs: int, keep: bool) -> None:
    started = time.perf_counter()
    url = fresh_database(kind)
    services = Services(db.session_factory(url), config.knowledge_dir(), system_clock)
    demo = generate(services, households=households, months=3)
    added = top_up_engagement(url, events, seed=1)
    print(
        f"\n## {kind}: {demo.households} households, {demo.engagement_events + added:,} engagement "
        f"events (built in {time.perf_counter() - started:.0f} s)\n"
    )
    print("| page / report | p50 s | p95 s |")
    print("|---|---|---|")
    routes, exports = pages(services)
    for name, call in routes.items():
        times = timed(call, runs)
        print(f"| {name} | {statistics.median(times):.2f} | {p95(times):.2f} |", flush=True)
    for name, make in exports.items():
        e = export(make, EXPORT_LINES[name])
        print(
            f"| {name}: first chunk / {e['lines']:,} lines ({e['mb']:.0f} MB) "
            f"| {e['first']:.2f} | {e['total']:.1f} |",
            flush=True,
        )
    db.engine_for(url).dispose()
    if not keep:
        drop_database(kind)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--keep", action="store_true", help="leave the generated database in place")
    args = parser.parse_args()
    for kind in ("sqlite", "postgresql") if args.database == "both" else (args.database,):
        bench(kind, args.households, args.events, args.runs, args.keep)


if __name__ == "__main__":
    main()
