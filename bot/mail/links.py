"""Signed links in customer emails: the open pixel, tracked links and the unsubscribe link.

A token is the link's content (which email, what for, until when and, for a tracked link, where
it leads), base64url-encoded, then a dot and an HMAC-SHA256 of it with `EMAIL_LINK_SECRET`. So a
link can't be forged or changed (a different email, a later expiry, another destination), and
the redirect can't be used to send people anywhere: its target is inside the signed part, must be
http(s) and on the dealer's own host (`PUBLIC_URL`) or one listed in `EMAIL_LINK_HOSTS`, checked
both when the link is made and when it is followed. Anything that doesn't check out reads as None.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from bot.config import EmailLinks

TRACKING_DAYS = timedelta(days=90)  # opens and clicks
UNSUBSCRIBE_DAYS = timedelta(days=365)  # CAN-SPAM asks for at least 30 days
OPEN, CLICK, UNSUBSCRIBE = "o", "c", "u"
PATHS = {OPEN: "/e/o/{}.gif", CLICK: "/e/c/{}", UNSUBSCRIBE: "/e/u/{}"}
MAX_TOKEN = 2048
_DOMAIN = b"mobility-concierge email link v1\x00"  # this key is used for nothing else


class LinkRefused(ValueError):
    """A link that must not be made: its target isn't an allowed http(s) address."""


@dataclass(frozen=True)
class Link:
    """What a verified token says."""

    purpose: str  # OPEN, CLICK or UNSUBSCRIBE
    message_id: int
    target: str | None  # where a tracked link leads


class Signer:
    """Makes and reads the links of one deployment (its secret, base URL and allowed hosts)."""

    def __init__(self, settings: EmailLinks) -> None:
        self._settings = settings
        self._key = hashlib.sha256(_DOMAIN + settings.secret.encode()).digest()

    def allowed(self, url: str) -> bool:
        """An absolute http(s) URL to one of the dealer's hosts, with nothing that could hide another host."""
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
            parts.port  # noqa: B018 - a bad port raises
        except ValueError:
            return False
        return (
            parts.scheme in ("http", "https")
            and host in self._settings.hosts
            and parts.username is None
            and parts.password is None
            and not any(ch in url for ch in "\\\r\n\t ")
        )

    def open_pixel(self, message_id: int, now: datetime) -> str:
        return self._url(OPEN, message_id, now + TRACKING_DAYS)

    def tracked(self, message_id: int, target: str, now: datetime) -> str:
        if not self.allowed(target):
            raise LinkRefused(f"not a link to one of the dealer's hosts: {target!r}")
        return self._url(CLICK, message_id, now + TRACKING_DAYS, target)

    def unsubscribe(self, message_id: int, now: datetime) -> str:
        return self._url(UNSUBSCRIBE, message_id, now + UNSUBSCRIBE_DAYS)

    def read(self, token: str, purpose: str, now: datetime) -> Link | None:
        """The link a token stands for, if it is genuine, for this purpose, not expired and (for a
        tracked link) still leads to an allowed address; else None."""
        if len(token) > MAX_TOKEN or token.count(".") != 1:
            return None
        body, _, signature = token.partition(".")
        if not hmac.compare_digest(signature, self._sign(body)):
            return None
        try:
            content = json.loads(_unb64(body))
            link = Link(str(content["p"]), int(content["m"]), content.get("u"))
            expires = int(content["x"])
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None
        if link.purpose != purpose or expires <= now.timestamp():
            return None
        if purpose == CLICK and not (isinstance(link.target, str) and self.allowed(link.target)):
            return None
        return link

    def _url(self, purpose: str, message_id: int, expires: datetime, target: str | None = None) -> str:
        content: dict[str, str | int] = {"p": purpose, "m": message_id, "x": int(expires.timestamp())}
        if target is not None:
            content["u"] = target
        body = _b64(json.dumps(content, separators=(",", ":")).encode())
        return self._settings.base_url + PATHS[purpose].format(f"{body}.{self._sign(body)}")

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
