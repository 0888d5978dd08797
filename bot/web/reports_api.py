"""Report routes of the staff API: `/api/reports/...` (JSON and CSV), open handoffs and ADF
leads. Same token as the rest of `/api/` (or a console session, for GETs)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from datetime import datetime

from aiohttp import web

from bot.mail.customers import CustomerMail
from bot.reports import (
    NextSteps,
    NotALead,
    RepairOrderValues,
    adf_lead,
    attribution,
    current_revenue,
    customers_csv,
    dashboard,
    distribution,
    engagement_csv,
    record_quality,
)
from bot.web.shared import REVENUE_MODEL, SERVICES, BadRange, date_range, id_in_path, json_error


def repair_order_values(app: web.Application) -> RepairOrderValues:
    return current_revenue(app[SERVICES])


async def dashboard_json(request: web.Request) -> web.Response:
    try:
        start, end = date_range(request, past=True)
    except BadRange as problem:
        return json_error(400, str(problem))
    app = request.app
    return web.json_response(
        await asyncio.to_thread(
            dashboard, app[SERVICES].profiles.sessions, app[SERVICES].bookings, start, end
        )
    )


async def attribution_json(request: web.Request) -> web.Response:
    try:
        start, end = date_range(request, past=True)
    except BadRange as problem:
        return json_error(400, str(problem))
    values = repair_order_values(request.app)
    return web.json_response(
        await asyncio.to_thread(attribution, request.app[SERVICES].profiles.sessions, values, start, end)
    )


async def revenue_model_json(request: web.Request) -> web.Response:
    """The last background fit of the revenue model; `{"status": "fitting"}` before the first."""
    return web.json_response(request.app[REVENUE_MODEL].latest() or {"status": "fitting"})


async def quality_json(request: web.Request) -> web.Response:
    qualities = await asyncio.to_thread(record_quality, request.app[SERVICES].profiles.sessions)
    return web.json_response(
        {
            **distribution(qualities),
            "by_customer": [{"customer_id": c, **q.as_dict()} for c, q in sorted(qualities.items())],
        }
    )


def _next_steps(request: web.Request) -> NextSteps:
    services = request.app[SERVICES]
    return NextSteps(services.profiles, services.bookings, services.dealership.name, CustomerMail(services))


def _today(request: web.Request) -> datetime:
    return request.app[SERVICES].now()


async def next_steps_json(request: web.Request) -> web.Response:
    return web.json_response(await asyncio.to_thread(_next_steps(request).queue, _today(request).date()))


async def customer_next_steps_json(request: web.Request) -> web.Response:
    found = await asyncio.to_thread(
        _next_steps(request).for_customer, id_in_path(request, "customer_id"), _today(request).date()
    )
    return json_error(404, "no such customer") if found is None else web.json_response(found)


async def _csv(request: web.Request, name: str, rows: Iterator[str]) -> web.StreamResponse:
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        }
    )
    await response.prepare(request)
    iterator = iter(rows)
    # The database work runs in a thread, a few hundred lines at a time, so the event loop never waits.
    while chunk := await asyncio.to_thread(lambda: "".join(itertools.islice(iterator, 200))):
        await response.write(chunk.encode())
    await response.write_eof()
    return response


async def customers_export(request: web.Request) -> web.StreamResponse:
    return await _csv(request, "customers.csv", customers_csv(request.app[SERVICES].profiles))


async def engagement_export(request: web.Request) -> web.StreamResponse:
    try:
        start, end = date_range(request, past=True)
    except BadRange as problem:
        return json_error(400, str(problem))
    return await _csv(
        request, "engagement.csv", engagement_csv(request.app[SERVICES].profiles.sessions, start, end)
    )


async def open_handoffs(request: web.Request) -> web.Response:
    return web.json_response(await asyncio.to_thread(request.app[SERVICES].profiles.open_handoffs))


async def customer_adf(request: web.Request) -> web.Response:
    return await _adf(request, id_in_path(request, "customer_id"), None)


async def handoff_adf(request: web.Request) -> web.Response:
    handoff = await asyncio.to_thread(
        request.app[SERVICES].profiles.handoff, id_in_path(request, "handoff_id")
    )
    if handoff is None:
        return json_error(404, "no such handoff")
    return await _adf(request, handoff["customer_id"], handoff)


async def _adf(request: web.Request, customer_id: int, handoff: dict | None) -> web.Response:
    profile = await asyncio.to_thread(request.app[SERVICES].profiles.profile, customer_id)
    if profile is None:
        return json_error(404, "no such customer")
    services = request.app[SERVICES]
    bookings = await asyncio.to_thread(services.bookings.bookings_of, customer_id)
    try:
        xml = adf_lead(
            profile, bookings, services.dealership, services.knowledge.base.lineup, services.clock(), handoff
        )
    except NotALead as problem:
        return json_error(422, str(problem))
    return web.Response(text=xml, content_type="application/xml", headers={"Cache-Control": "no-store"})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/reports/dashboard", dashboard_json)
    app.router.add_get("/api/reports/attribution", attribution_json)
    app.router.add_get("/api/reports/revenue-model", revenue_model_json)
    app.router.add_get("/api/reports/quality", quality_json)
    app.router.add_get("/api/reports/next-steps", next_steps_json)
    app.router.add_get("/api/reports/customers.csv", customers_export)
    app.router.add_get("/api/reports/engagement.csv", engagement_export)
    app.router.add_get("/api/customers/{customer_id}/next-steps", customer_next_steps_json)
    app.router.add_get("/api/customers/{customer_id}/adf.xml", customer_adf)
    app.router.add_get("/api/handoffs", open_handoffs)
    app.router.add_get("/api/handoffs/{handoff_id}/adf.xml", handoff_adf)
