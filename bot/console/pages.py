"""The staff console's pages: server-rendered HTML (Jinja2, autoescaped), no JavaScript.

Every page needs a staff session (see `session`); every form posts a CSRF token. Staff actions
go through the same stores as everything else and are audited with the staff member's name.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

import jinja2
from aiohttp import web

from bot import config
from bot.console import charts as charts_
from bot.console import session
from bot.console.handoffs import HandoffProblem, Handoffs
from bot.console.takeover import PUSH_CHANNELS, SMS_CHANNEL, RasaConversations, RasaUnavailable
from bot.mail.customers import CustomerMail
from bot.profile import InvalidContactDetail, normalise_name, normalise_phone
from bot.reports import (
    CHECKS,
    NextStepProblem,
    NextSteps,
    attribution,
    dashboard,
    distribution,
    record_quality,
    revenue_model,
)
from bot.reports.rewards import rewards_and_quality
from bot.rewards import RewardProblem, issue_earned, redeem, rewards_of
from bot.web import reports_api
from bot.web.shared import (
    RASA_URL,
    REVENUE_MODEL,
    SERVICES,
    STAFF_TOKEN,
    BadRange,
    date_range,
    id_in_path,
)

STAFF = "staff"  # request key: the logged-in staff member's name
TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("bot.console", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@jinja2.pass_context
def _local(context: jinja2.runtime.Context, iso: str | None) -> str:
    """An ISO time (UTC `Z` or with offset) as the dealership's local time, for people."""
    if not iso:
        return ""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return moment.astimezone(context["tz"]).strftime("%Y-%m-%d %H:%M")


TEMPLATES.filters["local"] = _local


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    cookie = request.cookies.get(session.COOKIE, "")
    html = TEMPLATES.get_template(template).render(
        staff=request.get(STAFF),
        tz=request.app[SERVICES].dealership.tz,
        csrf=session.csrf_token(request.app[STAFF_TOKEN], cookie) if cookie else "",
        error=context.pop("error", None),
        notice=context.pop("notice", request.query.get("notice")),
        **context,
    )
    return web.Response(text=html, content_type="text/html", status=status, headers=SECURITY_HEADERS)


@web.middleware
async def console_auth(request: web.Request, handler: Any) -> web.StreamResponse:
    """`/staff` pages need a session (GETs are sent to the login page); POSTs need the CSRF token."""
    if not request.path.startswith("/staff") or request.path == "/staff/login":
        return await handler(request)
    cookie = request.cookies.get(session.COOKIE, "")
    name = session.verify(request.app[STAFF_TOKEN], cookie)
    if name is None:
        if request.method == "GET":
            raise web.HTTPSeeOther(f"/staff/login?next={quote(request.path_qs)}")
        return web.Response(status=401, text="Log in to the staff console first.", headers=SECURITY_HEADERS)
    if request.method == "POST":
        form = await request.post()
        if str(form.get("csrf", "")) != session.csrf_token(request.app[STAFF_TOKEN], cookie):
            return web.Response(
                status=403,
                text="This form has expired; reload the page and try again.",
                headers=SECURITY_HEADERS,
            )
    request[STAFF] = name
    return await handler(request)


# --- login ---------------------------------------------------------------------------------


def _next_page(raw: str | None) -> str:
    """Only pages of the console itself: never an open redirect."""
    return raw if raw and raw.startswith("/staff/") and not raw.startswith("//") else "/staff/customers"


async def login_page(request: web.Request) -> web.Response:
    return render(request, "login.html", next=_next_page(request.query.get("next")), name="")


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    target = _next_page(str(form.get("next", "")))
    try:
        name = session.staff_name(str(form.get("name", "")))
        if not session.token_matches(str(form.get("token", "")), request.app[STAFF_TOKEN]):
            raise session.BadLogin("That staff token is not right.")
    except session.BadLogin as problem:
        return render(request, "login.html", 401, error=str(problem), next=target, name=form.get("name", ""))
    response = web.HTTPSeeOther(target)
    response.set_cookie(
        session.COOKIE,
        session.issue(request.app[STAFF_TOKEN], name),
        max_age=session.MAX_AGE_SECONDS,
        httponly=True,
        secure=True,
        samesite="Strict",
        path="/",
    )
    raise response


async def logout(request: web.Request) -> web.Response:
    response = web.HTTPSeeOther("/staff/login")
    response.del_cookie(session.COOKIE, path="/")
    raise response


# --- customers -------------------------------------------------------------------------------


