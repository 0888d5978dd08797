"""The chat widget's page views over HTTP: whether to send them, and recording one.

`GET /widget/settings` tells the widget whether the dealer turned page views on
(`TRACK_PAGE_VIEWS`); `POST /widget/page-views` records one on the visitor's profile
(`bot/profile/visits.py`). Nothing is recorded when page views are off, when the browser sends
Global Privacy Control (`Sec-GPC: 1`) or Do Not Track (`DNT: 1`), for a site not in
`ALLOWED_ORIGINS`, for input that doesn't check out, or beyond the per-visitor rate limit. Both
routes are open (the widget runs on the dealer's site) and answer no customer data.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict, deque
from datetime import datetime, timedelta

from aiohttp import web

from bot import config
from bot.profile.visits import EXAMPLE, BadPageView, page_view_from
from bot.web.shared import SERVICES

MAX_BODY = 4096  # bytes: a session id, a path and a title fit many times over
VIEWS_PER_VISITOR = 30  # page views one visitor may report in WINDOW; more is a script, not a reader
WINDOW = timedelta(minutes=10)
VISITORS_REMEMBERED = 10_000


class RateLimit:
    """At most `limit` page views per visitor in any `window` (per web app process)."""

    def __init__(self, limit: int = VIEWS_PER_VISITOR, window: timedelta = WINDOW) -> None:
        self._limit = limit
        self._window = window
        self._seen: OrderedDict[str, deque[datetime]] = OrderedDict()

    def allow(self, visitor: str, now: datetime) -> bool:
        times = self._seen.pop(visitor, deque())
        while times and now - times[0] >= self._window:
            times.popleft()
        allowed = len(times) < self._limit
        if allowed:
            times.append(now)
        self._seen[visitor] = times  # most recent last, so the longest-quiet visitor goes first
        if len(self._seen) > VISITORS_REMEMBERED:
            self._seen.popitem(last=False)
        return allowed


TRACKING = web.AppKey("track_page_views", bool)
ORIGINS = web.AppKey("page_view_origins", frozenset)
LIMIT = web.AppKey("page_view_limit", RateLimit)


def declines_tracking(request: web.Request) -> bool:
    """The browser says its user doesn't want to be tracked (Global Privacy Control, Do Not Track)."""
    return request.headers.get("Sec-GPC", "").strip() == "1" or request.headers.get("DNT", "").strip() == "1"


def _cors(request: web.Request) -> dict[str, str]:
    """Lets the widget on an allowed site read the answer; other sites get no CORS header."""
    origin = request.headers.get("Origin", "")
    headers = {"Vary": "Origin"}
    if origin in request.app[ORIGINS]:
        headers["Access-Control-Allow-Origin"] = origin
    return headers


def _refusal(request: web.Request, status: int, reason: str, **headers: str) -> web.Response:
    return web.json_response({"error": reason}, status=status, headers={**_cors(request), **headers})


async def widget_settings(request: web.Request) -> web.Response:
    """What the widget may do on this browser: send page views or not."""
    enabled = request.app[TRACKING] and not declines_tracking(request)
    return web.json_response(
        {"page_views": enabled},
        headers={**_cors(request), "Vary": "Origin, Sec-GPC, DNT", "Cache-Control": "private, max-age=60"},
    )


async def record_page_view(request: web.Request) -> web.Response:
    """204 when recorded; otherwise a 4xx saying why, and nothing stored."""
    if declines_tracking(request):
        return _refusal(request, 403, "not recorded: the browser asks not to be tracked (Sec-GPC or DNT)")
    if not request.app[TRACKING]:
        return _refusal(request, 403, "not recorded: page views are off here (TRACK_PAGE_VIEWS)")
    origin = request.headers.get("Origin")
    if origin is not None and origin not in request.app[ORIGINS]:
        return _refusal(request, 403, "not recorded: this site's origin is not in ALLOWED_ORIGINS")
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        return _refusal(request, 413, f"the body is too large (at most {MAX_BODY} bytes)")
    try:
        view = page_view_from(json.loads(raw))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _refusal(request, 400, f"send JSON like {EXAMPLE}")
    except BadPageView as problem:
        return _refusal(request, 400, str(problem))
    services = request.app[SERVICES]
    now = services.now()
    if not request.app[LIMIT].allow(view.session_id, now):
        minutes = int(WINDOW.total_seconds() // 60)
        return _refusal(
            request,
            429,
            f"not recorded: more than {VIEWS_PER_VISITOR} page views from this visitor in {minutes} minutes",
            **{"Retry-After": str(int(WINDOW.total_seconds()))},
        )
    await asyncio.to_thread(services.profiles.record_page_view, view, now)
    return web.Response(status=204, headers=_cors(request))


def add_routes(app: web.Application) -> None:
    app[TRACKING] = config.track_page_views()
    app[ORIGINS] = frozenset(config.allowed_origins())
    app[LIMIT] = RateLimit()
    app.router.add_get("/widget/settings", widget_settings)
    app.router.add_post("/widget/page-views", record_page_view)
