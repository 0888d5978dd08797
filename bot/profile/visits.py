"""Website page views: which of the dealer's pages a visitor looked at, on their chat's profile.

The chat widget reports the page's path and title (whether it may is `bot/web/visits.py`'s
business). A page view is an engagement event on channel `web` with action `page_view`: the path
in `text`, the title in `data`. It belongs to the widget's session id, so it lands on the same
profile as the visitor's chat (a new anonymous one if they haven't chatted yet). A query string or
fragment never gets stored: it is cut off whatever the client sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.profile.identity import WIDGET_CHANNEL, WIDGET_SESSION_ID, _customer_for_sender
from bot.profile.models import EngagementEvent

PAGE_VIEW = "page_view"  # the engagement event's action
WEB_CHANNEL = "web"  # the website itself, as opposed to its chat (socketio)
MAX_PATH = 500
MAX_TITLE = 200
EXAMPLE = '{"session_id": "<the widget\'s>", "path": "/vehicles/ion", "title": "Ion"}'
# Engagement events that are messages (in or out), not page views: what message counts count.
IS_MESSAGE = EngagementEvent.action.is_distinct_from(PAGE_VIEW)

# Control characters, and lone surrogates (JSON can carry them; no database stores them).
_UNWRITABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_AFTER_PATH = re.compile(r"[?#]")


class BadPageView(ValueError):
    """A page view that can't be recorded; the message says what to send instead."""


@dataclass(frozen=True)
class PageView:
    session_id: str
    path: str  # location.pathname: no query string, no fragment
    title: str  # document.title, whitespace collapsed; may be empty


def page_view_from(body: Any) -> PageView:
    """The page view a request's JSON describes, or BadPageView saying what is wrong."""
    if not isinstance(body, dict):
        raise BadPageView(f"send a JSON object like {EXAMPLE}")
    session_id = body.get("session_id")
    if not isinstance(session_id, str) or not WIDGET_SESSION_ID.fullmatch(session_id):
        raise BadPageView("session_id must be the widget's session id: 16-128 letters, digits, - or _")
    path = body.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise BadPageView('path must be the page\'s path, starting with "/"')
    path = _AFTER_PATH.split(path, maxsplit=1)[0]
    if len(path) > MAX_PATH:
        raise BadPageView(f"path is too long ({len(path)} characters; at most {MAX_PATH})")
    if _UNWRITABLE.search(path) or any(ch.isspace() for ch in path):
        raise BadPageView("path must not contain spaces, control characters or broken characters")
    title = body.get("title", "")
    if not isinstance(title, str):
        raise BadPageView("title must be a string")
    title = " ".join(title.split())
    if len(title) > MAX_TITLE:
        raise BadPageView(f"title is too long ({len(title)} characters; at most {MAX_TITLE})")
    if _UNWRITABLE.search(title):
        raise BadPageView("title must not contain control characters or broken characters")
    return PageView(session_id, path, title)


class PageViews:
    """Page views on profiles."""

    _sessions: sessionmaker[Session]

    def record_page_view(self, view: PageView, at: datetime) -> int:
        """Write the page view on the visitor's profile; returns the customer's id."""
        with self._sessions.begin() as session:
            customer_id = _customer_for_sender(session, WIDGET_CHANNEL, view.session_id)
            session.add(
                EngagementEvent(
                    customer_id=customer_id,
                    sender_id=view.session_id,
                    ts=at.astimezone(timezone.utc).replace(tzinfo=None),
                    channel=WEB_CHANNEL,
                    direction="in",
                    text=view.path,
                    data={"title": view.title} if view.title else None,
                    action=PAGE_VIEW,
                )
            )
            return customer_id


def visited_paths(profile: dict[str, Any]) -> list[str]:
    """The paths of the page views in a profile's engagement (none in a summary without it)."""
    return [e["text"] for e in profile.get("engagement", ()) if e["action"] == PAGE_VIEW]
