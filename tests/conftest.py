"""Shared fixtures: real databases (SQLite and PostgreSQL), a trained model, the running stack."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
import redis
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from bot import config, db, dealership
from bot.booking import BookingStore
from bot.booking.schedule import Schedule
from bot.booking.schedule import load as load_schedule
from bot.knowledge import Knowledge
from bot.knowledge.router import Router
from bot.launch import Stack, start_stack
from bot.profile import ProfileStore
from bot.services import Services
from bot.training import train
from bot.web.app import create_app
from tests.dealer import SCHEDULE, services_on
from tests.knowledge_router import SAMPLE, sessions_of
from tests.staff import STAFF_TOKEN

# The fast tier (`make test-fast`): tests that run in this process only, on SQLite: the actions on
# JSON trackers and the steps behind them, the validators, the stores, bookings, knowledge and the
# channels' rules. Their PostgreSQL variants, tests marked `processes` (they start the CLI or
# concurrent workers), the staff API and console (a web app per test) and everything that needs
# the model or the servers stay in `make test`.
FAST_FILES = {
    "test_actions.py",
    "test_clock.py",
    "test_feature_guard.py",
    "test_change_guard.py",
    "test_contact_guard.py",
    "test_stop_guard.py",
    "test_steps.py",
    "test_responses.py",
    "test_replies.py",
    "test_choosing.py",
    "test_booking_questions.py",
    "test_contact_details.py",
    "test_properties.py",
    "test_attendees.py",
    "test_clinic_talk.py",
    "test_store.py",
    "test_booking.py",
    "test_service_booking.py",
    "test_service_talk.py",
    "test_integrity.py",
    "test_outbox.py",
    "test_email.py",
    "test_handoff_alerts.py",
    "test_crm_leads.py",
    "test_reminders.py",
    "test_freed_times.py",
    "test_knowledge.py",
    "test_dealer_knowledge.py",
    "test_follow_ups.py",
    "test_dealership.py",
    "test_keyword_guard.py",
    "test_opt_out.py",
    "test_sql_safety.py",
    "test_broker.py",
    "test_sms.py",
    "test_tracker_store.py",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fast: in-process on SQLite, `make test-fast` (set in conftest)")
    config.addinivalue_line("markers", "processes: starts other processes (not in the fast tier)")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With `-m fast`, test files outside the tier aren't even imported (the e2e ones load a lot)."""
    if config.getoption("markexpr") == "fast" and collection_path.name.startswith("test_"):
        return collection_path.name not in FAST_FILES or None
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        params = getattr(item, "callspec", None)
        on_postgres = params is not None and params.params.get("database_url") == "postgresql"
        if item.path.name in FAST_FILES and not on_postgres and item.get_closest_marker("processes") is None:
            item.add_marker(pytest.mark.fast)


POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
# Our tests keep to one Redis database, each under its own key prefix, so parallel runs never meet.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


def postgres_schema_url(schema: str) -> URL:
    """A URL whose connections live in their own schema, so test runs never see each other."""
    return make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[URL]:
    """A fresh, migrated database of each kind."""
    if request.param == "sqlite":
        url = make_url(f"sqlite:///{tmp_path / 'profile.db'}")
        db.upgrade(url)
        yield url
        db.engine_for(url).dispose()  # pooled connections hold the file open
        return
    with postgres_schema() as url:
        db.upgrade(url)
        yield url


@contextlib.contextmanager
def postgres_schema() -> Iterator[URL]:
    """A fresh, empty PostgreSQL schema (dropped afterwards) and the URL whose connections use it."""
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(POSTGRES_URL, future=True)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = postgres_schema_url(schema)
    try:
        yield url
    finally:
        db.engine_for(url).dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@contextlib.contextmanager
def redis_lock_settings() -> Iterator[dict[str, str]]:
    """REDIS_URL and a fresh LOCK_STORE_KEY_PREFIX; the prefix's keys are removed afterwards."""
    settings = {"REDIS_URL": REDIS_URL, "LOCK_STORE_KEY_PREFIX": f"t{secrets.token_hex(6)}"}
    try:
        yield settings
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        leftover = list(client.scan_iter(f"{settings['LOCK_STORE_KEY_PREFIX']}:*"))
        if leftover:
            client.delete(*leftover)
        client.close()


@pytest.fixture
def redis_locks(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """`redis_lock_settings`, also set in this process's environment."""
    with redis_lock_settings() as settings:
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        yield settings


@pytest.fixture
def store(database_url: URL) -> ProfileStore:
    return ProfileStore(db.session_factory(database_url))


@pytest.fixture
def bookings(database_url: URL) -> BookingStore:
    """The booking engine on the test database, with the sample schedule in knowledge/."""
    return BookingStore(db.session_factory(database_url), SCHEDULE)


@pytest.fixture
def services(database_url: URL) -> Services:
    """Everything the assistant's parts use, on the test database with the files in knowledge/."""
    return services_on(database_url)


@pytest.fixture
async def staff_api(services: Services, unused_tcp_port: int) -> AsyncIterator[TestClient]:
    """The web app in-process on the test database; staff authenticate with `tests.staff.AUTH`."""
    app = create_app(services, staff_token=STAFF_TOKEN, rasa_url=f"http://127.0.0.1:{unused_tcp_port}")
    async with TestClient(TestServer(app)) as client:
        yield client


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client for talking to a running stack."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        yield session


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The assistant's real model, trained from config.yml (skipped when inputs are unchanged)."""
    model = config.model_path()
    train(model)
    return model


@pytest.fixture(scope="session")
def stack(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with start_stack(tmp_path_factory.mktemp("stack"), trained_model) as running:
        yield running


@pytest.fixture(scope="module")
def action_services(tmp_path_factory: pytest.TempPathFactory) -> Services:
    """What the actions are given, on a fresh SQLite database (for calling actions in-process)."""
    url = make_url(f"sqlite:///{tmp_path_factory.mktemp('actions') / 'concierge.db'}")
    db.upgrade(url)
    return services_on(url)


# --- the sample knowledge/ through the router, at a fixed moment (tests/knowledge_router.py) ---


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return Knowledge.build(SAMPLE)


@pytest.fixture(scope="module")
def shop() -> dealership.Dealership:
    return dealership.load(SAMPLE / "dealership.yml")


@pytest.fixture(scope="module")
def schedule(shop: dealership.Dealership) -> Schedule:
    loaded, problems = load_schedule(SAMPLE / "schedule.yml", shop.tz)
    assert problems == []
    return loaded


@pytest.fixture(scope="module")
def router(kb: Knowledge, shop: dealership.Dealership, schedule: Schedule) -> Router:
    return Router(kb, shop, schedule, lambda clinic: sessions_of(schedule, clinic))
