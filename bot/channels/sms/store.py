"""What the SMS channel keeps in the database, so any number of Rasa processes agree.

Each inbound SMS is stored once per MessageSid (a unique constraint, not a lookup, decides who
answers a retried webhook), and per phone the numbered options last offered and the notices
already given. Every check-and-set is one conditional statement, safe under concurrency.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import ColumnElement

from bot.channels.sms.channel import InboundSms
from bot.channels.sms.models import SmsMessage, SmsThread
from bot.profile.models import utcnow


class SmsStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def receive(self, sms: InboundSms) -> bool:
        """Store an inbound SMS; False if this MessageSid was already received (a retry)."""
        with self._sessions.begin() as session:
            try:
                with session.begin_nested():
                    session.add(
                        SmsMessage(
                            message_sid=sms.message_sid,
                            phone=sms.phone,
                            body=sms.body,
                            num_media=sms.num_media,
                            received_at=utcnow(),
                        )
                    )
                    session.flush()
            except IntegrityError:
                return False
            if session.get(SmsThread, sms.phone) is None:
                try:
                    with session.begin_nested():
                        session.add(SmsThread(phone=sms.phone))
                        session.flush()
                except IntegrityError:
                    pass  # another process just started this phone's thread
            return True

    def answered(self, sms: InboundSms, outcome: str, reply: list[str]) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(SmsMessage)
                .where(SmsMessage.message_sid == sms.message_sid)
                .values(outcome=outcome, reply=reply)
            )

    def forget(self, sms: InboundSms) -> None:
        """Processing failed: drop the message so Twilio's retry gets a fresh chance."""
        with self._sessions.begin() as session:
            session.execute(delete(SmsMessage).where(SmsMessage.message_sid == sms.message_sid))

    def reply_to(self, message_sid: str) -> tuple[str | None, list[str] | None]:
        """(outcome, reply) stored for a MessageSid; outcome None while still being answered."""
        with self._sessions() as session:
            row = session.execute(
                select(SmsMessage.outcome, SmsMessage.reply).where(SmsMessage.message_sid == message_sid)
            ).first()
            return (row.outcome, row.reply) if row else (None, None)

    def received_since(self, phone: str, since: datetime) -> int:
        with self._sessions() as session:
            return session.scalar(
                select(func.count())
                .select_from(SmsMessage)
                .where(SmsMessage.phone == phone, SmsMessage.received_at >= since)
            )

    def claim_limit_notice(self, phone: str, window: timedelta) -> bool:
        """True for exactly one caller per window: the one who tells the customer to slow down."""
        now = utcnow()
        return self._claim(
            phone,
            or_(SmsThread.limit_notice_at.is_(None), SmsThread.limit_notice_at < now - window),
            limit_notice_at=now,
        )

    def claim_introduction(self, phone: str) -> bool:
        """True once per phone: its first reply, which says how to opt out."""
        return self._claim(phone, SmsThread.introduced_at.is_(None), introduced_at=utcnow())

    def _claim(self, phone: str, condition: ColumnElement[bool], **values: object) -> bool:
        with self._sessions.begin() as session:
            claimed = session.execute(
                update(SmsThread).where(SmsThread.phone == phone, condition).values(**values)
            ).rowcount
            return claimed == 1

    def options(self, phone: str) -> list[dict[str, str]]:
        with self._sessions() as session:
            return session.scalar(select(SmsThread.options).where(SmsThread.phone == phone)) or []

    def offer(self, phone: str, options: list[dict[str, str]]) -> None:
        """Remember what "1", "2", ... mean for this phone now (nothing, if the reply had no buttons)."""
        with self._sessions.begin() as session:
            session.execute(update(SmsThread).where(SmsThread.phone == phone).values(options=options or None))
