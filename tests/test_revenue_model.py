"""The revenue model and the demo dealership: `python -m bot demo-data` on real SQLite and
PostgreSQL databases (and its refusal of one with a real customer), the model finding the effect
built into the demo data, its invariants on generated data, too little data said plainly, and the
fit kept out of requests (the web app fits in the background; a page never waits for it)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot import config, db, integrity
from bot.booking.models import Booking
from bot.demo_data import DemoRefused, generate
from bot.profile import ContactDetails
from bot.profile.models import (
    Contact,
    Customer,
    Email,
    EngagementEvent,
    HandoffRequest,
    OwnedVehicle,
    Phone,
)
from bot.reports.revenue_model import PRIOR_VISITS, RevenueModel, Snapshot, event_kind, fit
from bot.web.app import create_app
from bot.web.shared import REVENUE_MODEL
from tests.console_client import log_in
from tests.dealer import services_on
from tests.staff import AUTH, STAFF_TOKEN

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)


def at_now():
    return NOW


def _count(sessions, what, *where) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(what).where(*where))


# --- the demo dealership -----------------------------------------------------------------------


def test_demo_data_fills_an_empty_database_with_plainly_made_up_customers(database_url):
    services = services_on(database_url, at_now)
    made = generate(services, households=150, months=12, seed=4)
    sessions = services.sessions
    assert made.households == 150 and made.service_visits > 50 and made.engagement_events > 1000
    assert _count(sessions, Customer) == _count(sessions, Customer, Customer.demo.is_(True)) == 150
    with sessions() as session:
        names = session.scalars(select(Contact.name)).all()
        phones = session.scalars(select(Phone.e164)).all()
        emails = session.scalars(select(Email.address)).all()
        models = set(session.scalars(select(OwnedVehicle.model)))
        kinds = set(session.scalars(select(EngagementEvent.action).where(EngagementEvent.direction == "in")))
        latest = session.scalar(select(func.max(EngagementEvent.ts)))
        handled = session.scalar(select(func.max(HandoffRequest.closed_at)))
    assert names and all(name.endswith("(demo)") for name in names)
    assert phones and all(phone.startswith("+1555") for phone in phones)
    assert emails and all(email.endswith("@example.com") for email in emails)
    assert models <= set(services.knowledge.base.lineup.models) and models
    assert {"page_view", "email_opened", "email_clicked"} <= kinds
    assert max(latest, handled) < NOW.replace(tzinfo=None)  # nothing happened after "now"
    assert _count(sessions, Booking, Booking.kind == "clinic", Booking.status == "attended") > 0
    # Seats and bays counted as taken match the bookings, as the real booking paths keep them.
    assert integrity.find_problems(sessions) == []


def test_demo_data_refuses_a_database_with_a_real_customer_and_adds_nothing(database_url):
    services = services_on(database_url, at_now)
    real = services.profiles.customer_for_sender("rest", "a-real-person")
    services.profiles.record_contact_details(real, ContactDetails(name="Real Person", phone="+15550100777"))
    events = _count(services.sessions, EngagementEvent)
    with pytest.raises(DemoRefused, match="1 real customer"):
        generate(services, households=20)
    assert _count(services.sessions, Customer) == 1 and _count(services.sessions, EngagementEvent) == events


def test_demo_data_goes_in_once(database_url):
    services = services_on(database_url, at_now)
    generate(services, households=20, seed=1)
    with pytest.raises(DemoRefused, match="already holds demo data"):
        generate(services, households=20, seed=2)
    assert _count(services.sessions, Customer) == 20


@pytest.mark.parametrize("households, months", [(0, 12), (10, 0), (10, 37)])
def test_demo_data_says_what_is_wrong_with_its_options(database_url, households, months):
    with pytest.raises(ValueError, match="households must be 1 or more and months from 1 to 36"):
        generate(services_on(database_url, at_now), households=households, months=months)


@pytest.mark.processes
def test_the_demo_data_command_fills_a_fresh_database_and_refuses_a_real_one(tmp_path):
    url = make_url(f"sqlite:///{tmp_path / 'demo.db'}")
    db.upgrade(url)
    env = {**os.environ, "DATABASE_URL": str(url), "VAR_DIR": str(tmp_path / "var")}
    run = {"env": env, "cwd": config.PROJECT_ROOT, "capture_output": True, "text": True}
    command = [sys.executable, "-m", "bot", "demo-data", "--households", "60", "--months", "6", "--seed", "7"]
    made = subprocess.run(command, **run)
    assert made.returncode == 0, made.stderr
    assert "Demo dealership added: 60 households" in made.stdout
    again = subprocess.run(command, **run)
    assert again.returncode == 1 and "already holds demo data" in again.stderr

    real_url = make_url(f"sqlite:///{tmp_path / 'real.db'}")
    db.upgrade(real_url)
    services_on(real_url).profiles.customer_for_sender("rest", "a-real-person")
    refused = subprocess.run(command, **{**run, "env": {**env, "DATABASE_URL": str(real_url)}})
    assert refused.returncode == 1 and "real customer" in refused.stderr
    assert _count(db.session_factory(real_url), Customer) == 1


# --- the model -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_fit(tmp_path_factory) -> dict:
    """The model fitted on a demo dealership of 1,000 households (SQLite), as the web app fits it."""
    url = make_url(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}")
    db.upgrade(url)
    services = services_on(url, at_now)
    generate(services, households=1000, months=12, seed=11)
    model = RevenueModel(services)
    assert model.refit_if_due()
    return model.latest()


def test_the_model_finds_the_effect_built_into_the_demo_data(demo_fit):
    assert demo_fit["status"] == "fitted" and demo_fit["auc"] > 0.6
    assert demo_fit["demo_customers"] == demo_fit["customers"] > 800
    effects = {e["kind"]: e for e in demo_fit["effects"]}
    # Clinics attended, clicked emails and answered questions raise the demo households' odds.
    for kind in ("clinic_attended", "email_clicked", "answer"):
        assert effects[kind]["odds_ratio"] > 1 and effects[kind]["revenue_per_event"] > 0, kind
    assert effects["clinic_attended"]["odds_ratio_low"] > 1
    assert {"email_opened", "page_view", "reminder", "handoff", PRIOR_VISITS} <= set(effects)
    assert effects[PRIOR_VISITS]["control"] and not effects["answer"]["control"]
    assert demo_fit["fitted_at"] == NOW.replace(tzinfo=None).isoformat() + "Z"
    assert demo_fit["cutoff"] == (NOW - timedelta(days=90)).replace(tzinfo=None).isoformat() + "Z"


def _invariants_hold(result: dict) -> None:
    calibration = result["calibration"]
    assert sum(row["customers"] for row in calibration) == result["held_out_customers"]
    assert sum(row["came_back"] for row in calibration) == result["held_out_came_back"]
    assert result["train_customers"] + result["held_out_customers"] == result["customers"]
    predicted = [row["predicted"] for row in calibration]
    assert predicted == sorted(predicted) and all(0 <= p <= 1 for p in predicted)
    for e in result["effects"]:
        assert e["coefficient_low"] <= e["coefficient"] <= e["coefficient_high"], e
        assert e["odds_ratio_low"] <= e["odds_ratio"] <= e["odds_ratio_high"], e
        assert e["revenue_low"] <= e["revenue_per_event"] <= e["revenue_high"], e


def test_the_demo_fit_keeps_its_invariants(demo_fit):
    assert demo_fit["resamples"] == 200
    _invariants_hold(demo_fit)


def _snapshot(seed: int, customers: int, effects: list[float]) -> Snapshot:
    """Customers with Poisson counts of each kind and a paid visit drawn from known log-odds."""
    rng = np.random.default_rng(seed)
    counts = rng.poisson(1.0, size=(customers, len(effects))).astype(float)
    chance = 1 / (1 + np.exp(-(-0.8 + counts @ np.array(effects))))
    paid = rng.random(customers) < chance
    return Snapshot(
        cutoff=datetime(2026, 9, 1),
        kinds=[f"kind_{j}" for j in range(len(effects))],
        counts=counts,
        paid=paid,
        visit_values=[120.0] * int(paid.sum()),
        demo_customers=0,
    )


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    customers=st.integers(300, 700),
    effects=st.lists(st.floats(-0.6, 0.6), min_size=1, max_size=4),
)
def test_calibration_adds_up_and_intervals_hold_the_estimate(seed, customers, effects):
    data = _snapshot(seed, customers, effects)
    if min(data.paid.sum(), (~data.paid).sum()) < 20:
        return  # that is the too-little-data case, tested below
    result = fit(data, seed=seed, resamples=60)
    assert result["status"] == "fitted"
    _invariants_hold(result)
    assert result["average_visit_revenue"] == 120.0


def test_a_strong_known_effect_is_recovered_with_its_sign():
    result = fit(_snapshot(3, 1500, [1.0, -0.8, 0.0]), resamples=100)
    effects = {e["kind"]: e for e in result["effects"]}
    assert result["auc"] > 0.6
    assert effects["kind_0"]["coefficient_low"] > 0 and effects["kind_0"]["revenue_low"] > 0
    assert effects["kind_1"]["coefficient_high"] < 0 and effects["kind_1"]["revenue_high"] < 0
    assert effects["kind_2"]["coefficient_low"] < 0 < effects["kind_2"]["coefficient_high"]


@pytest.mark.parametrize(
    "data, why",
    [
        (_snapshot(1, 40, [0.5]), "only 40 customers"),
        (
            Snapshot(datetime(2026, 9, 1), ["answer"], np.ones((300, 1)), np.zeros(300, dtype=bool), [], 0),
            "0 of 300 customers came in",
        ),
        (
            Snapshot(datetime(2026, 9, 1), [], np.zeros((300, 0)), np.arange(300) % 2 == 0, [99.0] * 150, 0),
            "no engagement was recorded",
        ),
    ],
)
def test_too_little_data_is_said_instead_of_failing(data, why):
    result = fit(data)
    assert result["status"] == "too_little_data" and why in result["reason"]
    assert "effects" not in result and result["method"]


def test_an_empty_database_gets_too_little_data(services):
    model = RevenueModel(services)
    assert model.latest() is None and model.refit_if_due()
    assert model.latest()["status"] == "too_little_data" and model.latest()["customers"] == 0


def test_it_is_refitted_once_a_day(database_url):
    now = [NOW]
    services = services_on(database_url, lambda: now[0])
    model = RevenueModel(services)
    assert model.refit_if_due()
    first = model.latest()
    now[0] = NOW + timedelta(hours=23)
    assert not model.refit_if_due() and model.latest() is first
    now[0] = NOW + timedelta(days=1)
    assert model.refit_if_due() and model.latest()["fitted_at"].startswith("2026-12-01T15:00")


@pytest.mark.parametrize(
    "direction, action, topic, kind",
    [
        ("in", None, None, None),  # a message: every kind of conversation has them
        ("in", "email_opened", None, "email_opened"),
        ("in", "page_view", None, "page_view"),
        ("in", "some_kind_added_later", None, "some_kind_added_later"),
        ("out", "action_answer_question", "heated-seats", "answer"),
        ("out", "utter_booked", "clinic:ev-101", None),  # booking talk: bookings count themselves
        ("out", "utter_greet", None, None),
    ],
)
def test_event_kinds_are_counted_as_they_come(direction, action, topic, kind):
    assert event_kind(direction, action, topic, {"heated-seats"}) == kind


# --- never in a request -------------------------------------------------------------------------


async def test_pages_show_fitting_until_the_background_fit_and_never_fit_themselves(staff_api, services):
    """The test app fits nothing by itself (no background task): the page and the API answer at
    once that the model is being fitted, and still no fit exists after them."""
    staff = await log_in(staff_api, STAFF_TOKEN)
    status, html = await staff.page("/staff/attribution")
    assert status == 200 and "Fitting…" in html and "How the model works" in html
    api = await staff_api.get("/api/reports/revenue-model", headers=AUTH)
    assert api.status == 200 and await api.json() == {"status": "fitting"}
    assert staff_api.app[REVENUE_MODEL].latest() is None

    await asyncio.to_thread(staff_api.app[REVENUE_MODEL].refit_if_due)
    status, html = await staff.page("/staff/attribution")
    assert "Not enough data for the model yet" in html and "Fitting…" not in html


@pytest.mark.timeout(120)
async def test_the_served_app_fits_in_the_background(tmp_path):
    url = make_url(f"sqlite:///{tmp_path / 'demo.db'}")
    db.upgrade(url)
    services = services_on(url, at_now)
    generate(services, households=300, months=12, seed=5)
    app = create_app(services, staff_token=STAFF_TOKEN, rasa_url="http://127.0.0.1:9", fit_revenue_model=True)
    async with TestClient(TestServer(app)) as client:
        body = {"status": "fitting"}
        while body["status"] == "fitting":  # the first fit starts with the app, in a worker thread
            await asyncio.sleep(0.2)
            body = await (await client.get("/api/reports/revenue-model", headers=AUTH)).json()
        assert body["status"] == "fitted" and body["demo_customers"] == body["customers"]
        staff = await log_in(client, STAFF_TOKEN)
        status, html = await staff.page("/staff/attribution")
        assert status == 200 and "clinics attended" in html and "Demo data:" in html and "AUC" in html
