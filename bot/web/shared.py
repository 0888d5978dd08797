"""What the web app's parts share: the services and settings on the aiohttp app, error replies and
date ranges. In their own module so the staff API, the console and the reports can all use them
without importing each other.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.reports.revenue_model import RevenueModel
from bot.services import Services

SERVICES = web.AppKey("services", Services)
REVENUE_MODEL = web.AppKey("revenue_model", RevenueModel)
STAFF_TOKEN = web.AppKey("staff_token", str)
RASA_URL = web.AppKey("rasa_url", str)

MAX_RANGE = timedelta(days=366)
REPORT_WEEKS = 12
# Dates a dealership's bookings and reports can be about; far-off ones (year 9999) would overflow
# the reports' look-ahead windows instead of getting an answer.
YEARS = range(2000, 2100)


class BadRange(ValueError):
    """A from/to query that can't be used; the message says how to fix it."""


def json_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def date_range(request: web.Request, *, past: bool = False) -> tuple[datetime, datetime]:
    """`from`/`to` as dates or date-times in the dealership's time zone.

    Defaults: the next 14 days (bookings), or with `past` the last 12 weeks up to the end of
    today (reports). Raises BadRange.
    """
    services = request.app[SERVICES]
    tz = services.dealership.tz
    today = services.now().replace(hour=0, minute=0, second=0, microsecond=0)
    try:
        start = parse_moment(request.query.get("from"), tz)
        end = parse_moment(request.query.get("to"), tz)
    except ValueError:
        raise BadRange("from and to must be dates like 2026-12-01 or 2026-12-01T09:00") from None
    if any(moment and moment.year not in YEARS for moment in (start, end)):
        raise BadRange(f"from and to must be dates between {YEARS[0]} and {YEARS[-1]}")
    if past:
        end = end or today + timedelta(days=1)
        start = start or end - timedelta(weeks=REPORT_WEEKS)
    else:
        start = start or today
        end = end or start + timedelta(days=14)
    if end <= start or end - start > MAX_RANGE:
        raise BadRange("to must be after from, and at most a year later")
    return start, end


def parse_moment(raw: str | None, tz: ZoneInfo) -> datetime | None:
    if not raw:
        return None
    moment = datetime.fromisoformat(raw)
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def id_in_path(request: web.Request, key: str) -> int:
    """A numeric id from the URL (e.g. `customer_id`), or a 400 naming the problem."""
    raw = request.match_info[key]
    if not raw.isdigit() or len(raw) > 18:
        label = key.replace("_", " ")
        raise web.HTTPBadRequest(
            text=f'{{"error": "{label} must be a number"}}', content_type="application/json"
        )
    return int(raw)
