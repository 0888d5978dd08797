"""`GET /metrics`: Prometheus text exposition of what operations watches, read from the database.

The web app runs in its own process (and often several replicas), so it cannot see the Rasa
servers' or the SMS sender's in-process figures; everything here is computed from the shared
database instead, which makes every replica report the same numbers. Counts are whole-table
aggregates over indexed columns: cheap at a dealership's volume for a scrape every 15-60 s.

Protected: `Authorization: Bearer` with `METRICS_TOKEN` (a token for Prometheus only) or the
staff token; otherwise 401. Deployments may in addition keep `/metrics` off the public ingress.
"""

from __future__ import annotations

import asyncio
import hmac
import statistics
from collections import defaultdict
from datetime import datetime, timedelta, timezone

from aiohttp import web
from sqlalchemy import column, func, inspect, select, table
from sqlalchemy.engine import Engine, Row
from sqlalchemy.exc import SQLAlchemyError

from bot import config, db
from bot.booking.models import Booking
from bot.channels.sms.models import OutboxMessage
from bot.profile.models import EngagementEvent, HandoffRequest, utcnow
from bot.profile.visits import IS_MESSAGE
from bot.web.shared import STAFF_TOKEN

LATENCY_WINDOW = timedelta(minutes=5)  # replies measured over this recent window
LATENCY_ROWS = 20_000  # at most this many recent messages read for it
# Rasa's SQL tracker store table: its newest message shows how far the engagement writer lags.
ENGINE = web.AppKey("engine", Engine)  # the database the figures are read from
RASA_EVENTS = table("events", column("id"), column("type_name"), column("timestamp"))


def _line(name: str, value: float, **labels: str) -> str:
    if labels:
        inner = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
        return f"{name}{{{inner}}} {value:g}"
    return f"{name} {value:g}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _family(out: list[str], name: str, kind: str, text: str, samples: list[str]) -> None:
    out += [f"# HELP {name} {text}", f"# TYPE {name} {kind}", *samples]


