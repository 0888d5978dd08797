"""The wording and layout of the emails customers get: booking confirmations, reminders and clinic
invitations, each as plain text and HTML with the same words.

Every one ends with why they get it, an unsubscribe link and the dealership's postal address
(CAN-SPAM), and the HTML part loads a 1x1 open pixel. Links go through the signed redirect
(bot/mail/links.py) so a click is engagement. Customer values are escaped in the HTML part; the
HTML needs no CSS file, script or remote font (mail programs show neither).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING

from bot.booking.models import Booking
from bot.booking.texts import what, when
from bot.mail.links import Signer

if TYPE_CHECKING:
    from bot.booking.schedule import Schedule
    from bot.dealership import Dealership


@dataclass(frozen=True)
class Content:
    """What an email says, before its links are made: paragraphs and one link to act on."""

    subject: str
    paragraphs: tuple[str, ...]
    action_label: str
    action_url: str  # an address on the dealer's own host (tracked when sent)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    unsubscribe_url: str


@dataclass(frozen=True)
class MessageLinks:
    """The signed links of one email (its outbox id)."""

    signer: Signer
    message_id: int
    now: datetime

    def tracked(self, url: str) -> str:
        return self.signer.tracked(self.message_id, url, self.now)

    def pixel(self) -> str:
        return self.signer.open_pixel(self.message_id, self.now)

    def unsubscribe(self) -> str:
        return self.signer.unsubscribe(self.message_id, self.now)


def booking_confirmation(
    booking: Booking, clinic: str | None, schedule: Schedule, shop: Dealership, chat_url: str
) -> Content:
    about, at = what(booking, clinic, schedule), when(booking.starts_at, schedule)
    return Content(
        subject=f"Booked: {about} on {at}",
        paragraphs=(
            f"Thanks for booking with {shop.name}. {_capital(about)} is on {at}.",
            f"Your confirmation code is {booking.code}.",
            f"Need to change or cancel it? Chat with us or call {shop.phone}.",
        ),
        action_label="Chat with us",
        action_url=chat_url,
    )


def booking_reminder(
    booking: Booking, clinic: str | None, schedule: Schedule, shop: Dealership, chat_url: str
) -> Content:
    about, at = what(booking, clinic, schedule), when(booking.starts_at, schedule)
    return Content(
        subject=f"Reminder: {about} on {at}",
        paragraphs=(
            f"A reminder from {shop.name}: {about} is on {at}.",
            f"Your confirmation code is {booking.code}.",
            f"Can't make it? Chat with us to move or cancel it, or call {shop.phone}.",
        ),
        action_label="Chat with us",
        action_url=chat_url,
    )


def clinic_invitation(pitch: str, clinic_name: str, shop: Dealership, chat_url: str) -> Content:
    """`pitch` is the suggestion's own sentence ("Getting the most from your Ion? Our free ...")."""
    return Content(
        subject=f"You're invited: {clinic_name} at {shop.name}",
        paragraphs=(pitch, f"Book your place by chatting with us, or call {shop.phone}."),
        action_label="Book a place",
        action_url=chat_url,
    )


def render(content: Content, shop: Dealership, links: MessageLinks) -> Rendered:
    """Both parts, with the tracked link, the unsubscribe link, the postal address and the pixel."""
    action, unsubscribe = links.tracked(content.action_url), links.unsubscribe()
    why = f"You're getting this email because you asked {shop.name} to email you about your bookings."
    postal = f"{shop.name}, {shop.address}"
    text = "\n\n".join(
        (
            *content.paragraphs,
            f"{content.action_label}: {action}",
            "--",
            why,
            f"Unsubscribe: {unsubscribe}",
            postal,
        )
    )
    paragraphs = "\n".join(f'<p style="margin:0 0 16px">{escape(p)}</p>' for p in content.paragraphs)
    html = HTML.format(
        subject=escape(content.subject),
        shop=escape(shop.name),
        paragraphs=paragraphs,
        action=escape(action, quote=True),
        action_label=escape(content.action_label),
        why=escape(why),
        unsubscribe=escape(unsubscribe, quote=True),
        postal=escape(postal),
        pixel=escape(links.pixel(), quote=True),
    )
    return Rendered(content.subject, text + "\n", html, unsubscribe)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{subject}</title>
</head>
<body style="margin:0;padding:0;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;color:#1f2328">
<div style="max-width:560px;margin:0 auto;padding:24px;background:#ffffff">
<p style="margin:0 0 24px;font-size:18px;font-weight:bold;color:#0b5cad">{shop}</p>
{paragraphs}
<p style="margin:24px 0"><a href="{action}"
 style="display:inline-block;padding:10px 18px;background:#0b5cad;color:#ffffff;text-decoration:none"
 >{action_label}</a></p>
<hr style="border:none;border-top:1px solid #d0d7de;margin:24px 0">
<p style="margin:0 0 8px;font-size:12px;color:#57606a">{why}</p>
<p style="margin:0 0 8px;font-size:12px;color:#57606a">
<a href="{unsubscribe}" style="color:#57606a">Unsubscribe</a></p>
<p style="margin:0;font-size:12px;color:#57606a">{postal}</p>
</div>
<img src="{pixel}" width="1" height="1" alt="" style="display:block;border:0">
</body>
</html>
"""
