"""aiohttp web app: `/healthz`, the token-protected staff API under `/api/`, the chat widget (and its
page views) and demo page, and the links in customer emails (`/e/`)."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
from aiohttp import web
from sqlalchemy.engine import Engine

from bot import config, console, db
from bot.channels.sms.outbox import STATUSES, Outbox
from bot.mail.links import Signer
from bot.profile import InvalidContactDetail, normalise_email, normalise_phone
from bot.reports.revenue_model import RevenueModel
from bot.services import Services
from bot.web import email_links, metrics, reports_api, site, visits
from bot.web.shared import (
    RASA_URL,
    REVENUE_MODEL,
    SERVICES,
    STAFF_TOKEN,
    BadRange,
    date_range,
    id_in_path,
    json_error,
)

logger = logging.getLogger(__name__)

OUTBOX = web.AppKey("outbox", Outbox)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def staff_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every `/api/` route needs `Authorization: Bearer <STAFF_TOKEN>`.

    A console session cookie also opens `GET` routes (JSON and CSV links from the console);
    changes through the API always need the token itself.
    """
    if request.path.startswith("/api/"):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        by_token = scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), request.app[STAFF_TOKEN].encode()
        )
        by_session = request.method == "GET" and console.verify(
            request.app[STAFF_TOKEN], request.cookies.get(console.COOKIE)
        )
        if not (by_token or by_session):
            return json_error(401, "missing or wrong staff token (Authorization: Bearer ...)")
    return await handler(request)


async def healthz(request: web.Request) -> web.Response:
    """Ready means: the database answers and the Rasa server has a model loaded."""
    database_ok = await asyncio.to_thread(db.is_reachable)
    model = await _loaded_model(request.app[RASA_URL])
    healthy = database_ok and model is not None
    return web.json_response(
        {
            "status": "ok" if healthy else "degraded",
            "database": database_ok,
            "model_loaded": model is not None,
            "model": model,
        },
        status=200 if healthy else 503,
    )


async def livez(_: web.Request) -> web.Response:
    """Liveness for container probes: the process answers HTTP. Checks nothing else on purpose:
    a database or Rasa outage must not get healthy web apps restarted."""
    return web.json_response({"status": "alive"})


async def readyz(_: web.Request) -> web.Response:
    """Readiness for load balancers: this web app can serve staff (its database answers). Unlike
    /healthz it does not need Rasa, so the staff console stays up while Rasa restarts."""
    ready = await asyncio.to_thread(db.is_reachable)
    return web.json_response(
        {"status": "ready" if ready else "unready", "database": ready}, status=200 if ready else 503
    )


async def _loaded_model(rasa_url: str) -> str | None:
    try:
        timeout = aiohttp.ClientTimeout(total=3)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(f"{rasa_url}/status", params={"token": config.rasa_token()}) as response:
                if response.status != 200:
                    return None
                status = await response.json()
    except (aiohttp.ClientError, asyncio.TimeoutError, json.JSONDecodeError):
        return None
    return status.get("model_id") or status.get("model_file") or None


async def list_customers(request: web.Request) -> web.Response:
    query = request.query
    try:
        if "phone" in query:
            criteria = {"phone": normalise_phone(query["phone"])}
        elif "email" in query:
            criteria = {"email": normalise_email(query["email"])}
        elif query.get("sender_id"):
            criteria = {"sender_id": query["sender_id"]}
        else:
            return json_error(400, "give one of ?phone=, ?email= or ?sender_id=")
    except InvalidContactDetail as reason:
        return json_error(400, str(reason))
    customers = await asyncio.to_thread(request.app[SERVICES].profiles.find_customers, **criteria)
    return web.json_response(customers)


async def knowledge_gaps(request: web.Request) -> web.Response:
    """Questions the assistant couldn't answer outright, newest first: what to write next."""
    raw = request.query.get("limit", "200")
    if not raw.isdigit() or not 0 < int(raw) <= 1000:
        return json_error(400, "limit must be a number from 1 to 1000")
    return web.json_response(await asyncio.to_thread(request.app[SERVICES].profiles.knowledge_gaps, int(raw)))


