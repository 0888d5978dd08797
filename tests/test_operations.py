"""Operations: the SMS sender queues reminders itself, container health checks, /metrics, backups."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta, timezone

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, delete, func, insert, select
from sqlalchemy.engine import make_url

from bot import config, db
from bot.booking.models import Booking
from bot.channels.sms.models import OutboxMessage
from bot.health import problem, role_of
from bot.profile import ContactDetails, ProfileStore
from bot.profile.models import EngagementEvent, utcnow
from bot.web import create_app
from tests.dealer import services_on
from tests.staff import AUTH, STAFF_TOKEN


def _book_in(sessions, profiles: ProfileStore, hours: float, phone: str) -> str:
    """A confirmed service booking `hours` from now for a consented customer."""
    who = profiles.customer_for_sender("rest", f"ops-{phone}")
    profiles.record_contact_details(who, ContactDetails(name="Robin", phone=phone, sms_consent=True))
    start = utcnow().replace(microsecond=0) + timedelta(hours=hours)
    with sessions.begin() as session:
        session.add(
            Booking(
                code="OPS" + phone[-3:],
                kind="service",
                customer_id=who,
                status="confirmed",
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                services=["oil-change"],
            )
        )
    return "OPS" + phone[-3:]


def _env(tmp_path, url) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")}
    return {**base, "DATABASE_URL": str(url), "VAR_DIR": str(tmp_path / "var")}


def test_sms_sender_queues_due_reminders_without_cron_and_reports_health(tmp_path):
    url = make_url(f"sqlite:///{tmp_path / 'ops.db'}")
    db.upgrade(url)
    sessions = db.session_factory(url)
    code = _book_in(sessions, ProfileStore(sessions), hours=23, phone="+15550100901")
    env = _env(tmp_path, url)
    check = [sys.executable, "-m", "bot", "healthcheck", "sms-sender"]
    before = subprocess.run(check, env=env, cwd=config.PROJECT_ROOT, capture_output=True, text=True)
    assert before.returncode == 1 and "no heartbeat yet" in before.stderr

    # Sending is off (no Twilio settings): the loop still queues the reminder, to be sent later.
    sender = subprocess.Popen(
        [sys.executable, "-m", "bot", "sms-sender"],
        env=env,
        cwd=config.PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        queued: list[OutboxMessage] = []
        while time.monotonic() < deadline and not queued:
            time.sleep(0.5)
            with sessions() as session:
                queued = list(session.scalars(select(OutboxMessage)))
        assert [(m.kind, m.phone) for m in queued] == [("reminder_24h", "+15550100901")]
        assert code in queued[0].body
        healthy = subprocess.run(check, env=env, cwd=config.PROJECT_ROOT, capture_output=True, text=True)
        assert healthy.returncode == 0, healthy.stderr
        # `make reminders` alongside the loop adds nothing: still one row per booking and kind.
        again = subprocess.run(
            [sys.executable, "-m", "bot", "reminders"],
            env=env,
            cwd=config.PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        assert "0 reminder(s) queued" in again.stdout
    finally:
        sender.send_signal(signal.SIGTERM)
        output = sender.communicate(timeout=30)[0].decode()
    assert sender.returncode == 0, output
    assert "+15550100901" not in output  # no phone numbers in the log
    db.engine_for(url).dispose()


def test_healthcheck_finds_the_role_and_probes_it(tmp_path, unused_tcp_port, monkeypatch):
    cmdline = tmp_path / "cmdline"
    cmdline.write_bytes(b"/usr/local/bin/python\0-m\0bot\0actions\0")
    assert role_of(cmdline) == "actions"
    cmdline.write_bytes(b"nginx\0-g\0daemon off;\0")
    assert role_of(cmdline) is None and problem(None) is None  # nothing of ours to check
    monkeypatch.setenv("ACTIONS_PORT", str(unused_tcp_port))
    assert "did not answer" in problem("actions")


async def test_metrics_need_a_token_and_report_from_the_database(database_url, monkeypatch):
    sessions = db.session_factory(database_url)
    profiles = ProfileStore(sessions)
    _book_in(sessions, profiles, hours=30, phone="+15550100902")
    now = utcnow()
    who = profiles.customer_for_sender("sms", "+15550100903")
    with sessions.begin() as session:
        for offset, direction in ((-60, "in"), (-58.5, "out"), (-30, "in"), (-29.5, "out")):
            session.add(
                EngagementEvent(
                    customer_id=who,
                    sender_id="+15550100903",
                    channel="sms",
                    direction=direction,
                    ts=now + timedelta(seconds=offset),
                    text="x",
                )
            )
        session.add(
            OutboxMessage(
                customer_id=who,
                phone="+15550100903",
                body="hi",
                kind="staff",
                created_at=now - timedelta(minutes=10),
            )
        )
    profiles.open_handoff(who, "+15550100903", "sms", "asked", "a person please")
    # Rasa's tracker store table, as Rasa creates it, one message ahead of the engagement writer.
    events = Table(
        "events",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("sender_id", String(255)),
        Column("type_name", String(255)),
        Column("timestamp", Float),
    )
    events.create(db.engine_for(database_url))
    with db.engine_for(database_url).begin() as conn:
        conn.execute(insert(events).values(sender_id="x", type_name="user", timestamp=_epoch(now) + 12))
    monkeypatch.setenv("METRICS_TOKEN", "prometheus-only-token")
    app = create_app(
        services_on(database_url),
        staff_token=STAFF_TOKEN,
        engine=db.engine_for(database_url),
        rasa_url="http://127.0.0.1:9",
    )
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/metrics")).status == 401
        assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status == 401
        assert (await client.get("/metrics", headers=AUTH)).status == 200
        response = await client.get("/metrics", headers={"Authorization": "Bearer prometheus-only-token"})
        assert response.status == 200 and response.content_type == "text/plain"
        text = await response.text()
        assert (await client.get("/livez")).status == 200
        assert (await client.get("/readyz")).status in (200, 503)
    samples = {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line and not line.startswith("#")
    }
    assert samples["concierge_database_up"] == 1
    assert samples['concierge_messages_total{channel="sms",direction="in"}'] == 2
    assert samples['concierge_replies_measured{channel="sms"}'] == 2
    assert samples['concierge_reply_latency_seconds{channel="sms",quantile="0.5"}'] == pytest.approx(1.0)
    assert samples['concierge_reply_latency_seconds{channel="sms",quantile="0.95"}'] == pytest.approx(1.5)
    assert samples['concierge_handoffs_waiting{reason="asked"}'] == 1
    assert samples['concierge_bookings{kind="service",status="confirmed"}'] == 1
    assert samples['concierge_outbox_messages{status="queued"}'] == 1
    assert 590 < samples["concierge_outbox_oldest_queued_seconds"] < 700
    assert samples["concierge_engagement_lag_seconds"] == pytest.approx(12 + 29.5, abs=0.5)
    assert "+15550100903" not in text  # no customer data in metrics
    assert "# TYPE concierge_messages_total counter" in text


def _epoch(naive_utc) -> float:
    return naive_utc.replace(tzinfo=timezone.utc).timestamp()


def test_backup_then_change_then_restore_brings_the_data_back(tmp_path):
    url = make_url(f"sqlite:///{tmp_path / 'live.db'}")
    db.upgrade(url)
    profiles = ProfileStore(db.session_factory(url))
    who = profiles.customer_for_sender("rest", "backed-up")
    profiles.record_contact_details(who, ContactDetails(name="Kept", phone="+15550100904", sms_consent=True))
    env = _env(tmp_path, url)
    run = {"env": env, "cwd": config.PROJECT_ROOT, "capture_output": True, "text": True}
    made = subprocess.run([sys.executable, "-m", "bot", "backup"], check=True, **run)
    backup_file = made.stdout.strip().removeprefix("Backed up to ")
    assert (
        backup_file.startswith(str(tmp_path / "var" / "backups"))
        and os.stat(backup_file).st_mode & 0o077 == 0
    )

    _wipe(url)
    assert profiles.find_customers(phone="+15550100904") == []
    db.engine_for(url).dispose()  # the "assistant" is stopped for the restore

    subprocess.run([sys.executable, "-m", "bot", "restore", backup_file], check=True, **run)
    assert [c["id"] for c in ProfileStore(db.session_factory(url)).find_customers(phone="+15550100904")] == [
        who
    ]
    with sqlite3.connect(tmp_path / "live.db") as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    check.close()

    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database" * 100)
    refused = subprocess.run([sys.executable, "-m", "bot", "restore", str(broken)], **run)
    assert refused.returncode != 0
    pg = subprocess.run(
        [sys.executable, "-m", "bot", "backup"],
        **{**run, "env": {**env, "DATABASE_URL": "postgresql+psycopg2://postgres@127.0.0.1:5432/test"}},
    )
    assert pg.returncode != 0 and "pg_dump" in pg.stderr
    db.engine_for(url).dispose()


def _wipe(url) -> None:
    """A change after the backup: the customer's phone is gone."""
    from bot.profile.models import Phone

    with db.session_factory(url).begin() as session:
        session.execute(delete(Phone))
        assert session.scalar(select(func.count()).select_from(Phone)) == 0