async def customers(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()
    results = await asyncio.to_thread(request.app[SERVICES].profiles.search_customers, query) if query else []
    return render(request, "customers.html", q=query, results=results, limit=50)


async def customer(request: web.Request, error: str | None = None, status: int = 200) -> web.Response:
    customer_id = id_in_path(request, "customer_id")
    store, bookings = request.app[SERVICES].profiles, request.app[SERVICES].bookings
    profile = await asyncio.to_thread(store.profile, customer_id)
    if profile is None:
        return render(request, "customers.html", 404, error="No such customer.", q="", results=[], limit=50)
    today = _today(request)
    quality = (await asyncio.to_thread(record_quality, store.sessions, [customer_id]))[customer_id]
    return render(
        request,
        "customer.html",
        status,
        error=error,
        p=profile,
        quality=quality,
        checks=CHECKS,
        today=today,
        bookings=await asyncio.to_thread(bookings.bookings_of, customer_id),
        clinic_names={k: c.name for k, c in bookings.schedule.clinics.items()},
        audit=await asyncio.to_thread(store.audit_trail, customer_id),
        rewards=await asyncio.to_thread(rewards_of, request.app[SERVICES], customer_id),
        suggestions=await asyncio.to_thread(_next_steps(request).for_customer, customer_id, today),
        show_customer=False,
        back=f"/staff/customers/{customer_id}",
    )


async def fix_phone(request: web.Request) -> web.Response:
    customer_id = id_in_path(request, "customer_id")
    form = await request.post()
    try:
        old, new = normalise_phone(str(form.get("old", ""))), normalise_phone(str(form.get("new", "")))
        await asyncio.to_thread(
            request.app[SERVICES].profiles.staff_fix_phone, request[STAFF], customer_id, old, new
        )
    except InvalidContactDetail as problem:
        return await customer(request, f"Phone not changed: {problem}", 400)
    raise web.HTTPSeeOther(f"/staff/customers/{customer_id}?notice=Phone+updated")


async def set_booking_messages(request: web.Request) -> web.Response:
    """What the customer asked for (by phone, at the desk): booking messages by sms, email or both."""
    customer_id = id_in_path(request, "customer_id")
    form = await request.post()
    choice = str(form.get("booking_messages", "")) or None
    try:
        await asyncio.to_thread(
            request.app[SERVICES].profiles.staff_set_booking_messages, request[STAFF], customer_id, choice
        )
    except ValueError:
        return await customer(
            request, "Not changed: choose SMS, email, both, or whatever they consented to.", 400
        )
    raise web.HTTPSeeOther(f"/staff/customers/{customer_id}?notice=Booking+messages+updated")


async def add_household_member(request: web.Request) -> web.Response:
    customer_id = id_in_path(request, "customer_id")
    form = await request.post()
    raw_year = str(form.get("birth_year", "")).strip()
    relation = " ".join(str(form.get("relation", "")).split())[:40] or None
    try:
        name = normalise_name(str(form.get("name", "")))
        year = int(raw_year) if raw_year else None
        if year is not None and not 1900 <= year <= _today(request).year:
            raise ValueError
    except InvalidContactDetail as problem:
        return await customer(request, f"Not added: {problem}", 400)
    except ValueError:
        return await customer(
            request, f"Not added: birth year must be a year from 1900 to {_today(request).year}.", 400
        )
    await asyncio.to_thread(
        request.app[SERVICES].profiles.staff_add_household_member,
        request[STAFF],
        customer_id,
        name,
        relation,
        year,
    )
    await asyncio.to_thread(issue_earned, request.app[SERVICES], customer_id)
    raise web.HTTPSeeOther(f"/staff/customers/{customer_id}?notice=Household+member+added")


async def redeem_reward(request: web.Request) -> web.Response:
    """The customer handed in their reward code: mark it redeemed (audited), once."""
    customer_id = id_in_path(request, "customer_id")
    code = request.match_info["code"].upper()
    try:
        await asyncio.to_thread(redeem, request.app[SERVICES], request[STAFF], customer_id, code)
    except RewardProblem as problem:
        return await customer(request, f"Not redeemed: {problem}", 400)
    raise web.HTTPSeeOther(f"/staff/customers/{customer_id}?notice=Reward+{code}+redeemed")


async def mark_attendance(request: web.Request) -> web.Response:
    form = await request.post()
    code, outcome = request.match_info["code"].upper(), str(form.get("attendance", ""))
    raw_customer = str(form.get("customer_id", ""))
    back = f"/staff/customers/{raw_customer}" if raw_customer.isdigit() else "/staff/customers"
    if outcome not in ("attended", "no_show"):
        return web.Response(
            status=400, text="attendance must be attended or no_show", headers=SECURITY_HEADERS
        )
    bookings, store = request.app[SERVICES].bookings, request.app[SERVICES].profiles
    if not await asyncio.to_thread(bookings.mark_attendance, code, outcome):
        return web.Response(status=404, text="No confirmed booking with that code.", headers=SECURITY_HEADERS)
    owner = int(raw_customer) if raw_customer.isdigit() else None
    await asyncio.to_thread(
        store.audit, request[STAFF], owner, "attendance", {"booking": code, "status": outcome}
    )
    raise web.HTTPSeeOther(f"{back}?notice=Attendance+recorded")


# --- handoffs --------------------------------------------------------------------------------


def _handoffs(request: web.Request) -> Handoffs:
    rasa = RasaConversations(request.app[RASA_URL], config.rasa_token())
    return Handoffs(request.app[SERVICES].profiles, rasa)


async def handoff_inbox(request: web.Request) -> web.Response:
    return render(
        request,
        "handoffs.html",
        handoffs=await asyncio.to_thread(request.app[SERVICES].profiles.open_handoffs),
    )


async def handoff_page(request: web.Request, error: str | None = None, status: int = 200) -> web.Response:
    handoff = await asyncio.to_thread(
        request.app[SERVICES].profiles.handoff, id_in_path(request, "handoff_id")
    )
    if handoff is None:
        return render(request, "handoffs.html", 404, error="No such handoff.", handoffs=[])
    if handoff["channel"] == SMS_CHANNEL:
        delivery = "Your reply is sent as an SMS (never to a number that opted out)."
    elif handoff["channel"] in PUSH_CHANNELS:
        delivery = "Your reply appears in the customer's chat window straight away."
    else:
        delivery = (
            f"The {handoff['channel']} channel can't be pushed to: your reply is added to the conversation "
            "and the customer sees it in its history."
        )
    return render(request, "handoff.html", status, error=error, h=handoff, delivery=delivery)


async def handoff_action(request: web.Request) -> web.Response:
    handoff_id, action = id_in_path(request, "handoff_id"), request.match_info["action"]
    handoffs = _handoffs(request)
    try:
        if action == "take":
            await handoffs.take(handoff_id, request[STAFF])
        elif action == "reply":
            await handoffs.reply(handoff_id, request[STAFF], str((await request.post()).get("text", "")))
        else:
            await handoffs.close(handoff_id, request[STAFF])
    except HandoffProblem as problem:
        return await handoff_page(request, str(problem), problem.status)
    except RasaUnavailable as problem:
        return await handoff_page(request, f"Nothing was sent: {problem}. Try again in a moment.", 502)
    done = {
        "take": "You+have+the+conversation",
        "reply": "Reply+sent",
        "close": "Handed+back+to+the+assistant",
    }
    target = "/staff/handoffs" if action == "close" else f"/staff/handoffs/{handoff_id}"
    raise web.HTTPSeeOther(f"{target}?notice={done[action]}")


# --- measurement ---------------------------------------------------------------------------


def _range_or_error(request: web.Request) -> tuple[datetime | None, datetime | None, str | None]:
    try:
        start, end = date_range(request, past=True)
    except BadRange as problem:
        return None, None, str(problem)
    return start, end, None


async def dashboard_page(request: web.Request) -> web.Response:
    start, end, problem = _range_or_error(request)
    if problem:
        return render(request, "range_error.html", 400, error=problem, title="Dashboard")
    store, bookings = request.app[SERVICES].profiles, request.app[SERVICES].bookings
    data = await asyncio.to_thread(dashboard, store.sessions, bookings, start, end)
    spread = distribution(await asyncio.to_thread(record_quality, store.sessions))
    weeks = [w[5:] for w in data["weeks"]]
    rewarded = await asyncio.to_thread(
        rewards_and_quality,
        store.sessions,
        bookings.schedule.tz,
        [date.fromisoformat(w) for w in data["weeks"]],
        start,
        end,
    )
    clinics = data["clinics"]
    charts = [
        charts_.stacked_columns("Messages by channel and week", weeks, data["messages_by_channel"]),
        charts_.stacked_columns("Conversations by channel and week", weeks, data["conversations_by_channel"]),
        charts_.bars(
            "Questions answered vs not",
            [(k.replace("_", " "), v) for k, v in data["questions"].items()],
        ),
        charts_.bars("Top feature topics", [(t["topic"], t["answers"]) for t in data["top_topics"]]),
        charts_.bars(
            "Clinics: seats and attendance",
            [
                ("capacity", clinics["capacity"]),
                ("seats booked", clinics["booked"]),
                ("attended", clinics["attended"]),
                ("no-shows", clinics["no_show"]),
                ("not yet marked", clinics["not_yet_marked"]),
            ],
        ),
        charts_.stacked_columns(
            "Service bookings made, by week", weeks, {"bookings": data["service_bookings_by_week"]}
        ),
        charts_.stacked_columns("SMS opt-outs by week", weeks, {"opt-outs": data["opt_outs_by_week"]}),
        charts_.bars(
            f"Record quality ({spread['customers']} customers, average {spread['average'] or 0})",
            [(f"score {row['score']}", row["customers"]) for row in spread["by_score"]],
        ),
        charts_.bars(
            "Most often missing from records", [(m["what"], m["customers"]) for m in spread["missing"]]
        ),
        charts_.stacked_columns(
            f"Rewards: {rewarded['issued']} issued, {rewarded['redeemed']} redeemed, by week",
            weeks,
            rewarded["rewards_by_week"],
        ),
        charts_.stacked_columns(
            "Record quality of each week's new customers (their score today)",
            weeks,
            rewarded["quality_by_week"],
        ),
    ]
    return render(
        request,
        "dashboard.html",
        data=data,
        rewarded=rewarded,
        charts=charts,
        start=start.date(),
        end=end.date(),
        query=request.query_string,
    )


async def attribution_page(request: web.Request) -> web.Response:
    start, end, problem = _range_or_error(request)
    if problem:
        return render(request, "range_error.html", 400, error=problem, title="Attribution")
    values = reports_api.repair_order_values(request.app)
    data = await asyncio.to_thread(attribution, request.app[SERVICES].profiles.sessions, values, start, end)
    rows = [*data["rows"], data["comparison"]]
    chart = charts_.bars(
        "Booked service within 90 days (% of customers)",
        [(r["engagement"].replace("_", " "), round(100 * (r["rate_90_days"] or 0), 1)) for r in rows],
        unit="%",
    )
    return render(
        request,
        "attribution.html",
        data=data,
        rows=rows,
        chart=chart,
        values=values,
        model=request.app[REVENUE_MODEL].latest(),  # fitted in the background, never here
        model_method=revenue_model.METHOD,
        start=start.date(),
        end=end.date(),
        query=request.query_string,
    )


# --- next steps ------------------------------------------------------------------------------


def _next_steps(request: web.Request) -> NextSteps:
    services = request.app[SERVICES]
    return NextSteps(services.profiles, services.bookings, services.dealership.name, CustomerMail(services))


async def next_steps_queue(request: web.Request) -> web.Response:
    queue = await asyncio.to_thread(_next_steps(request).queue, _today(request))
    return render(request, "next_steps.html", suggestions=queue, show_customer=True, back="/staff/next-steps")


async def decide_next_step(request: web.Request) -> web.Response:
    customer_id = id_in_path(request, "customer_id")
    form = await request.post()
    back = str(form.get("back", ""))
    back = back if back in ("/staff/next-steps", f"/staff/customers/{customer_id}") else "/staff/next-steps"
    try:
        outcome = await asyncio.to_thread(
            _next_steps(request).decide,
            customer_id,
            str(form.get("key", "")),
            str(form.get("decision", "")),
            request[STAFF],
            _today(request),
        )
    except NextStepProblem as problem:
        raise web.HTTPSeeOther(f"{back}?notice={quote('Not done: ' + str(problem))}") from None
    raise web.HTTPSeeOther(f"{back}?notice={quote(outcome)}")


async def home(request: web.Request) -> web.Response:
    raise web.HTTPSeeOther("/staff/customers")


def _today(request: web.Request) -> date:
    return request.app[SERVICES].now().date()


def add_routes(app: web.Application) -> None:
    app.router.add_get("/staff", home)
    app.router.add_get("/staff/login", login_page)
    app.router.add_post("/staff/login", login)
    app.router.add_post("/staff/logout", logout)
    app.router.add_get("/staff/customers", customers)
    app.router.add_get("/staff/customers/{customer_id}", customer)
    app.router.add_post("/staff/customers/{customer_id}/phone", fix_phone)
    app.router.add_post("/staff/customers/{customer_id}/household", add_household_member)
    app.router.add_post("/staff/customers/{customer_id}/booking-messages", set_booking_messages)
    app.router.add_post("/staff/customers/{customer_id}/next-steps", decide_next_step)
    app.router.add_post("/staff/customers/{customer_id}/rewards/{code}/redeem", redeem_reward)
    app.router.add_post("/staff/bookings/{code}/attendance", mark_attendance)
    app.router.add_get("/staff/handoffs", handoff_inbox)
    app.router.add_get("/staff/handoffs/{handoff_id}", handoff_page)
    app.router.add_post("/staff/handoffs/{handoff_id}/{action:take|reply|close}", handoff_action)
    app.router.add_get("/staff/next-steps", next_steps_queue)
    app.router.add_get("/staff/dashboard", dashboard_page)
    app.router.add_get("/staff/attribution", attribution_page)