async def list_outbox(request: web.Request) -> web.Response:
    """Outgoing SMS, newest first: what was sent, what waits for a retry and why, what was skipped."""
    status = request.query.get("status") or None
    if status not in (None, *STATUSES):
        return json_error(400, f"status must be one of {', '.join(STATUSES)}")
    raw = request.query.get("limit", "200")
    if not raw.isdigit() or not 0 < int(raw) <= 1000:
        return json_error(400, "limit must be a number from 1 to 1000")
    return web.json_response(await asyncio.to_thread(request.app[OUTBOX].listing, status, int(raw)))


async def list_bookings(request: web.Request) -> web.Response:
    kind = request.query.get("kind")
    if kind not in (None, "clinic", "service"):
        return json_error(400, "kind must be clinic or service")
    try:
        start, end = date_range(request)
    except BadRange as problem:
        return json_error(400, str(problem))
    return web.json_response(
        await asyncio.to_thread(request.app[SERVICES].bookings.bookings_between, start, end, kind)
    )


async def list_clinics(request: web.Request) -> web.Response:
    try:
        start, end = date_range(request)
    except BadRange as problem:
        return json_error(400, str(problem))
    return web.json_response(
        await asyncio.to_thread(request.app[SERVICES].bookings.clinic_overview, start, end)
    )


async def mark_attendance(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return json_error(400, 'send JSON like {"attendance": "attended"} or {"attendance": "no_show"}')
    outcome = body.get("attendance") if isinstance(body, dict) else None
    if outcome not in ("attended", "no_show"):
        return json_error(400, 'attendance must be "attended" or "no_show"')
    code = request.match_info["code"]
    if not await asyncio.to_thread(request.app[SERVICES].bookings.mark_attendance, code, outcome):
        return json_error(404, "no confirmed booking with that code")
    return web.json_response({"code": code.upper(), "status": outcome})


async def get_customer(request: web.Request) -> web.Response:
    profile = await asyncio.to_thread(
        request.app[SERVICES].profiles.profile, id_in_path(request, "customer_id")
    )
    if profile is None:
        return json_error(404, "no such customer")
    return web.json_response(profile)


async def _fitting_in_background(app: web.Application) -> AsyncIterator[None]:
    """The revenue model is fitted in a worker thread while the app runs, never in a request."""
    task = asyncio.create_task(app[REVENUE_MODEL].keep_fitted())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def create_app(
    services: Services,
    staff_token: str | None = None,
    rasa_url: str | None = None,
    outbox: Outbox | None = None,
    engine: Engine | None = None,
    fit_revenue_model: bool = False,
) -> web.Application:
    """The web app; with `fit_revenue_model` (the served app) the revenue model is fitted in the
    background while it runs; without, only a call of `app[REVENUE_MODEL].refit_if_due()` fits it."""
    app = web.Application(middlewares=[staff_auth, console.console_auth])
    app[SERVICES] = services
    app[REVENUE_MODEL] = RevenueModel(services)
    if fit_revenue_model:
        app.cleanup_ctx.append(_fitting_in_background)
    app[STAFF_TOKEN] = staff_token or config.staff_token()[0]
    app[RASA_URL] = rasa_url or config.rasa_url()
    app[OUTBOX] = outbox or Outbox(services.sessions)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/livez", livez)
    app.router.add_get("/readyz", readyz)
    metrics.add_routes(app, engine)
    app.router.add_get("/api/customers", list_customers)
    app.router.add_get("/api/customers/{customer_id}", get_customer)
    app.router.add_get("/api/knowledge/gaps", knowledge_gaps)
    app.router.add_get("/api/bookings", list_bookings)
    app.router.add_get("/api/clinics", list_clinics)
    app.router.add_post("/api/bookings/{code}/attendance", mark_attendance)
    app.router.add_get("/api/outbox", list_outbox)
    reports_api.add_routes(app)
    console.add_routes(app)
    site.add_routes(app)
    visits.add_routes(app)
    email_links.add_routes(app, Signer(services.email_links) if services.email_links else None)
    return app
