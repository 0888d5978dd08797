"""Website page views over real HTTP (aiohttp's test server) on SQLite and PostgreSQL: recorded on
the chat's profile without query strings, refused for GPC/DNT, when off, for bad input and beyond
the rate limit; shown on the timeline; suggesting a model's clinic. (In Chromium:
tests/test_e2e_page_views.py.)"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.profile import EngagementRecord
from bot.profile.models import Customer, EngagementEvent, utcnow
from bot.profile.visits import MAX_PATH, MAX_TITLE, BadPageView, page_view_from
from bot.reports.next_steps import NextSteps, mentions_model
from bot.services import Services
from bot.web import create_app
from bot.web.visits import VIEWS_PER_VISITOR, WINDOW
from tests.console_client import log_in
from tests.dealer import TZ, services_on
from tests.staff import AUTH, STAFF_TOKEN

SITE = "https://www.lakeside.example"
VISITOR = "0f" * 16  # what the widget generates: 32 hex digits


async def serve(services: Services) -> TestClient:
    app = create_app(services, staff_token=STAFF_TOKEN, rasa_url="http://127.0.0.1:9")
    return TestClient(TestServer(app, host="127.0.0.1"))


@pytest.fixture
async def site(services, monkeypatch) -> AsyncIterator[TestClient]:
    """The web app with page views turned on and the dealer's site allowed."""
    monkeypatch.setenv("TRACK_PAGE_VIEWS", "1")
    monkeypatch.setenv("ALLOWED_ORIGINS", SITE)
    async with await serve(services) as client:
        yield client


async def view(client: TestClient, body: object, **headers: str):
    raw = body if isinstance(body, bytes) else json.dumps(body)
    return await client.post("/widget/page-views", data=raw, headers={"Origin": SITE, **headers})


def stored(services: Services) -> list[EngagementEvent]:
    with services.sessions() as session:
        return list(session.scalars(select(EngagementEvent).order_by(EngagementEvent.id)))


def customers(services: Services) -> int:
    with services.sessions() as session:
        return session.scalar(select(func.count()).select_from(Customer))


async def test_a_page_view_lands_on_the_chats_profile_without_its_query(site, services):
    chatting = services.profiles.customer_for_sender("socketio", VISITOR)
    response = await view(
        site,
        {
            "session_id": VISITOR,
            "path": "/vehicles/ion?utm_source=mail&email=a@b.example#specs",
            "title": "  Corvane Ion\n  | Lakeside ",
            "query": "utm_source=mail",
        },
    )
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == SITE

    profile = await (await site.get(f"/api/customers/{chatting}", headers=AUTH)).json()
    [page] = [e for e in profile["engagement"] if e["action"] == "page_view"]
    assert (page["channel"], page["direction"], page["sender_id"]) == ("web", "in", VISITOR)
    assert (page["text"], page["data"]) == ("/vehicles/ion", {"title": "Corvane Ion | Lakeside"})
    everything = json.dumps([(e.text, e.data) for e in stored(services)])
    assert "utm" not in everything and "a@b.example" not in everything and "specs" not in everything
    assert (await site.get(f"/api/customers/{chatting}")).status == 401  # the timeline needs the token


async def test_a_visitor_who_chats_later_keeps_their_page_views(site, services):
    assert (await view(site, {"session_id": VISITOR, "path": "/service", "title": "Service"})).status == 204
    services.profiles.record_engagement(
        [EngagementRecord(VISITOR, "socketio", utcnow() + timedelta(seconds=1), "in", text="hi")]
    )
    [found] = await (await site.get(f"/api/customers?sender_id={VISITOR}", headers=AUTH)).json()
    profile = await (await site.get(f"/api/customers/{found['id']}", headers=AUTH)).json()
    assert [(e["channel"], e["text"]) for e in profile["engagement"]] == [
        ("web", "/service"),
        ("socketio", "hi"),
    ]
    assert customers(services) == 1


