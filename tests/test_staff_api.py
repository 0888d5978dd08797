"""The staff API over real HTTP (aiohttp's test server) on real databases."""

from datetime import datetime, timedelta

import pytest

from bot.profile import ContactDetails
from tests.dealer import TZ
from tests.staff import AUTH
from tests.staff import STAFF_TOKEN as TOKEN


@pytest.fixture
def jane(store) -> int:
    customer = store.customer_for_sender("rest", "jane-chat")
    store.record_contact_details(
        customer,
        ContactDetails(name="Jane", phone="+15550100123", email="jane@example.com", sms_consent=True),
    )
    return customer


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": "Basic dGVzdA=="}],
)
@pytest.mark.parametrize(
    "path",
    [
        "/api/customers?phone=5550100123",
        "/api/customers/1",
        "/api/bookings",
        "/api/clinics",
        "/api/knowledge/gaps",
    ],
)
async def test_every_staff_route_needs_the_token(staff_api, jane, headers, path):
    response = await staff_api.get(path, headers=headers)
    assert response.status == 401
    body = await response.json()
    assert "Jane" not in str(body) and "staff token" in body["error"]


@pytest.mark.parametrize(
    "query",
    ["phone=%2B15550100123", "phone=(555) 010-0123", "email=JANE@example.com", "sender_id=jane-chat"],
)
async def test_customers_are_found_by_phone_email_or_sender(staff_api, jane, query):
    response = await staff_api.get(f"/api/customers?{query}", headers=AUTH)
    assert response.status == 200
    [customer] = await response.json()
    assert customer["id"] == jane
    assert customer["contacts"][0]["phones"][0]["e164"] == "+15550100123"


async def test_the_whole_profile_is_returned(staff_api, jane):
    response = await staff_api.get(f"/api/customers/{jane}", headers=AUTH)
    profile = await response.json()
    assert response.status == 200
    assert set(profile) >= {"id", "contacts", "household", "vehicles", "handoffs", "channels", "engagement"}
    assert profile["contacts"][0]["phones"][0]["sms_consent"] is True


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/api/customers", 400, "give one of"),
        ("/api/customers?phone=12", 400, "wrong number of digits"),
        ("/api/customers?email=nope", 400, "email address"),
        ("/api/customers/abc", 400, "must be a number"),
        ("/api/customers/99999999999999999999999", 400, "must be a number"),
        ("/api/customers/424242", 404, "no such customer"),
        ("/api/bookings?from=2026-13-01", 400, "dates like 2026-12-01"),
        ("/api/reports/attribution?to=9999-10-03", 400, "between 2000 and 2099"),
        ("/api/clinics?from=0001-01-01", 400, "between 2000 and 2099"),
    ],
)
async def test_bad_queries_get_clear_errors(staff_api, path, status, message):
    response = await staff_api.get(path, headers=AUTH)
    assert response.status == status
    assert message in (await response.json())["error"]


async def test_unknown_phone_finds_nobody(staff_api):
    response = await staff_api.get("/api/customers?phone=5550109999", headers=AUTH)
    assert response.status == 200 and await response.json() == []


async def test_health_reports_a_missing_model_as_degraded(staff_api):
    response = await staff_api.get("/healthz")
    body = await response.json()
    assert response.status == 503
    assert body["database"] is True and body["model_loaded"] is False


async def test_knowledge_gaps_list_unanswered_questions_newest_first(staff_api, store, jane):
    store.record_knowledge_gap(jane, "jane-chat", "what's the cargo volume of the brio", "unknown")
    store.record_knowledge_gap(jane, "jane-chat", "the key thing", "clarify")
    response = await staff_api.get("/api/knowledge/gaps", headers=AUTH)
    gaps = await response.json()
    assert [(g["text"], g["outcome"]) for g in gaps] == [
        ("the key thing", "clarify"),
        ("what's the cargo volume of the brio", "unknown"),
    ]
    assert (await staff_api.get("/api/knowledge/gaps?limit=0", headers=AUTH)).status == 400
    assert (await staff_api.get("/api/knowledge/gaps")).status == 401


async def test_interests_count_feature_questions_on_the_profile(staff_api, store, jane):
    for topic in ("head-up-display", "remote-start", "head-up-display"):
        store.record_interest(jane, topic)
    profile = await (await staff_api.get(f"/api/customers/{jane}", headers=AUTH)).json()
    assert [(i["topic"], i["count"]) for i in profile["interests"]] == [
        ("head-up-display", 2),
        ("remote-start", 1),
    ]


async def test_bookings_and_clinics_for_a_date_range_and_attendance(staff_api, bookings, jane):
    now = datetime.now(TZ)
    session = bookings.clinic_sessions("new-owner-tech", now)[0]
    clinic = bookings.book_clinic(jane, session.id, 2, [{"name": "Jane"}, {"name": "Sam"}], now)
    start = bookings.free_service_starts(45, now + timedelta(days=1))[0]
    service = bookings.book_service(
        jane, start, ["oil-change"], {"model": "Lumen", "year": 2023}, "shuttle", now
    )
    window = f"from={now.date()}&to={(now + timedelta(days=15)).date()}"

    listed = await (await staff_api.get(f"/api/bookings?{window}", headers=AUTH)).json()
    assert {b["code"] for b in listed} == {clinic.code, service.code}
    by_code = {b["code"]: b for b in listed}
    assert by_code[clinic.code]["clinic"] == "new-owner-tech" and len(by_code[clinic.code]["attendees"]) == 2
    assert (
        by_code[service.code]["services"] == ["oil-change"]
        and by_code[service.code]["vehicle"]["model"] == "Lumen"
    )
    assert set(by_code[service.code]) >= {"code", "kind", "start", "end", "status", "customer_id", "vehicle"}
    only_service = await (await staff_api.get(f"/api/bookings?{window}&kind=service", headers=AUTH)).json()
    assert [b["code"] for b in only_service] == [service.code]

    clinics = await (await staff_api.get(f"/api/clinics?{window}", headers=AUTH)).json()
    row = next(c for c in clinics if c["id"] == session.id)
    assert (row["capacity"], row["booked"], row["waitlist"]) == (8, 2, 0)

    marked = await staff_api.post(
        f"/api/bookings/{clinic.code}/attendance", json={"attendance": "attended"}, headers=AUTH
    )
    assert marked.status == 200
    listed = await (await staff_api.get(f"/api/bookings?{window}", headers=AUTH)).json()
    assert {b["code"]: b["status"] for b in listed}[clinic.code] == "attended"


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("get", "/api/bookings?from=yesterday", None, 400),
        ("get", "/api/bookings?from=2026-02-30", None, 400),
        ("get", "/api/bookings?from=2026-12-01&to=2026-11-01", None, 400),
        ("get", "/api/bookings?kind=party", None, 400),
        ("post", "/api/bookings/NOPE99/attendance", {"attendance": "attended"}, 404),
        ("post", "/api/bookings/NOPE99/attendance", {"attendance": "maybe"}, 400),
        ("post", "/api/bookings/NOPE99/attendance", "not json", 400),
    ],
)
async def test_bad_booking_queries_get_clear_errors(staff_api, method, path, body, status):
    kwargs = {"headers": AUTH}
    if isinstance(body, dict):
        kwargs["json"] = body
    elif body is not None:
        kwargs["data"] = body
    response = await getattr(staff_api, method)(path, **kwargs)
    assert response.status == status
    assert (await response.json())["error"]
