"""Sending the email outbox through SMTP (`SMTP_URL`), with retries and a lease like the SMS one.

Staff alerts for handoffs are queued here in the same transaction that decides them, so an alert
is never lost to a mail server being away. Customer emails (bot/mail/customers.py) go as plain
text and HTML with `List-Unsubscribe` and `List-Unsubscribe-Post` (RFC 8058 one-click); just
before each is sent the address is checked again (consent, unsubscribed, bounced: otherwise the
email is `skipped`), its sending is an `email_sent` engagement event, and a 5xx refusal of the
address marks it bounced, so it is never written to again.

A sender claims a message with one conditional UPDATE that moves its `next_attempt_at` forward
(a lease): several senders never send it twice, and if one dies mid-send the lease runs out and
another tries again. Failures that may pass (no answer, a 4xx reply) are retried after 30 s, 1,
2, 4 and 8 minutes, then marked `failed`; a 5xx (a refused address, wrong credentials) fails at
once. Errors are logged by code and class only: never the credentials.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage as MimeMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.booking.models import Booking
from bot.config import Smtp
from bot.leased_queue import LeasedQueue, LeasedSender
from bot.mail.models import EmailMessage
from bot.profile.consent import mark_bounced, why_not_email
from bot.profile.models import EngagementEvent
from bot.tables import iso_utc, utcnow

logger = logging.getLogger(__name__)

STATUSES = ("queued", "sent", "failed", "skipped")
ONE_CLICK = "List-Unsubscribe=One-Click"
MAX_ATTEMPTS = 6
FIRST_RETRY = timedelta(seconds=30)  # then 1, 2, 4, 8 minutes
TIMEOUT = 30.0
# Headers unfolded up to RFC 5322's limit: Python folds some subjects ("... (Oil change) ...")
# right after "Subject:", which some readers show with a leading space.
POLICY = SMTP.clone(max_line_length=998)


class MailError(Exception):
    """A send that failed; `retryable` says whether trying again later may work."""

    def __init__(self, message: str, retryable: bool, bounce: str | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.bounce = bounce  # the server's words when it refused the recipient for good (5xx)


@dataclass(frozen=True)
class Outgoing:
    """What goes to the SMTP server: a staff message is plain text; a customer's has both parts."""

    to_address: str
    subject: str
    body: str
    html_body: str | None = None
    unsubscribe_url: str | None = None


@dataclass(frozen=True)
class Claimed:
    id: int
    email: Outgoing
    attempts: int
    customer_id: int | None


class EmailOutbox(LeasedQueue[EmailMessage]):
    """The email_outbox table: queueing, claiming, marking and listing."""

    table = EmailMessage

    def claim(self, message_id: int, now: datetime) -> Claimed | None:
        """Take a due message for one send attempt; None if another sender has it."""
        row = self.claim_row(message_id, now)
        if row is None:
            return None
        email = Outgoing(row.to_address, row.subject, row.body, row.html_body, row.unsubscribe_url)
        return Claimed(row.id, email, row.attempts, row.customer_id)

    def why_not_send(self, address: str) -> str | None:
        """Why a customer email may not go to the address now (unsubscribed, bounced, no_consent)."""
        with self._sessions() as session:
            return why_not_email(session, address)

    def bounced(self, address: str, reason: str) -> None:
        with self._sessions.begin() as session:
            mark_bounced(session, address, reason)

    def record_sent(self, message_id: int, smtp_message_id: str) -> None:
        """Sent; for a customer email also the `email_sent` engagement event, in one transaction."""
        with self._sessions.begin() as session:
            row = session.get(EmailMessage, message_id)
            if row is None:
                return  # the customer was deleted meanwhile
            row.status, row.sent_at, row.message_id, row.last_error = "sent", utcnow(), smtp_message_id, None
            if row.customer_id is not None:
                session.add(email_event(session, row, "out", "email_sent", row.subject, {"kind": row.kind}))

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
                "customer_id": m.customer_id,
                "status": m.status,
                "skip_reason": m.skip_reason,
                "opened_at": iso_utc(m.opened_at),
                "clicked_at": iso_utc(m.clicked_at),
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

    async def send(self, email: Outgoing) -> str:
        """Hand the message to the server; returns its Message-ID."""
        return await asyncio.to_thread(self._send, email)

    def _send(self, email: Outgoing) -> str:
        settings = self._settings
        message = MimeMessage(policy=POLICY)
        message["From"] = self._from
        message["To"] = email.to_address
        message["Subject"] = email.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self._from.rpartition("@")[2].strip("<> ") or None)
        if email.unsubscribe_url:
            message["List-Unsubscribe"] = f"<{email.unsubscribe_url}>"
            message["List-Unsubscribe-Post"] = ONE_CLICK
        message.set_content(email.body)
        if email.html_body:
            message.add_alternative(email.html_body, subtype="html")
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
            replies = "; ".join(
                f"{code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}"[:200]
                for code, text in error.recipients.values()
            )
            retryable = all(400 <= c < 500 for c in codes)
            raise MailError(
                f"recipient refused: {codes}", retryable, None if retryable else replies
            ) from None
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
        mark, address = self._outbox.mark, message.email.to_address
        if message.customer_id is not None:
            why_not = await asyncio.to_thread(self._outbox.why_not_send, address)
            if why_not:
                await asyncio.to_thread(mark, message.id, status="skipped", skip_reason=why_not)
                return "skipped"
        try:
            message_id = await self._client.send(message.email)
        except MailError as error:
            logger.warning("Email %d not sent (attempt %d): %s", message.id, message.attempts, error)
            if error.retryable and message.attempts < MAX_ATTEMPTS:
                retry_at = now + FIRST_RETRY * 2 ** (message.attempts - 1)
                await asyncio.to_thread(mark, message.id, next_attempt_at=retry_at, last_error=str(error))
                return "retrying"
            if error.bounce and message.customer_id is not None:
                await asyncio.to_thread(self._outbox.bounced, address, error.bounce)
            await asyncio.to_thread(mark, message.id, status="failed", last_error=str(error))
            return "failed"
        await asyncio.to_thread(self._outbox.record_sent, message.id, message_id)
        return "sent"


def email_event(
    session: Session, row: EmailMessage, direction: str, action: str, text: str | None, data: dict[str, Any]
) -> EngagementEvent:
    """An engagement event about a customer email (sent, opened, clicked, unsubscribed)."""
    code = (
        session.scalar(select(Booking.code).where(Booking.id == row.booking_id)) if row.booking_id else None
    )
    return EngagementEvent(
        customer_id=row.customer_id,
        sender_id=row.to_address,
        ts=utcnow(),
        channel="email",
        direction=direction,
        text=text,
        data={"email": row.id, **data},
        action=action,
        booking_id=code,
    )