@pytest.mark.parametrize("headers", [{"Sec-GPC": "1"}, {"DNT": "1"}, {"Sec-GPC": "1", "DNT": "0"}])
async def test_a_browser_that_asks_not_to_be_tracked_is_not(site, services, headers):
    response = await view(site, {"session_id": VISITOR, "path": "/ion", "title": "Ion"}, **headers)
    assert response.status == 403
    assert "asks not to be tracked" in (await response.json())["error"]
    settings_ = await (await site.get("/widget/settings", headers={"Origin": SITE, **headers})).json()
    assert settings_ == {"page_views": False}
    assert stored(services) == [] and customers(services) == 0


async def test_nothing_is_recorded_unless_the_dealer_turns_page_views_on(services, monkeypatch):
    monkeypatch.delenv("TRACK_PAGE_VIEWS", raising=False)
    monkeypatch.setenv("ALLOWED_ORIGINS", SITE)
    async with await serve(services) as client:
        answer = await client.get("/widget/settings", headers={"Origin": SITE})
        assert await answer.json() == {"page_views": False}
        assert answer.headers["Access-Control-Allow-Origin"] == SITE
        response = await view(client, {"session_id": VISITOR, "path": "/ion", "title": "Ion"})
        assert response.status == 403 and "TRACK_PAGE_VIEWS" in (await response.json())["error"]
    assert stored(services) == [] and customers(services) == 0


