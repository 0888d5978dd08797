"""Property-based tests: arbitrary text at every form validator and every staff API query parameter.

The validators are called directly (our own code, a real rasa_sdk Tracker and dispatcher, a real
SQLite database); the staff API through aiohttp's test server on real stores. Whatever comes in:
no crash, no 5xx, and nothing invalid is accepted (so never stored).
"""

from __future__ import annotations

import inspect
from datetime import datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from actions.booking_changes import ValidateBookingChangeForm
from actions.clinics import ValidateClinicForm
from actions.contact import ValidateContactForm
from actions.knowledge import ValidateVehicleForm
from actions.service import ValidateServiceForm
from bot import db
from bot.profile import normalise_email, normalise_phone, normalise_vin
from bot.profile.models import Customer
from bot.web import create_app
from tests.dealer import services_on
from tests.forms import tracker
from tests.replies import text_of

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# Arbitrary text, plus the shapes customers (and attackers) actually send.
TEXT = st.one_of(
    st.text(max_size=300),
    st.from_regex(r"\+?[0-9 ()\-.]{0,25}", fullmatch=True),
    st.from_regex(r"[a-z0-9.+]{0,12}@[a-z0-9.\-]{0,12}", fullmatch=True),
    st.sampled_from(["", " ", "skip", "no", "tomorrow at 3", "1", "the second one", "'; DROP TABLE x;--"]),
)


def _valid(normalise: Any) -> Any:
    def check(accepted: str) -> None:
        assert normalise(accepted) == accepted  # already in the one stored shape

    return check


def _check_vin(accepted: str) -> None:
    assert normalise_vin(accepted) == accepted


# (validator, slot, other slots the form would have by then, check of an accepted value or None)
VALIDATORS = [
    (ValidateContactForm, "customer_name", {}, None),
    (ValidateContactForm, "phone", {}, _valid(normalise_phone)),
    (ValidateContactForm, "email", {}, _valid(normalise_email)),
    (ValidateClinicForm, "clinic", {}, None),
    (ValidateClinicForm, "clinic_session", {"clinic": "teen-driver-safety"}, None),
    (ValidateClinicForm, "attendees", {"clinic": "teen-driver-safety"}, None),
    (ValidateClinicForm, "attendees_heard", {}, None),
    (
        ValidateClinicForm,
        "attendee_names",
        {"attendees": '[{"name": null, "relation": "child", "age": 15, "said_as": "son"}]'},
        None,
    ),
    (ValidateClinicForm, "clinic_confirm", {"clinic": "teen-driver-safety"}, None),
    (ValidateServiceForm, "service_items", {"service_vehicle": "2023 Lumen"}, None),
    (ValidateServiceForm, "service_vehicle", {"service_items": "oil-change"}, None),
    (ValidateServiceForm, "vin", {}, _check_vin),
    (ValidateServiceForm, "service_when", {"service_items": "oil-change"}, None),
    (ValidateServiceForm, "service_transport", {}, None),
    (ValidateServiceForm, "phone", {}, _valid(normalise_phone)),
    (ValidateServiceForm, "sms_consent", {"phone": "+13125550142"}, None),
    (ValidateServiceForm, "service_confirm", {"service_when": "2026-12-01T09:00:00-06:00"}, None),
    (ValidateBookingChangeForm, "booking_code", {}, None),
    (ValidateVehicleForm, "vehicle_description", {}, None),
]
REASKED = {
    "phone",
    "email",
    "vin",
    "service_vehicle",
    "vehicle_description",
    "service_transport",
    "attendees",
    "attendee_names",
}


def test_every_validator_is_covered() -> None:
    """A new validate_* method must be added to VALIDATORS."""
    forms = {form for form, *_ in VALIDATORS}
    declared = {
        (form, name.removeprefix("validate_"))
        for form in forms
        for name, _ in inspect.getmembers(form, inspect.isfunction)
        if name.startswith("validate_") and name != "validate_optional"
    }
    assert declared == {(form, slot) for form, slot, *_ in VALIDATORS}


@pytest.mark.parametrize(
    ("form", "slot", "context", "check"), VALIDATORS, ids=[f"{f.__name__}.{s}" for f, s, *_ in VALIDATORS]
)
@FAST
@given(value=TEXT, intent=st.sampled_from(["inform", "deny", "affirm", "bot_challenge", "nlu_fallback"]))
async def test_validators_take_any_text(action_services, form, slot, context, check, value, intent) -> None:
    dispatcher = CollectingDispatcher()
    method = getattr(form(action_services), f"validate_{slot}")
    result = method(value, dispatcher, tracker(value, slot, intent, context), {})
    if inspect.isawaitable(result):
        result = await result
    assert isinstance(result, dict) and slot in result
    assert all(isinstance(m.get("text") or m.get("response"), str) for m in dispatcher.messages)
    accepted = result[slot]
    if accepted is not None and check is not None:
        check(accepted)
    if accepted is None and slot in REASKED and intent == "inform" and result.get(f"{slot}_declined") is None:
        said = " ".join(text_of(m) for m in dispatcher.messages)
        assert said.strip() or slot == "phone", "a rejected answer is re-asked with a reason"


# --- the staff API -------------------------------------------------------------------------

TOKEN = "property-staff-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUERIES = {
    "/api/customers": ["phone", "email", "sender_id"],
    "/api/bookings": ["from", "to", "kind"],
    "/api/clinics": ["from", "to"],
    "/api/outbox": ["status", "limit"],
    "/api/knowledge/gaps": ["limit"],
    "/api/reports/dashboard": ["from", "to"],
    "/api/reports/attribution": ["from", "to"],
    "/api/reports/engagement.csv": ["from", "to"],
}
PARAM_VALUE = st.one_of(
    TEXT,
    st.dates(min_value=datetime(1, 1, 1).date()).map(str),
    st.integers().map(str),
    st.sampled_from(["2026-13-40", "9999-12-31", "0001-01-01T00:00", "clinic", "queued", "-1", "1e9", "NaN"]),
)


@pytest.fixture(scope="module")
async def staff_api(tmp_path_factory: pytest.TempPathFactory) -> Any:
    url = make_url(f"sqlite:///{tmp_path_factory.mktemp('staff-api') / 'concierge.db'}")
    db.upgrade(url)
    from bot.channels.sms.outbox import Outbox
    from bot.profile import ContactDetails, ProfileStore

    store = ProfileStore(db.session_factory(url))
    customer = store.customer_for_sender("rest", "property-jane")
    store.record_contact_details(
        customer, ContactDetails(name="Jane", phone="+15550100123", sms_consent=True)
    )
    app = create_app(
        services_on(url),
        staff_token=TOKEN,
        rasa_url="http://127.0.0.1:9",
        outbox=Outbox(db.session_factory(url)),
    )
    async with TestClient(TestServer(app)) as client:
        yield client, url


@FAST
@given(
    path=st.sampled_from(sorted(QUERIES)),
    data=st.data(),
)
async def test_staff_api_query_parameters_never_cause_a_server_error(staff_api, path, data) -> None:
    client, url = staff_api
    names = data.draw(st.lists(st.sampled_from(QUERIES[path] + ["unexpected"]), max_size=3, unique=True))
    params = {name: data.draw(PARAM_VALUE) for name in names}
    response = await client.get(path, params=params, headers=AUTH)
    body = await response.text()
    assert response.status in (200, 400), (path, params, response.status, body[:300])
    if response.status == 400:
        assert "error" in (await response.json())  # a reason, not a stack trace
    with db.session_factory(url)() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 1  # lookups create nothing
