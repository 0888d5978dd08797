"""What a customer does with an email: opening it, following a link, unsubscribing. Each is an
engagement event on their profile (`email_opened`, `email_clicked`, `email_unsubscribed`), and
the first open and first click are kept on the email itself, so the dashboard counts an email
opened once however often it is opened. Only a customer email that was sent can be opened.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.mail.models import EmailMessage
from bot.mail.outbox import email_event
from bot.profile.consent import unsubscribe_address
from bot.profile.models import Email
from bot.tables import utcnow

FIRST_OF = {"email_opened": EmailMessage.opened_at, "email_clicked": EmailMessage.clicked_at}


class EmailTracking:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def opened(self, message_id: int) -> bool:
        """False (nothing recorded) for an email that isn't a sent customer email."""
        return self._record(message_id, "email_opened", None, {})

    def clicked(self, message_id: int, target: str) -> bool:
        return self._record(message_id, "email_clicked", target, {"url": target})

    def address_of(self, message_id: int) -> tuple[str, bool] | None:
        """The address a customer email went to and whether it is unsubscribed; None if unknown."""
        with self._sessions() as session:
            row = session.execute(
                select(EmailMessage.to_address, Email.unsubscribed_at)
                .join(Email, Email.address == EmailMessage.to_address)
                .where(EmailMessage.id == message_id, EmailMessage.customer_id.is_not(None))
            ).one_or_none()
        return (row.to_address, row.unsubscribed_at is not None) if row else None

    def unsubscribe(self, message_id: int, source: str) -> str | None:
        """Unsubscribe the address the email went to (an event only the first time); its address,
        or None for an email that isn't a customer's."""
        with self._sessions.begin() as session:
            row = session.get(EmailMessage, message_id)
            if row is None or row.customer_id is None:
                return None
            if unsubscribe_address(session, row.to_address, source):
                session.add(email_event(session, row, "in", "email_unsubscribed", None, {"source": source}))
            return row.to_address

    def _record(self, message_id: int, action: str, text: str | None, data: dict[str, Any]) -> bool:
        first_at = FIRST_OF[action]
        with self._sessions.begin() as session:
            row = session.get(EmailMessage, message_id)
            if row is None or row.customer_id is None or row.status != "sent":
                return False
            first = (
                session.execute(
                    update(EmailMessage)
                    .where(EmailMessage.id == message_id, first_at.is_(None))
                    .values({first_at: utcnow()})
                ).rowcount
                == 1
            )
            session.add(email_event(session, row, "in", action, text, {**data, "first": first}))
            return True