async def test_the_settings_say_on_when_on(site):
    answer = await site.get("/widget/settings", headers={"Origin": SITE})
    assert await answer.json() == {"page_views": True}
    assert "Sec-GPC" in answer.headers["Vary"] and "Origin" in answer.headers["Vary"]
    foreign = await site.get("/widget/settings", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in foreign.headers


GOOD = {"session_id": VISITOR, "path": "/ion", "title": "Ion"}
BAD = [
    (b"not json", 400, "send JSON like"),
    (b"", 400, "send JSON like"),
    (b"\xff\xfe\x00", 400, "send JSON like"),
    (json.dumps(["/ion"]).encode(), 400, "send a JSON object"),
    ({"path": "/ion"}, 400, "session_id must be"),
    ({**GOOD, "session_id": "+15550100123"}, 400, "session_id must be"),
    ({**GOOD, "session_id": "short"}, 400, "session_id must be"),
    ({**GOOD, "session_id": 12345678901234567890}, 400, "session_id must be"),
    ({**GOOD, "path": "ion"}, 400, 'starting with "/"'),
    ({**GOOD, "path": "https://www.lakeside.example/ion"}, 400, 'starting with "/"'),
    ({**GOOD, "path": None}, 400, 'starting with "/"'),
    ({**GOOD, "path": "/" + "a" * MAX_PATH}, 400, "path is too long (501 characters; at most 500)"),
    ({**GOOD, "path": "/new cars"}, 400, "must not contain spaces"),
    ({**GOOD, "path": "/ion\x00"}, 400, "must not contain spaces"),
    ({**GOOD, "title": ["Ion"]}, 400, "title must be a string"),
    ({**GOOD, "title": "x" * (MAX_TITLE + 1)}, 400, "title is too long (201 characters; at most 200)"),
    ({**GOOD, "title": "Ion\x00"}, 400, "control characters"),
    (b'{"session_id": "' + VISITOR.encode() + b'", "path": "/ion", "title": "\\ud800"}', 400, "broken"),
    (json.dumps({**GOOD, "title": "x" * 5000}).encode(), 413, "at most 4096 bytes"),
]


@pytest.mark.parametrize(("body", "status", "reason"), BAD)
async def test_bad_input_gets_a_clear_error_and_records_nothing(site, services, body, status, reason):
    response = await view(site, body)
    assert response.status == status
    assert reason in (await response.json())["error"]
    assert stored(services) == [] and customers(services) == 0
    assert (await view(site, GOOD)).status == 204  # and the next good one is recorded as usual
    assert [e.text for e in stored(services)] == ["/ion"]


async def test_a_site_not_in_allowed_origins_cannot_record(site, services):
    response = await view(site, GOOD, Origin="https://evil.example")
    assert response.status == 403 and "ALLOWED_ORIGINS" in (await response.json())["error"]
    assert "Access-Control-Allow-Origin" not in response.headers
    assert stored(services) == []


async def test_each_visitor_is_rate_limited_on_their_own(database_url, monkeypatch):
    now = [datetime(2026, 12, 1, 10, tzinfo=TZ)]
    services = services_on(database_url, clock=lambda: now[0])
    monkeypatch.setenv("TRACK_PAGE_VIEWS", "1")
    monkeypatch.setenv("ALLOWED_ORIGINS", SITE)
    async with await serve(services) as client:
        for n in range(VIEWS_PER_VISITOR):
            assert (await view(client, {**GOOD, "path": f"/page-{n}"})).status == 204
        refused = await view(client, {**GOOD, "path": "/one-too-many"})
        assert refused.status == 429 and refused.headers["Retry-After"] == str(int(WINDOW.total_seconds()))
        assert "more than 30 page views from this visitor in 10 minutes" in (await refused.json())["error"]
        assert (await view(client, {**GOOD, "session_id": "1a" * 16})).status == 204  # someone else
        now[0] += WINDOW
        assert (await view(client, {**GOOD, "path": "/later"})).status == 204
    paths = [e.text for e in stored(services) if e.sender_id == VISITOR]
    assert len(paths) == VIEWS_PER_VISITOR + 1 and "/one-too-many" not in paths


# Whatever a client sends, a recorded path is a path: no query, no fragment, no spaces, bounded.
PATHS = st.one_of(
    st.text(max_size=600),
    st.from_regex(r"/[a-z0-9/_.%-]{0,40}(\?[a-z0-9=&%]{0,30})?(#[a-z0-9]{0,10})?", fullmatch=True),
)


@settings(max_examples=200, deadline=None)
@given(path=PATHS, title=st.one_of(st.text(max_size=250), st.none(), st.integers()))
def test_a_recorded_path_never_carries_a_query_or_fragment(path, title):
    body = {"session_id": VISITOR, "path": path, **({} if title is None else {"title": title})}
    try:
        page = page_view_from(body)
    except BadPageView as problem:
        assert str(problem)
        return
    assert page.path == path.split("?")[0].split("#")[0]
    assert page.path.startswith("/") and len(page.path) <= MAX_PATH
    assert not any(ch in page.path for ch in "?# \t\n")
    sent = "" if title is None else title  # no title is an empty one
    assert isinstance(sent, str) and page.title == " ".join(sent.split()) and len(page.title) <= MAX_TITLE


@pytest.mark.parametrize(
    ("path", "model", "named"),
    [
        ("/ion", "Ion", True),
        ("/vehicles/ion", "Ion", True),
        ("/Vehicles/ION/charging", "Ion", True),
        ("/vehicles/ion-2026.html", "Ion", True),
        ("/v/%69on", "Ion", True),
        ("/promotions", "Ion", False),
        ("/ionic", "Ion", False),
        ("/vehicles/tessa", "Ion", False),
        ("/forge-trail/specs", "Forge Trail", True),
        ("/forge/specs", "Forge Trail", False),
    ],
)
def test_a_path_names_a_model_as_a_word_of_its_own(path, model, named):
    assert mentions_model(path, model) is named


ION_PAGES = ["/vehicles/ion", "/ion/charging"]
OTHER_PAGES = ["/vehicles/tessa", "/promotions"]
TODAY = date(2026, 12, 1)


def next_steps(services: Services) -> NextSteps:
    return NextSteps(services.profiles, services.bookings, services.dealership.name)


async def test_two_views_of_a_models_pages_suggest_its_clinic(services):
    """Every sequence of up to three page views: EV 101 exactly when two or more name the Ion."""
    steps = next_steps(services)
    expected: dict[int, bool] = {}
    for n, visits in enumerate(
        v for size in range(4) for v in itertools.product(ION_PAGES + OTHER_PAGES, repeat=size)
    ):
        visitor = f"visitor-{n:04d}-generated"
        customer = services.profiles.customer_for_sender("socketio", visitor)
        for path in visits:
            services.profiles.record_page_view(
                page_view_from({"session_id": visitor, "path": path, "title": path}), services.now()
            )
        expected[customer] = sum(path in ION_PAGES for path in visits) >= 2
    assert len(expected) == 1 + 4 + 16 + 64
    for customer, wanted in expected.items():
        found = {s["key"]: s for s in steps.for_customer(customer, TODAY)}
        assert ("clinic:ev-101" in found) is wanted, customer
        if wanted:
            assert "viewed Ion pages" in found["clinic:ev-101"]["reason"]
            assert "Looking at the Ion?" in found["clinic:ev-101"]["message"]
    queued = {s["customer_id"] for s in steps.queue(TODAY) if s["key"] == "clinic:ev-101"}
    assert queued == {c for c, wanted in expected.items() if wanted}


async def test_no_clinic_suggested_once_booked_attended_or_dismissed(services):
    steps = next_steps(services)
    now = services.now()
    sessions = services.bookings.clinic_overview(now, now + timedelta(days=70))
    ev_101 = next(s for s in sessions if s["clinic"] == "ev-101")
    for n, outcome in enumerate(("confirmed", "attended", "dismissed")):
        visitor = f"visitor-{n:04d}-booked"
        customer = services.profiles.customer_for_sender("socketio", visitor)
        for _ in range(2):
            services.profiles.record_page_view(
                page_view_from({"session_id": visitor, "path": "/vehicles/ion"}), services.now()
            )
        assert "clinic:ev-101" in {s["key"] for s in steps.for_customer(customer, TODAY)}
        if outcome == "dismissed":
            steps.decide(customer, "clinic:ev-101", "dismiss", "Sam Staff", TODAY)
        else:
            booking = services.bookings.book_clinic(customer, ev_101["id"], 1, [{"name": "Ana"}], now)
            assert booking.ok, booking.reason
            if outcome == "attended":
                assert services.bookings.mark_attendance(booking.code, "attended")
        assert "clinic:ev-101" not in {s["key"] for s in steps.for_customer(customer, TODAY)}, outcome


async def test_the_timeline_and_a_handoff_show_page_views_and_counts_leave_them_out(site, services):
    customer = services.profiles.customer_for_sender("socketio", VISITOR)
    services.profiles.record_engagement(
        [EngagementRecord(VISITOR, "socketio", utcnow() - timedelta(minutes=1), "in", text="hi")]
    )
    for path, title in (("/vehicles/ion?x=1", "Corvane <Ion>"), ("/service", "")):
        assert (await view(site, {"session_id": VISITOR, "path": path, "title": title})).status == 204
    services.profiles.open_handoff(customer, VISITOR, "socketio", "asked", "a person please")

    staff = await log_in(site, STAFF_TOKEN)
    status, html = await staff.page(f"/staff/customers/{customer}")
    assert status == 200
    assert "viewed page</span> Corvane &lt;Ion&gt; <code>/vehicles/ion</code>" in html
    assert "viewed page</span> <code>/service</code>" in html and "x=1" not in html
    [handoff] = await (await site.get("/api/handoffs", headers=AUTH)).json()
    status, html = await staff.page(f"/staff/handoffs/{handoff['id']}")
    assert status == 200 and "<code>/vehicles/ion</code>" in html

    today = datetime.now(TZ).date()
    window = f"from={today - timedelta(days=1)}&to={today + timedelta(days=1)}"
    data = await (await site.get(f"/api/reports/dashboard?{window}", headers=AUTH)).json()
    assert {c: sum(n) for c, n in data["messages_by_channel"].items()} == {"socketio": 1}
