"""Sending the SMS outbox (reminders, staff messages, handoff alerts) through Twilio, never twice,
never to a STOP.

The sender's loop also queues booking reminders once a minute (bot/booking/reminders.py), so
reminders need no cron, alerts the next person for handoffs nobody took (bot/profile/reach.py),
sends the email outbox (bot/mail/outbox.py), and touches a heartbeat file each pass so a
container's health check can tell a stuck loop from a working one. Several senders may run at
once: a message is claimed by one conditional UPDATE that moves its `next_attempt_at` forward (a
lease), so only one sends it; if that sender dies, the lease runs out and the message is tried
again. Failures that may pass are retried with exponential backoff; staff see attempts, the next
try and the last error in `GET /api/outbox`.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr
from typing import Any

import aiohttp
from sqlalchemy.exc import SQLAlchemyError

from bot import config
from bot.booking.reminders import queue_due_now
from bot.channels.sms.models import OutboxMessage
from bot.channels.sms.twilio import TwilioClient, TwilioError
from bot.leased_queue import LeasedQueue, LeasedSender
from bot.mail.outbox import EmailOutbox, EmailSender, SmtpClient
from bot.profile import ProfileStore
from bot.profile.models import iso_utc, utcnow
from bot.profile.reach import escalate_due
from bot.services import Services

logger = logging.getLogger(__name__)

STATUSES = ("queued", "sent", "failed", "skipped")
MAX_ATTEMPTS = 6
FIRST_RETRY = timedelta(seconds=30)  # then 1, 2, 4, 8 minutes
UNSUBSCRIBED = 21610  # Twilio: the recipient texted STOP to our number
REMINDERS_EVERY = 60.0  # seconds between reminder passes in the sender's loop
HEARTBEAT = "sms-sender.alive"  # in VAR_DIR; touched after every pass of the loop


@dataclass(frozen=True)
class Claimed:
    id: int
    phone: str
    body: str
    attempts: int


class Outbox(LeasedQueue[OutboxMessage]):
    """The outbox table: claiming, marking and listing messages."""

    table = OutboxMessage

    def claim(self, message_id: int, now: datetime) -> Claimed | None:
        """Take a due message for one send attempt; None if another sender has it."""
        row = self.claim_row(message_id, now)
        return Claimed(row.id, row.phone, row.body, row.attempts) if row else None

    def listing(self, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """Newest first, for staff."""
        return [
            {
                "id": m.id,
                "customer_id": m.customer_id,
                "phone": m.phone,
                "kind": m.kind,
                "booking_id": m.booking_id,
                "body": m.body,
                "status": m.status,
                "attempts": m.attempts,
                "next_attempt_at": iso_utc(m.next_attempt_at) if m.status == "queued" else None,
                "last_error": m.last_error,
                "skip_reason": m.skip_reason,
                "twilio_sid": m.twilio_sid,
                "created_at": iso_utc(m.created_at),
                "sent_at": iso_utc(m.sent_at),
            }
            for m in self.newest(status, limit)
        ]


class OutboxSender(LeasedSender[Claimed]):
    def __init__(self, outbox: Outbox, profiles: ProfileStore, client: TwilioClient) -> None:
        self._outbox = outbox
        self._profiles = profiles
        self._client = client

    async def _send(self, message: Claimed, now: datetime) -> str:
        mark = self._outbox.mark
        if await asyncio.to_thread(self._profiles.is_opted_out, message.phone):
            await asyncio.to_thread(mark, message.id, status="skipped", skip_reason="opted_out")
            return "skipped"
        try:
            sid = await self._client.send(message.phone, message.body)
        except TwilioError as error:
            return await self._failed(message, error, now)
        await asyncio.to_thread(
            mark, message.id, status="sent", sent_at=utcnow(), twilio_sid=sid, last_error=None
        )
        return "sent"

    async def _failed(self, message: Claimed, error: TwilioError, now: datetime) -> str:
        # Codes and statuses only: Twilio's messages can quote the phone number.
        logger.warning(
            "SMS %d not sent (attempt %d): %s %s", message.id, message.attempts, error.status, error.code
        )
        mark = self._outbox.mark
        if error.code == UNSUBSCRIBED:  # they texted STOP where we couldn't see it: record it
            await asyncio.to_thread(self._profiles.opt_out, message.phone, "twilio:21610")
            await asyncio.to_thread(
                mark, message.id, status="skipped", skip_reason="opted_out", last_error=str(error)
            )
            return "skipped"
        if error.retryable and message.attempts < MAX_ATTEMPTS:
            retry_at = now + FIRST_RETRY * 2 ** (message.attempts - 1)
            await asyncio.to_thread(mark, message.id, next_attempt_at=retry_at, last_error=str(error))
            return "retrying"
        await asyncio.to_thread(mark, message.id, status="failed", last_error=str(error))
        return "failed"


async def send_outbox(
    services: Services, forever: bool, interval: float = 5.0, reminders_every: float = REMINDERS_EVERY
) -> Counter[str] | None:
    """One pass (`python -m bot send-sms`) or, for the supervisor and containers, a pass every
    `interval` seconds until SIGTERM, queueing due reminders and escalating handoffs nobody took
    (bot/profile/reach.py) every `reminders_every` seconds. Each pass also sends the email outbox
    when SMTP_URL is set. None when SMS sending is off (no Twilio settings): texts stay queued
    (reminders and handoff alerts are still queued, to be sent once Twilio is configured)."""
    stop = asyncio.Event()
    if forever:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    settings = config.twilio()
    if settings is None:
        logger.warning(
            "SMS sending is off: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER. "
            "Outbox messages stay queued."
        )
    smtp = config.smtp()
    if smtp is None:
        logger.warning(
            "Email sending is off: set SMTP_URL. Staff alerts, CRM leads and customer emails stay queued."
        )
    total: Counter[str] = Counter()
    heartbeat = config.var_dir() / HEARTBEAT
    last_reminders = -reminders_every
    async with aiohttp.ClientSession() as http:
        sender = (
            OutboxSender(Outbox(services.sessions), services.profiles, TwilioClient(settings, http))
            if settings
            else None
        )
        while not stop.is_set():
            try:
                if time.monotonic() - last_reminders >= reminders_every:
                    if forever:
                        queued = await asyncio.to_thread(queue_due_now, services)
                        if queued:
                            logger.info("%d booking reminder(s) queued", queued)
                    escalated = await asyncio.to_thread(escalate_due, services)
                    if escalated:
                        logger.info("handoffs: %s", dict(escalated))
                    last_reminders = time.monotonic()
                if sender is not None:
                    total += await sender.send_due()
                if smtp is not None:
                    mail = EmailSender(EmailOutbox(services.sessions), SmtpClient(smtp, email_from(services)))
                    total += Counter({f"email_{k}": n for k, n in (await mail.send_due()).items()})
            except SQLAlchemyError as error:
                if not forever:
                    raise
                # The database is briefly away (a restart, a failover): nothing was claimed; next pass.
                logger.warning("SMS outbox unreachable (%s); trying again shortly", type(error).__name__)
            if not forever:
                break
            heartbeat.touch()
            try:
                await asyncio.wait_for(stop.wait(), interval)
            except asyncio.TimeoutError:
                pass
    return total if settings else None


def email_from(services: Services) -> str:
    """EMAIL_FROM, else the dealership's name and address from knowledge/dealership.yml."""
    shop = services.dealership
    return config.email_from() or formataddr((shop.name, shop.email))
