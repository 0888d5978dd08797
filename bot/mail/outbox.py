"""Sending the email outbox through SMTP (`SMTP_URL`), with retries and a lease like the SMS one.

Staff alerts for handoffs are queued here in the same transaction that decides them, so an alert
is never lost to a mail server being away. A sender claims a message with one conditional UPDATE
that moves its `next_attempt_at` forward (a lease): several senders never send it twice, and if
one dies mid-send the lease runs out and another tries again. Failures that may pass (no
answer, a 4xx reply) are retried after 30 s, 1, 2, 4 and 8 minutes, then marked `failed`; a 5xx
(a refused address, wrong credentials) fails at once. Errors are logged by code and class only:
never the credentials.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage as MimeMessage
from email.utils import formatdate, make_msgid
from typing import Any

from bot.config import Smtp
from bot.leased_queue import LeasedQueue, LeasedSender
from bot.mail.models import EmailMessage
from bot.tables import iso_utc, utcnow

logger = logging.getLogger(__name__)

STATUSES = ("queued", "sent", "failed")
MAX_ATTEMPTS = 6
FIRST_RETRY = timedelta(seconds=30)  # then 1, 2, 4, 8 minutes
TIMEOUT = 30.0


class MailError(Exception):
    """A send that failed; `retryable` says whether trying again later may work."""

    def __init__(self, message: str, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Claimed:
    id: int
    to_address: str
    subject: str
    body: str
    attempts: int


class EmailOutbox(LeasedQueue[EmailMessage]):
    """The email_outbox table: queueing, claiming, marking and listing."""

    table = EmailMessage

    def claim(self, message_id: int, now: datetime) -> Claimed | None:
        """Take a due message for one send attempt; None if another sender has it."""
        row = self.claim_row(message_id, now)
        return Claimed(row.id, row.to_address, row.subject, row.body, row.attempts) if row else None

    def listing(self, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """Newest first, for staff."""
        return [
            {
                "id": m.id,
                "to": m.to_address,
                "subject": m.subject,
                "kind": m.kind,
                "handoff_id": m.handoff_id,
                "booking_id": m.booking_id,
                "status": m.status,
                "attempts": m.attempts,
                "next_attempt_at": iso_utc(m.next_attempt_at) if m.status == "queued" else None,
                "last_error": m.last_error,
                "created_at": iso_utc(m.created_at),
                "sent_at": iso_utc(m.sent_at),
            }
            for m in self.newest(status, limit)
        ]


class SmtpClient:
    """One connection per message through smtplib (in a worker thread): STARTTLS and login when
    the URL asks for them. Alerts are few; a long-lived connection isn't worth its failure modes."""

    def __init__(self, settings: Smtp, from_address: str) -> None:
        self._settings = settings
        self._from = from_address

    async def send(self, to: str, subject: str, body: str) -> str:
        """Hand the message to the server; returns its Message-ID."""
        return await asyncio.to_thread(self._send, to, subject, body)

    def _send(self, to: str, subject: str, body: str) -> str:
        settings = self._settings
        message = MimeMessage()
        message["From"] = self._from
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self._from.rpartition("@")[2].strip("<> ") or None)
        message.set_content(body)
        try:
            if settings.ssl:
                server = smtplib.SMTP_SSL(
                    settings.host, settings.port, timeout=TIMEOUT, context=ssl.create_default_context()
                )
            else:
                server = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT)
            with server:
                if settings.starttls:
                    server.starttls(context=ssl.create_default_context())
                if settings.username:
                    server.login(settings.username, settings.password or "")
                server.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            raise MailError(f"recipient refused: {codes}", all(400 <= c < 500 for c in codes)) from None
        except smtplib.SMTPResponseException as error:  # includes login refused (535)
            text = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else ""
            raise MailError(f"{error.smtp_code} {text[:200]}".strip(), 400 <= error.smtp_code < 500) from None
        except smtplib.SMTPNotSupportedError as error:  # e.g. STARTTLS asked, not offered
            raise MailError(f"not supported by the server: {type(error).__name__}", False) from None
        except (smtplib.SMTPException, OSError) as error:  # no answer, dropped, TLS trouble
            raise MailError(f"network: {type(error).__name__}", True) from None
        return str(message["Message-ID"])


class EmailSender(LeasedSender[Claimed]):
    def __init__(self, outbox: EmailOutbox, client: SmtpClient) -> None:
        self._outbox = outbox
        self._client = client

    async def _send(self, message: Claimed, now: datetime) -> str:
        mark = self._outbox.mark
        try:
            message_id = await self._client.send(message.to_address, message.subject, message.body)
        except MailError as error:
            logger.warning("Email %d not sent (attempt %d): %s", message.id, message.attempts, error)
            if error.retryable and message.attempts < MAX_ATTEMPTS:
                retry_at = now + FIRST_RETRY * 2 ** (message.attempts - 1)
                await asyncio.to_thread(mark, message.id, next_attempt_at=retry_at, last_error=str(error))
                return "retrying"
            await asyncio.to_thread(mark, message.id, status="failed", last_error=str(error))
            return "failed"
        await asyncio.to_thread(
            mark, message.id, status="sent", sent_at=utcnow(), message_id=message_id, last_error=None
        )
        return "sent"
