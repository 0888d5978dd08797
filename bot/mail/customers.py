"""Queueing the emails customers get (booking confirmations, reminders, clinic invitations).

Only to an address with email consent that hasn't unsubscribed or bounced, and only when this
deployment signs links (`EMAIL_LINK_SECRET`): an email without a working unsubscribe link is
never queued. The row is added first, so its id is in the links, then filled in, all in the
caller's transaction; a `lead_key` makes each booking email once however often it is queued.
The sender checks the address again just before sending (bot/mail/outbox.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.booking.models import Booking, ClinicSession
from bot.mail import render
from bot.mail.links import Signer
from bot.mail.models import EmailMessage
from bot.profile.consent import booking_channels, emailable_address

if TYPE_CHECKING:
    from bot.services import Services

CONFIRMATION, INVITATION = "confirmation", "clinic_invitation"


class CustomerMail:
    """Customer emails of one deployment: its links, dealership and clock."""

    def __init__(self, services: Services) -> None:
        self._services = services
        links = services.email_links
        self._signer = Signer(links) if links else None
        self._chat_url = f"{links.base_url}/" if links else ""

    @property
    def on(self) -> bool:
        return self._signer is not None

    def queue_booking(self, session: Session, booking: Booking, clinic: str | None, kind: str) -> int:
        """A confirmation or reminder about a booking, if the customer gets booking emails; 1 if queued."""
        if not self.on or "email" not in booking_channels(session, booking.customer_id):
            return 0
        shop, schedule = self._services.dealership, self._services.schedule
        build = render.booking_confirmation if kind == CONFIRMATION else render.booking_reminder
        content = build(booking, clinic, schedule, shop, self._chat_url)
        key = f"booking:{booking.id}:{kind}"
        return self._queue(session, booking.customer_id, kind, content, key, booking.id)

    def queue_confirmation(self, code: str) -> int:
        """The confirmation of a booking just made (its own transaction); none for a waitlist place."""
        if not self.on:
            return 0
        with self._services.sessions.begin() as session:
            found = session.execute(
                select(Booking, ClinicSession.clinic)
                .outerjoin(ClinicSession, Booking.clinic_session_id == ClinicSession.id)
                .where(Booking.code == code, Booking.status == "confirmed")
            ).one_or_none()
            return self.queue_booking(session, *found, CONFIRMATION) if found else 0

    def queue_invitation(
        self, session: Session, customer_id: int, key: str, pitch: str, clinic_name: str
    ) -> int:
        """A clinic invitation staff chose to send (bot/reports/next_steps.py), if they get booking emails."""
        if not self.on or "email" not in booking_channels(session, customer_id):
            return 0
        content = render.clinic_invitation(pitch, clinic_name, self._services.dealership, self._chat_url)
        return self._queue(session, customer_id, INVITATION, content, f"invite:{customer_id}:{key}"[:40])

    def _queue(
        self,
        session: Session,
        customer_id: int,
        kind: str,
        content: render.Content,
        key: str,
        booking_id: int | None = None,
    ) -> int:
        address = emailable_address(session, customer_id)
        if address is None or self._signer is None:
            return 0
        try:
            with session.begin_nested():
                row = EmailMessage(
                    to_address=address,
                    subject=content.subject[:200],
                    body="",
                    kind=kind,
                    customer_id=customer_id,
                    booking_id=booking_id,
                    lead_key=key,
                )
                session.add(row)
                session.flush()
                links = render.MessageLinks(self._signer, row.id, self._services.clock())
                email = render.render(content, self._services.dealership, links)
                row.body, row.html_body, row.unsubscribe_url = email.text, email.html, email.unsubscribe_url
            return 1
        except IntegrityError:
            return 0  # queued before (an earlier pass, or another sender just now)
