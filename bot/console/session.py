"""Staff sessions for the console: a signed cookie, no server-side state.

The staff token proves the person is staff; the name they enter at login says who they are (for
the audit trail). The cookie holds the name and the login time, signed with HMAC-SHA256 keyed by
the staff token, so changing the token logs everyone out. Forms carry a CSRF token derived from
the cookie, so another site can't make a logged-in browser post to the console.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

COOKIE = "concierge_staff"
MAX_AGE_SECONDS = 12 * 3600
MAX_NAME_CHARS = 80


class BadLogin(ValueError):
    """Why a login was refused (never echoing the token)."""


def staff_name(raw: str) -> str:
    """The name staff enter at login, checked: 1-80 printable characters."""
    name = " ".join((raw or "").split())
    if not name:
        raise BadLogin("Enter your name: it is recorded with every change you make.")
    if len(name) > MAX_NAME_CHARS or not name.isprintable():
        raise BadLogin(f"Your name must be at most {MAX_NAME_CHARS} printable characters.")
    return name


def token_matches(given: str, staff_token: str) -> bool:
    return hmac.compare_digest((given or "").strip().encode(), staff_token.encode())


def issue(staff_token: str, name: str, now: float | None = None) -> str:
    """A cookie value for a staff member who just logged in."""
    payload = base64.urlsafe_b64encode(
        json.dumps({"n": name, "t": int(now if now is not None else time.time())}).encode()
    ).decode()
    return f"{payload}.{_sign(staff_token, payload)}"


def verify(staff_token: str, cookie: str | None, now: float | None = None) -> str | None:
    """The staff name in a valid, unexpired cookie; None otherwise."""
    if not cookie or "." not in cookie:
        return None
    payload, _, signature = cookie.rpartition(".")
    if not hmac.compare_digest(signature.encode(), _sign(staff_token, payload).encode()):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload.encode()))
        name, issued = str(data["n"]), int(data["t"])
    except (ValueError, KeyError, TypeError):
        return None
    age = (now if now is not None else time.time()) - issued
    return name if 0 <= age <= MAX_AGE_SECONDS else None


def csrf_token(staff_token: str, cookie: str) -> str:
    """The hidden form value that proves a POST came from a console page."""
    return _sign(staff_token, "csrf:" + cookie)[:32]


def _sign(key: str, message: str) -> str:
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()
