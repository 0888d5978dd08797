"""The staff console and the report API over real HTTP (aiohttp's test server) on real databases,
seeded through the real stores."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.channels.sms.models import OutboxMessage
from bot.console import session
from bot.profile import ContactDetails, EngagementRecord, VehicleDetails
from bot.profile.models import EngagementEvent, Phone, SuggestionDecision
from bot.reports import suggest
from tests.console_client import COOKIE, log_in
from tests.dealer import SHOP, TZ
from tests.staff import AUTH
from tests.staff import STAFF_TOKEN as TOKEN


@pytest.fixture
def jane(store) -> int:
    """A household with a teen, an Ion, feature questions, a conversation and a handoff."""
    customer = store.customer_for_sender("rest", "jane-chat")
    store.record_contact_details(
        customer,
        ContactDetails(name="Jane Doe", phone="+15550100123", email="jane@example.com", sms_consent=True),
    )
    store.add_household_member(customer, "Maya", "daughter", date.today().year - 16)
    store.add_vehicle(
        customer, VehicleDetails("Ion", "Long Range", 2024, vin="1CV0ION2024000017", mileage=12000)
    )
    for topic in ("regen-braking", "remote-start", "regen-braking"):
        store.record_interest(customer, topic)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    store.record_engagement(
        [
            EngagementRecord(
                "jane-chat", "rest", now - timedelta(minutes=2), "in", text="how does one-pedal work?"
            ),
            EngagementRecord(
                "jane-chat",
                "rest",
                now - timedelta(minutes=1),
                "out",
                text="Lift off to slow.",
                topic="regen-braking",
            ),
            EngagementRecord("jane-chat", "rest", now, "in", text="can I talk to a person"),
        ]
    )
    store.open_handoff(customer, "jane-chat", "rest", "asked", "can I talk to a person")
    return customer


STAFF_GETS = [
    "/staff",
    "/staff/customers?q=jane",
    "/staff/customers/1",
    "/staff/handoffs",
    "/staff/handoffs/1",
    "/staff/dashboard",
    "/staff/next-steps",
    "/staff/attribution",
]
STAFF_POSTS = [
    "/staff/logout",
    "/staff/customers/1/phone",
    "/staff/customers/1/household",
    "/staff/customers/1/booking-messages",
    "/staff/customers/1/next-steps",
    "/staff/bookings/ABC123/attendance",
    "/staff/handoffs/1/take",
    "/staff/handoffs/1/reply",
    "/staff/handoffs/1/close",
]
API_GETS = [
    "/api/reports/dashboard",
    "/api/reports/attribution",
    "/api/reports/revenue-model",
    "/api/reports/quality",
    "/api/reports/next-steps",
    "/api/reports/customers.csv",
    "/api/reports/engagement.csv",
    "/api/customers/1/next-steps",
    "/api/customers/1/adf.xml",
    "/api/handoffs",
    "/api/handoffs/1/adf.xml",
]


@pytest.mark.parametrize("path", STAFF_GETS)
async def test_console_pages_send_strangers_to_the_login(staff_api, jane, path):
    response = await staff_api.get(path, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"].startswith("/staff/login?next=")
    assert "Jane" not in await response.text()


@pytest.mark.parametrize("path", STAFF_POSTS)
async def test_console_actions_need_a_session_and_the_form_token(staff_api, store, jane, path):
    response = await staff_api.post(path, data={"text": "hi", "name": "X"}, allow_redirects=False)
    assert response.status == 401 and "Jane" not in await response.text()
    staff = await log_in(staff_api, TOKEN)
    forged = await staff_api.post(path, data={"text": "hi", "csrf": "nope"}, headers=staff.headers)
    assert forged.status == 403
    assert store.audit_trail(jane) == [] and store.open_handoffs()[0]["taken_by"] is None


@pytest.mark.parametrize("path", API_GETS)
@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Cookie": f"{COOKIE}=forged.cookie"}]
)
async def test_report_routes_need_the_token_or_a_session(staff_api, jane, path, headers):
    response = await staff_api.get(path, headers=headers)
    assert response.status == 401
    body = await response.json()
    assert "staff token" in body["error"] and "Jane" not in str(body)


async def test_login_sets_a_secure_httponly_cookie_and_rejects_bad_logins(staff_api):
    wrong = await staff_api.post("/staff/login", data={"token": "nope", "name": "Sam"}, allow_redirects=False)
    assert wrong.status == 401 and "not right" in await wrong.text() and COOKIE not in wrong.cookies
    nameless = await staff_api.post("/staff/login", data={"token": TOKEN, "name": " "}, allow_redirects=False)
    assert nameless.status == 401 and "Enter your name" in await nameless.text()
    away = await staff_api.post(
        "/staff/login", data={"token": TOKEN, "name": "Sam", "next": "//evil.example/"}, allow_redirects=False
    )
    assert away.status == 303 and away.headers["Location"] == "/staff/customers"
    cookie = away.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Strict" in cookie
    assert TOKEN not in cookie


def test_sessions_expire_and_die_with_a_new_token():
    cookie = session.issue(TOKEN, "Sam", now=1000)
    assert session.verify(TOKEN, cookie, now=1000 + 60) == "Sam"
    assert session.verify(TOKEN, cookie, now=1000 + session.MAX_AGE_SECONDS + 1) is None
    assert session.verify("rotated-token", cookie, now=1000) is None
    assert (
        session.verify(TOKEN, cookie.replace(cookie[5], "x" if cookie[5] != "x" else "y"), now=1000) is None
    )


async def test_a_console_session_can_read_the_api_but_not_change_it(staff_api, jane):
    staff = await log_in(staff_api, TOKEN)
    assert (await staff_api.get(f"/api/customers/{jane}", headers=staff.headers)).status == 200
    changed = await staff_api.post(
        "/api/bookings/ABC123/attendance", json={"attendance": "attended"}, headers=staff.headers
    )
    assert changed.status == 401


@pytest.mark.parametrize(
    "query", ["jane", "DOE", "maya", "(555) 010-0123", "0100123", "JANE@EXAMPLE", "1cv0ion2024"]
)
async def test_search_by_name_household_phone_email_or_vin(staff_api, jane, query):
    staff = await log_in(staff_api, TOKEN)
    status, html = await staff.page(f"/staff/customers?q={query}")
    assert status == 200 and f'href="/staff/customers/{jane}"' in html


async def test_search_treats_wildcards_literally(staff_api, jane):
    staff = await log_in(staff_api, TOKEN)
    for query in ("%", "_", "nobody"):
        _, html = await staff.page(f"/staff/customers?q={query}")
        assert "0 found" in html


async def test_the_profile_page_shows_the_whole_household_and_timeline(staff_api, jane):
    staff = await log_in(staff_api, TOKEN)
    status, html = await staff.page(f"/staff/customers/{jane}")
    assert status == 200
    for shown in (
        "+15550100123",
        "jane@example.com",
        "Maya",
        "1CV0ION2024000017",
        "12,000",
        "regen-braking",
        "how does one-pedal work?",
        "Lift off to slow.",
        "Teen Driver Safety Clinic",
        "EV 101",
        "100/100",
    ):
        assert shown in html, shown
    assert re.search(r"<td>Maya</td><td>daughter</td><td>\d{4}</td><td>16</td>", html)
    assert (
        "Content-Security-Policy"
        in (await staff_api.get(f"/staff/customers/{jane}", headers=staff.headers)).headers
    )


async def test_the_profile_page_shows_the_message_that_opted_a_number_out(staff_api, store, jane):
    store.opt_out("+15550100123", "web:message", "please stop texting me <b>now</b>")
    staff = await log_in(staff_api, TOKEN)
    _, html = await staff.page(f"/staff/customers/{jane}")
    assert "opted out" in html and "(web:message)" in html
    assert "please stop texting me &lt;b&gt;now&lt;/b&gt;" in html


async def test_customer_text_is_escaped(staff_api, store):
    customer = store.customer_for_sender("rest", "mallory")
    store.record_engagement(
        [EngagementRecord("mallory", "rest", datetime(2026, 1, 1), "in", text="<script>alert(1)</script>")]
    )
    staff = await log_in(staff_api, TOKEN)
    _, html = await staff.page(f"/staff/customers/{customer}")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


async def test_staff_edits_are_audited_and_bad_ones_change_nothing(staff_api, store, bookings, jane):
    staff = await log_in(staff_api, TOKEN, "Sam Staff")
    page = f"/staff/customers/{jane}"
    bad = await staff.post(f"{page}/phone", {"old": "+15550100123", "new": "12"}, page)
    assert bad.status == 400 and "wrong number of digits" in await bad.text()
    fixed = await staff.post(f"{page}/phone", {"old": "+15550100123", "new": "555-010-0199"}, page)
    assert fixed.status == 303
    added = await staff.post(
        f"{page}/household", {"name": "Leo", "relation": "son", "birth_year": "2015"}, page
    )
    assert added.status == 303
    bad_year = await staff.post(f"{page}/household", {"name": "Ann", "birth_year": "1700"}, page)
    assert bad_year.status == 400 and "birth year" in await bad_year.text()

    now = datetime.now(TZ)
    clinic_session = bookings.clinic_sessions("new-owner-tech", now)[0]
    code = bookings.book_clinic(jane, clinic_session.id, 1, [{"name": "Jane"}], now).code
    marked = await staff.post(
        f"/staff/bookings/{code}/attendance", {"attendance": "attended", "customer_id": str(jane)}, page
    )
    assert marked.status == 303

    profile = store.profile(jane)
    assert [p["e164"] for c in profile["contacts"] for p in c["phones"]] == ["+15550100199"]
    assert {m["name"] for m in profile["household"]} == {"Maya", "Leo"}
    trail = store.audit_trail(jane)
    assert [(a["staff"], a["action"]) for a in trail] == [
        ("Sam Staff", "attendance"),
        ("Sam Staff", "household_added"),
        ("Sam Staff", "phone_fixed"),
    ]
    assert trail[2]["detail"] == {"from": "+15550100123", "to": "+15550100199"}
    assert trail[0]["detail"] == {"booking": code, "status": "attended"}


async def test_handoff_inbox_shows_the_conversation_and_says_when_rasa_is_away(staff_api, store, jane):
    staff = await log_in(staff_api, TOKEN)
    _, inbox = await staff.page("/staff/handoffs")
    [handoff] = store.open_handoffs()
    assert f'href="/staff/handoffs/{handoff["id"]}"' in inbox
    _, page = await staff.page(f"/staff/handoffs/{handoff['id']}")
    assert "how does one-pedal work?" in page and "Lift off to slow." in page
    empty = await staff.post(
        f"/staff/handoffs/{handoff['id']}/reply", {"text": "  "}, f"/staff/handoffs/{handoff['id']}"
    )
    assert empty.status == 400 and "Write a reply" in await empty.text()
    reply = await staff.post(
        f"/staff/handoffs/{handoff['id']}/reply", {"text": "Hi Jane"}, f"/staff/handoffs/{handoff['id']}"
    )
    assert reply.status == 502 and "Nothing was sent" in await reply.text()
    assert store.open_handoffs()[0]["taken_by"] is None  # nothing half-done
    api = await (await staff_api.get("/api/handoffs", headers=AUTH)).json()
    assert [h["sender_id"] for h in api] == ["jane-chat"]


def test_next_step_rules_with_reasons_and_suppression(store, bookings, jane):
    profile = store.profile(jane)
    schedule = bookings.schedule
    july, december = date(2026, 7, 1), date(2026, 12, 1)
    profile["household"][0]["birth_year"] = 2010  # 16 in 2026
    found = {s.key: s for s in suggest(profile, [], july, schedule, "Lakeside")}
    vehicle_id = profile["vehicles"][0]["id"]
    assert set(found) == {
        "clinic:teen-driver-safety",
        "clinic:ev-101",
        "clinic:new-owner-tech",
        f"service:{vehicle_id}:2",
    }
    assert "12,000 miles" in found[f"service:{vehicle_id}:2"].reason
    assert "3 feature questions" in found["clinic:new-owner-tech"].reason
    assert "Maya (16 this year)" in found["clinic:teen-driver-safety"].reason
    assert "Ion" in found["clinic:ev-101"].reason
    assert "clinic:winter-driving" not in found  # out of season in July
    assert "clinic:winter-driving" in {s.key for s in suggest(profile, [], december, schedule, "Lakeside")}
    booked = [
        {"kind": "clinic", "clinic": "ev-101", "status": "confirmed", "start": "2026-07-06T18:30:00-05:00"}
    ]
    assert "clinic:ev-101" not in {s.key for s in suggest(profile, booked, july, schedule, "Lakeside")}
    decided = frozenset({"clinic:teen-driver-safety"})
    assert "clinic:teen-driver-safety" not in {
        s.key for s in suggest(profile, [], july, schedule, "Lakeside", decided)
    }
    profile["contacts"][0]["phones"][0]["opted_out_at"] = "2026-06-01T00:00:00.000Z"
    assert suggest(profile, [], july, schedule, "Lakeside") == []


async def test_sending_a_suggestion_queues_an_sms_and_records_it_once(staff_api, store, jane):
    staff = await log_in(staff_api, TOKEN, "Sam Staff")
    page = f"/staff/customers/{jane}"
    sent = await staff.post(
        f"{page}/next-steps", {"key": "clinic:ev-101", "decision": "send", "back": page}, page
    )
    assert sent.status == 303 and "queued" in sent.headers["Location"]
    dismissed = await staff.post(
        f"{page}/next-steps", {"key": "clinic:teen-driver-safety", "decision": "dismiss", "back": page}, page
    )
    assert dismissed.status == 303
    again = await staff.post(
        f"{page}/next-steps", {"key": "clinic:ev-101", "decision": "send", "back": page}, page
    )
    assert (
        "no+longer+applies" in again.headers["Location"]
        or "no%20longer%20applies" in again.headers["Location"]
    )
    with store.sessions() as session:
        outbox = session.scalars(select(OutboxMessage)).all()
        decisions = session.scalars(select(SuggestionDecision).order_by(SuggestionDecision.id)).all()
        events = session.scalars(select(EngagementEvent).where(EngagementEvent.channel == "sms")).all()
    assert [(m.phone, m.kind) for m in outbox] == [("+15550100123", "suggestion")]
    assert "EV 101" in outbox[0].body and "STOP" in outbox[0].body
    assert [(d.key, d.outcome, d.staff) for d in decisions] == [
        ("clinic:ev-101", "sent", "Sam Staff"),
        ("clinic:teen-driver-safety", "dismissed", "Sam Staff"),
    ]
    assert [e.text for e in events] == [outbox[0].body]
    remaining = await (await staff_api.get(f"/api/customers/{jane}/next-steps", headers=AUTH)).json()
    assert not {"clinic:ev-101", "clinic:teen-driver-safety"} & {s["key"] for s in remaining}


async def test_no_sms_without_consent(staff_api, store, jane):
    with store.sessions.begin() as session:
        session.execute(Phone.__table__.update().values(sms_consent=False))
    staff = await log_in(staff_api, TOKEN)
    page = f"/staff/customers/{jane}"
    refused = await staff.post(
        f"{page}/next-steps", {"key": "clinic:ev-101", "decision": "send", "back": page}, page
    )
    assert "SMS+consent" in refused.headers["Location"] or "SMS%20consent" in refused.headers["Location"]
    with store.sessions() as session:
        assert session.scalars(select(OutboxMessage)).all() == []


async def test_dashboard_and_reports_json_and_charts(staff_api, store, bookings, jane):
    store.record_knowledge_gap(jane, "jane-chat", "what's the cargo volume of the brio", "unknown")
    now = datetime.now(TZ)
    start = bookings.free_service_starts(45, now + timedelta(days=1))[0]
    bookings.book_service(jane, start, ["oil-change"], {"model": "Ion"}, "wait", now)
    window = f"from={(now - timedelta(days=7)).date()}&to={(now + timedelta(days=1)).date()}"
    data = await (await staff_api.get(f"/api/reports/dashboard?{window}", headers=AUTH)).json()
    assert sum(data["messages_by_channel"]["rest"]) == 3
    assert sum(data["conversations_by_channel"]["rest"]) == 1
    assert data["questions"] == {"answered": 1, "unanswered": 1, "unclear": 0}
    assert data["top_topics"] == [{"topic": "regen-braking", "answers": 1}]
    assert data["unanswered_questions"][0]["text"] == "what's the cargo volume of the brio"
    assert data["service_bookings"] == 1 and data["opt_outs"] == 0
    assert (await staff_api.get("/api/reports/dashboard?from=2026-13-01", headers=AUTH)).status == 400

    staff = await log_in(staff_api, TOKEN)
    status, html = await staff.page(f"/staff/dashboard?{window}")
    assert status == 200 and html.count("<svg") >= 8 and "cargo volume of the brio" in html
    assert (await staff.page("/staff/dashboard?from=nope"))[0] == 400

    quality = await (await staff_api.get("/api/reports/quality", headers=AUTH)).json()
    assert quality["customers"] == 1 and quality["average"] == 100
    assert quality["by_customer"][0]["score"] == 100 and quality["by_customer"][0]["missing"] == []


async def test_record_quality_names_what_is_missing(staff_api, store):
    customer = store.customer_for_sender("rest", "sparse")
    store.record_contact_details(customer, ContactDetails(name="Sparse", phone="+15550100777"))
    store.add_vehicle(customer, VehicleDetails("Lumen"))
    quality = await (await staff_api.get("/api/reports/quality", headers=AUTH)).json()
    [row] = quality["by_customer"]
    assert row["score"] == 20
    assert [m["check"] for m in row["missing"]] == ["email", "household", "vehicles", "consent"]
    assert {m["check"]: m["customers"] for m in quality["missing"]}["consent"] == 1
    staff = await log_in(staff_api, TOKEN)
    _, html = await staff.page(f"/staff/customers/{customer}")
    assert "20/100" in html and "an email address" in html


async def test_attribution_counts_service_booked_after_engagement(staff_api, store, bookings, jane):
    now = datetime.now(TZ)
    start = bookings.free_service_starts(45, now + timedelta(days=1))[0]
    bookings.book_service(jane, start, ["oil-change", "tire-rotation"], {"model": "Ion"}, "wait", now)
    other = store.customer_for_sender("rest", "quiet-visitor")
    store.record_engagement(
        [
            EngagementRecord(
                "quiet-visitor",
                "rest",
                datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(hours=1),
                "in",
                text="hi",
            )
        ]
    )
    window = f"from={(now - timedelta(days=7)).date()}&to={(now + timedelta(days=1)).date()}"
    data = await (await staff_api.get(f"/api/reports/attribution?{window}", headers=AUTH)).json()
    rows = {r["engagement"]: r for r in data["rows"]}
    assert rows["feature_answer"]["customers"] == 1
    assert rows["feature_answer"]["booked_within_30_days"] == 1
    assert rows["feature_answer"]["estimated_revenue"] == 89 + 45
    assert rows["clinic_attended"]["customers"] == 0 and rows["clinic_attended"]["rate_90_days"] is None
    assert data["comparison"]["customers"] == 1 and data["comparison"]["booked_within_90_days"] == 0
    assert "association, not cause" in data["method"] and other
    staff = await log_in(staff_api, TOKEN)
    status, html = await staff.page(f"/staff/attribution?{window}")
    assert status == 200 and "<svg" in html and "association, not cause" in html and "134 USD" in html


async def test_csv_exports_are_formula_safe(staff_api, store, jane):
    store.record_engagement(
        [
            EngagementRecord(
                "jane-chat",
                "rest",
                datetime.now(timezone.utc).replace(tzinfo=None),
                "in",
                text="=HYPERLINK(1)",
            )
        ]
    )
    customers = await staff_api.get("/api/reports/customers.csv", headers=AUTH)
    assert customers.headers["Content-Type"].startswith("text/csv")
    [row] = list(csv.DictReader(io.StringIO(await customers.text())))
    assert (
        row["names"] == "Jane Doe" and row["quality_score"] == "100" and row["emails"] == "jane@example.com"
    )
    engagement = list(
        csv.DictReader(
            io.StringIO(await (await staff_api.get("/api/reports/engagement.csv", headers=AUTH)).text())
        )
    )
    assert len(engagement) == 4
    assert "'=HYPERLINK(1)" in {r["text"] for r in engagement}
    assert (await staff_api.get("/api/reports/engagement.csv?to=garbage", headers=AUTH)).status == 400


async def test_adf_leads_parse_back_with_the_required_elements(staff_api, store, bookings, jane):
    now = datetime.now(TZ)
    clinic_session = bookings.clinic_sessions("ev-101", now, days=40)[0]
    code = bookings.book_clinic(jane, clinic_session.id, 1, [{"name": "Jane"}], now).code
    [handoff] = store.open_handoffs()
    for path in (f"/api/customers/{jane}/adf.xml", f"/api/handoffs/{handoff['id']}/adf.xml"):
        response = await staff_api.get(path, headers=AUTH)
        assert response.status == 200 and response.content_type == "application/xml"
        text = await response.text()
        assert '<?adf version="1.0"?>' in text
        prospect = ET.fromstring(text).find("prospect")
        assert prospect is not None and prospect.findtext("requestdate")
        vehicle = prospect.find("vehicle")
        assert (vehicle.findtext("year"), vehicle.findtext("make"), vehicle.findtext("model")) == (
            "2024",
            "Corvane",
            "Ion",
        )
        assert vehicle.findtext("vin") == "1CV0ION2024000017"
        contact = prospect.find("customer/contact")
        assert contact.find("name[@part='first']").text == "Jane"
        assert contact.findtext("phone") == "+15550100123" and contact.findtext("email") == "jane@example.com"
        assert code in prospect.findtext("customer/comments")
        assert prospect.findtext("vendor/vendorname") == SHOP.name
        assert prospect.find("vendor/contact/name") is not None
    assert "can I talk to a person" in ET.fromstring(text).findtext("prospect/customer/comments")


async def test_adf_refuses_an_anonymous_visitor_clearly(staff_api, store):
    visitor = store.customer_for_sender("rest", "anon")
    response = await staff_api.get(f"/api/customers/{visitor}/adf.xml", headers=AUTH)
    assert response.status == 422 and "needs a contact" in (await response.json())["error"]
    assert (await staff_api.get("/api/customers/424242/adf.xml", headers=AUTH)).status == 404
    assert (await staff_api.get("/api/handoffs/abc/adf.xml", headers=AUTH)).status == 400