def collect(engine: Engine) -> str:
    """Every metric, as Prometheus text; `concierge_database_up 0` and nothing else if the database fails."""
    out: list[str] = []
    try:
        with engine.connect() as conn:
            messages = conn.execute(
                select(EngagementEvent.channel, EngagementEvent.direction, func.count())
                .where(IS_MESSAGE)
                .group_by(EngagementEvent.channel, EngagementEvent.direction)
            ).all()
            now = utcnow()
            recent = conn.execute(
                select(
                    EngagementEvent.channel,
                    EngagementEvent.sender_id,
                    EngagementEvent.direction,
                    EngagementEvent.ts,
                )
                .where(EngagementEvent.ts >= now - LATENCY_WINDOW, IS_MESSAGE)
                .order_by(EngagementEvent.ts, EngagementEvent.id)
                .limit(LATENCY_ROWS)
            ).all()
            handoffs = conn.execute(
                select(HandoffRequest.reason, func.count())
                .where(HandoffRequest.status == "open")
                .group_by(HandoffRequest.reason)
            ).all()
            bookings = conn.execute(
                select(Booking.kind, Booking.status, func.count()).group_by(Booking.kind, Booking.status)
            ).all()
            outbox = conn.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            ).all()
            oldest_queued = conn.scalar(
                select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == "queued")
            )
            newest_engagement = conn.scalar(select(func.max(EngagementEvent.ts)).where(IS_MESSAGE))
            newest_rasa = None
            if inspect(conn).has_table("events"):
                newest_rasa = conn.scalar(
                    select(RASA_EVENTS.c.timestamp)
                    .where(RASA_EVENTS.c.type_name.in_(("user", "bot")))
                    .order_by(RASA_EVENTS.c.id.desc())
                    .limit(1)
                )
    except SQLAlchemyError:
        _family(
            out,
            "concierge_database_up",
            "gauge",
            "1 if the database answered this scrape.",
            [_line("concierge_database_up", 0)],
        )
        return "\n".join(out) + "\n"

    _family(
        out,
        "concierge_database_up",
        "gauge",
        "1 if the database answered this scrape.",
        [_line("concierge_database_up", 1)],
    )
    _family(
        out,
        "concierge_messages_total",
        "counter",
        "Messages recorded as engagement: direction in = customer turns, out = replies (bot and staff).",
        [_line("concierge_messages_total", n, channel=ch, direction=d) for ch, d, n in messages],
    )
    latencies = _reply_latencies(recent)
    samples = []
    for channel, values in sorted(latencies.items()):
        samples.append(
            _line(
                "concierge_reply_latency_seconds", statistics.median(values), channel=channel, quantile="0.5"
            )
        )
        samples.append(
            _line("concierge_reply_latency_seconds", _p95(values), channel=channel, quantile="0.95")
        )
    _family(
        out,
        "concierge_reply_latency_seconds",
        "gauge",
        "Customer message to first reply in the same conversation, over the last 5 minutes.",
        samples,
    )
    _family(
        out,
        "concierge_replies_measured",
        "gauge",
        "How many replies the latency figures of the last 5 minutes are computed from.",
        [_line("concierge_replies_measured", len(v), channel=ch) for ch, v in sorted(latencies.items())],
    )
    _family(
        out,
        "concierge_handoffs_waiting",
        "gauge",
        "Open handoff requests (customers waiting for a person), by reason.",
        [_line("concierge_handoffs_waiting", n, reason=r) for r, n in handoffs]
        or [_line("concierge_handoffs_waiting", 0, reason="asked")],
    )
    _family(
        out,
        "concierge_bookings",
        "gauge",
        "Bookings by kind (clinic, service) and status.",
        [_line("concierge_bookings", n, kind=k, status=s) for k, s, n in bookings],
    )
    by_status = dict(outbox)
    _family(
        out,
        "concierge_outbox_messages",
        "gauge",
        "SMS outbox messages by status; queued is the queue depth.",
        [
            _line("concierge_outbox_messages", by_status.get(s, 0), status=s)
            for s in ("queued", "sent", "failed", "skipped")
        ],
    )
    _family(
        out,
        "concierge_outbox_oldest_queued_seconds",
        "gauge",
        "Age of the oldest queued SMS (0 when none waits); growing means the sender is stuck or off.",
        [
            _line(
                "concierge_outbox_oldest_queued_seconds",
                (now - oldest_queued).total_seconds() if oldest_queued else 0,
            )
        ],
    )
    if newest_rasa is not None:
        # Rasa keeps epoch seconds; engagement keeps naive UTC. No engagement yet: the message's age.
        behind = _epoch(newest_engagement) if newest_engagement else _epoch(now)
        _family(
            out,
            "concierge_engagement_lag_seconds",
            "gauge",
            "How far the engagement writer is behind Rasa's tracker store (newest message in each).",
            [_line("concierge_engagement_lag_seconds", max(0.0, float(newest_rasa) - behind))],
        )
    return "\n".join(out) + "\n"


def _epoch(naive_utc: datetime) -> float:
    return naive_utc.replace(tzinfo=timezone.utc).timestamp()


def _reply_latencies(rows: list[Row]) -> dict[str, list[float]]:
    """Seconds from each customer message to the first reply after it, per channel."""
    waiting: dict[str, datetime] = {}
    latencies: dict[str, list[float]] = defaultdict(list)
    for channel, sender_id, direction, ts in rows:
        if direction == "in":
            waiting.setdefault(sender_id, ts)
        elif sender_id in waiting:
            latencies[channel].append((ts - waiting.pop(sender_id)).total_seconds())
    return latencies


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def authorised(request: web.Request) -> bool:
    """Bearer METRICS_TOKEN (Prometheus's own) or the staff token; never a console cookie."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    given = token.strip().encode()
    allowed = [request.app[STAFF_TOKEN], config.metrics_token()]
    return any(hmac.compare_digest(given, t.encode()) for t in allowed if t)


async def metrics(request: web.Request) -> web.Response:
    if not authorised(request):
        return web.Response(status=401, text="missing or wrong token (Authorization: Bearer ...)\n")
    body = await asyncio.to_thread(collect, request.app[ENGINE])
    return web.Response(
        text=body, content_type="text/plain", charset="utf-8", headers={"Cache-Control": "no-store"}
    )


def add_routes(app: web.Application, engine: Engine | None = None) -> None:
    app[ENGINE] = engine or db.engine_for(config.database_url())
    app.router.add_get("/metrics", metrics)
