"""The email outbox against a real SMTP server (aiosmtpd, in this process), on real databases:
what arrives is parsed back with `email.parser`; a failing server is retried until it takes it."""

from __future__ import annotations

import asyncio
import logging
import ssl
from datetime import datetime, timedelta
from email.message import Message
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, select, text

from bot import config, db
from bot.mail.models import EmailMessage
from bot.mail.outbox import MAX_ATTEMPTS, EmailOutbox, EmailSender, SmtpClient
from tests.certs import self_signed
from tests.test_sms import empty_database_url  # noqa: F401 - the fixture: a database with no tables

T0 = datetime(2026, 12, 1, 15, 0)
USER, PASSWORD = "alerts@lakeside-corvane.example", "s3cret-pa55"
FROM = "Lakeside Corvane <hello@lakeside-corvane.example>"


class Inbox:
    """The SMTP server's handler: keeps what arrives, or answers with the replies queued in `fail`."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], Message]] = []
        self.fail: list[str] = []
        self.logins: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.fail:
            return self.fail.pop(0)
        parsed = BytesParser(policy=default_policy).parsebytes(envelope.original_content)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            self.logins.append(data.login)
            ok = (data.login, data.password) == (USER.encode(), PASSWORD.encode())
            return AuthResult(success=ok, handled=False)  # not handled: the server answers 535
        return AuthResult(success=False, handled=False)


def start_server(port: int, **options: Any) -> tuple[Inbox, Controller]:
    inbox = Inbox()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=inbox.authenticate, **options
    )
    controller.start()
    return inbox, controller


@pytest.fixture
def smtp_server(unused_tcp_port):
    """A plain SMTP server that wants a login (allowed without TLS, as on a private relay)."""
    inbox, controller = start_server(unused_tcp_port, auth_require_tls=False)
    yield inbox, unused_tcp_port
    controller.stop()


@pytest.fixture
def outbox(database_url) -> EmailOutbox:
    return EmailOutbox(db.session_factory(database_url))


def queue(database_url, to: str, subject: str = "New handoff", body: str = "Take it: http://x/1") -> int:
    with db.session_factory(database_url).begin() as session:
        message = EmailMessage(to_address=to, subject=subject, body=body, kind="staff_alert")
        session.add(message)
        session.flush()
        return message.id


def rows(database_url) -> dict[str, EmailMessage]:
    with db.session_factory(database_url)() as session:
        return {m.to_address: m for m in session.scalars(select(EmailMessage))}


def sender_for(outbox: EmailOutbox, port: int, url: str | None = None) -> EmailSender:
    settings = config.parse_smtp_url(url or f"smtp://{USER.replace('@', '%40')}:{PASSWORD}@127.0.0.1:{port}")
    return EmailSender(outbox, SmtpClient(settings, FROM))


def test_smtp_urls_are_read_with_their_defaults_and_the_password_never_shown():
    plain = config.parse_smtp_url("smtp://relay.internal")
    assert (plain.host, plain.port, plain.username, plain.starttls, plain.ssl) == (
        "relay.internal",
        25,
        None,
        False,
        False,
    )
    tls = config.parse_smtp_url("smtp://user%40x.example:p%40ss@mail.example:2525?starttls=1")
    assert (tls.port, tls.username, tls.password, tls.starttls) == (2525, "user@x.example", "p@ss", True)
    assert config.parse_smtp_url("smtp://u:p@mail.example?starttls=true").port == 587
    assert config.parse_smtp_url("smtps://u:p@mail.example").port == 465
    assert "p@ss" not in repr(tls) and "p@ss" not in tls.address
    with pytest.raises(SystemExit, match="SMTP_URL"):
        config.parse_smtp_url("http://mail.example")


async def test_an_alert_arrives_as_a_parsed_email_after_login(outbox, database_url, smtp_server):
    inbox, port = smtp_server
    queue(
        database_url,
        "dana@lakeside-corvane.example",
        "New handoff #7: pricing",
        "Open it: http://c/staff/handoffs/7",
    )
    assert await sender_for(outbox, port).send_due(T0) == {"sent": 1}
    [(mail_from, rcpt, message)] = inbox.received
    assert inbox.logins == [USER.encode()]
    assert mail_from == "hello@lakeside-corvane.example" and rcpt == ["dana@lakeside-corvane.example"]
    assert message["Subject"] == "New handoff #7: pricing" and message["From"] == FROM
    assert message.get_content().strip() == "Open it: http://c/staff/handoffs/7"
    sent = rows(database_url)["dana@lakeside-corvane.example"]
    assert sent.status == "sent" and sent.attempts == 1 and sent.message_id == message["Message-ID"]
    assert await sender_for(outbox, port).send_due(T0 + timedelta(days=1)) == {}  # never twice


async def test_a_failing_server_is_retried_until_it_takes_the_message(
    outbox, database_url, smtp_server, caplog
):
    inbox, port = smtp_server
    inbox.fail = ["451 4.3.0 Try again later", "421 4.7.0 Busy"]
    queue(database_url, "luis@lakeside-corvane.example")
    sender = sender_for(outbox, port)
    with caplog.at_level(logging.WARNING):
        assert await sender.send_due(T0) == {"retrying": 1}
        row = rows(database_url)["luis@lakeside-corvane.example"]
        assert row.status == "queued" and "451" in row.last_error
        assert row.next_attempt_at == T0 + timedelta(seconds=30)
        assert await sender.send_due(T0 + timedelta(seconds=10)) == {}  # not due yet
        assert await sender.send_due(T0 + timedelta(seconds=30)) == {"retrying": 1}
        assert rows(database_url)["luis@lakeside-corvane.example"].next_attempt_at == T0 + timedelta(
            seconds=90
        )
        assert await sender.send_due(T0 + timedelta(seconds=90)) == {"sent": 1}
    sent = rows(database_url)["luis@lakeside-corvane.example"]
    assert sent.status == "sent" and sent.attempts == 3 and sent.last_error is None
    assert len(inbox.received) == 1
    assert PASSWORD not in caplog.text and "451" in caplog.text


async def test_a_refused_message_or_login_fails_at_once_and_the_password_is_never_logged(
    outbox, database_url, smtp_server, caplog
):
    inbox, port = smtp_server
    inbox.fail = ["550 5.1.1 No such mailbox"]
    queue(database_url, "gone@lakeside-corvane.example")
    with caplog.at_level(logging.DEBUG):
        assert await sender_for(outbox, port).send_due(T0) == {"failed": 1}
        queue(database_url, "priya@lakeside-corvane.example")
        wrong = f"smtp://{USER.replace('@', '%40')}:not-the-password@127.0.0.1:{port}"
        assert await sender_for(outbox, port, wrong).send_due(T0) == {"failed": 1}
    state = rows(database_url)
    assert "550" in state["gone@lakeside-corvane.example"].last_error
    assert state["priya@lakeside-corvane.example"].last_error.startswith("535")
    assert "not-the-password" not in caplog.text and PASSWORD not in caplog.text
    assert "not-the-password" not in state["priya@lakeside-corvane.example"].last_error


async def test_an_unreachable_server_is_retried_then_given_up(outbox, database_url, unused_tcp_port):
    queue(database_url, "tom@lakeside-corvane.example")
    sender = sender_for(outbox, unused_tcp_port)
    now = T0
    for _ in range(MAX_ATTEMPTS - 1):
        assert await sender.send_due(now) == {"retrying": 1}
        now = rows(database_url)["tom@lakeside-corvane.example"].next_attempt_at
    assert await sender.send_due(now) == {"failed": 1}
    gave_up = rows(database_url)["tom@lakeside-corvane.example"]
    assert gave_up.attempts == MAX_ATTEMPTS and "ConnectionRefusedError" in gave_up.last_error


async def test_two_senders_at_once_send_each_message_once(database_url, smtp_server):
    inbox, port = smtp_server
    addresses = [f"staff{n}@lakeside-corvane.example" for n in range(6)]
    for address in addresses:
        queue(database_url, address)
    senders = [sender_for(EmailOutbox(db.session_factory(database_url)), port) for _ in range(2)]
    first, second = await asyncio.gather(*(s.send_due(T0) for s in senders))
    assert first["sent"] + second["sent"] == len(addresses)
    assert sorted(rcpt[0] for _, rcpt, _ in inbox.received) == addresses


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (and its key)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    self_signed(cert, key, "127.0.0.1", ip="127.0.0.1")
    return cert, key


@pytest.mark.processes  # openssl makes the certificate
async def test_starttls_then_login_when_the_url_asks(
    outbox, database_url, unused_tcp_port, tls_files, monkeypatch
):
    cert, key = tls_files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox, controller = start_server(
        unused_tcp_port, tls_context=context, require_starttls=True, auth_require_tls=True
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts this server's certificate
    try:
        queue(database_url, "dana@lakeside-corvane.example")
        plain = f"smtp://{USER.replace('@', '%40')}:{PASSWORD}@127.0.0.1:{unused_tcp_port}"
        assert await sender_for(outbox, unused_tcp_port, plain).send_due(T0) == {
            "failed": 1
        }  # no TLS, refused
        queue(database_url, "luis@lakeside-corvane.example")
        assert await sender_for(outbox, unused_tcp_port, plain + "?starttls=1").send_due(T0) == {"sent": 1}
    finally:
        controller.stop()
    assert [rcpt for _, rcpt, _ in inbox.received] == [["luis@lakeside-corvane.example"]]
    assert inbox.logins == [USER.encode()]


def test_the_migration_adds_and_removes_the_email_outbox_and_handoff_alerts(empty_database_url):  # noqa: F811
    migrations = Config()
    migrations.set_main_option("script_location", str(db.MIGRATIONS))
    engine = db.engine_for(empty_database_url)
    migrations.attributes["engine"] = engine
    command.upgrade(migrations, "optout_0001")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO customers (created_at) VALUES (CURRENT_TIMESTAMP)"))
        connection.execute(
            text(
                "INSERT INTO handoff_requests (customer_id, sender_id, channel, reason, status, created_at) "
                "SELECT id, 'web-1', 'socketio', 'asked', 'open', CURRENT_TIMESTAMP FROM customers"
            )
        )
    command.upgrade(migrations, "head")
    with engine.connect() as connection:
        assert connection.execute(
            text("SELECT alerts, department, missed_at FROM handoff_requests")
        ).one() == (0, None, None)
        assert "email_outbox" in inspect(connection).get_table_names()
    queue(empty_database_url, "dana@lakeside-corvane.example")
    command.downgrade(migrations, "optout_0001")
    with engine.connect() as connection:
        inspector = inspect(connection)
        assert "email_outbox" not in inspector.get_table_names()
        assert "alerts" not in {c["name"] for c in inspector.get_columns("handoff_requests")}
        assert connection.execute(text("SELECT sender_id FROM handoff_requests")).scalar() == "web-1"
    command.upgrade(migrations, "head")
