"""Integrity: a merge keeps everything keyed to a customer, capacity equals confirmed bookings,
and `python -m bot check-data` finds (and safely repairs) what breaks those, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, insert, inspect, select, update
from sqlalchemy.engine import make_url

from bot import config, db, integrity
from bot.booking import BookingStore
from bot.booking.models import Booking, ClinicSession, ServiceSlot
from bot.profile import ContactDetails, EngagementRecord, ProfileStore, VehicleDetails
from bot.profile.merge import customer_tables, merge_rules
from bot.profile.models import Contact, Customer, EngagementEvent, Interest, Phone
from tests.dealer import SCHEDULE, TZ

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=TZ)  # a Wednesday


def test_every_table_that_refers_to_a_customer_has_a_merge_rule(database_url):
    """Read from the migrated database itself, so a table added by a migration is seen too."""
    inspector = inspect(db.engine_for(database_url))
    referring = {
        table
        for table in inspector.get_table_names()
        if any(fk["referred_table"] == "customers" for fk in inspector.get_foreign_keys(table))
        or (table != "customers" and "customer_id" in {c["name"] for c in inspector.get_columns(table)})
    }
    assert referring, "the schema has customer tables"
    assert referring == set(merge_rules()), (
        "every table keyed to a customer needs a rule in bot/profile/merge.py"
    )
    assert {t.name for t in customer_tables()} == referring


def test_a_web_booking_survives_the_merge_into_the_older_sms_profile(store, bookings):
    """The reported bug: the booking, its seat counters, interests, gaps and outbox rows all stay."""
    texted = store.customer_for_sender("sms", "+15550100177")
    web = store.customer_for_sender("socketio", "browser-merge")
    store.record_interest(web, "adaptive-cruise-control")
    store.record_interest(texted, "adaptive-cruise-control")
    store.record_knowledge_gap(web, "browser-merge", "does it float", "unknown")
    start = datetime(2026, 11, 27, 9, 0, tzinfo=TZ)
    booked = bookings.book_service(web, start, ["tire-rotation"], {"model": "Lumen"}, "wait", NOW)
    seat = bookings.book_clinic(web, bookings.clinic_sessions("ev-101", NOW)[0].id, 2, [], NOW)
    assert booked.ok and seat.ok

    survivor = store.record_contact_details(web, ContactDetails(phone="+15550100177"))

    assert survivor == texted
    listed = bookings.bookings_of(texted)
    assert {b["code"] for b in listed} == {booked.code, seat.code}
    assert {b.code for b in bookings.upcoming_of(texted, NOW)} == {booked.code, seat.code}
    assert bookings.cancel(booked.code, texted, NOW).ok  # the code keeps working for the customer
    profile = store.profile(texted)
    assert profile["interests"] == [
        {**profile["interests"][0], "topic": "adaptive-cruise-control", "count": 2}
    ]
    assert [g["customer_id"] for g in store.knowledge_gaps()] == [texted]
    assert integrity.find_problems(store.sessions) == []


def test_a_message_being_written_while_the_profile_merges_lands_on_the_survivor(store):
    """The engagement writer's transaction for the web conversation is still open when the
    customer gives the phone of an older profile (found end to end on PostgreSQL, where the
    merge's delete then cascaded over the row committed meanwhile)."""
    texted = store.customer_for_sender("sms", "+15550100199")
    web = store.customer_for_sender("rest", "busy-web")
    with store.sessions() as writing, ThreadPoolExecutor(1) as pool:
        writing.execute(
            insert(EngagementEvent).values(
                customer_id=web,
                sender_id="busy-web",
                ts=datetime(2026, 11, 25),
                channel="rest",
                direction="in",
            )
        )
        merging = pool.submit(store.record_contact_details, web, ContactDetails(phone="+15550100199"))
        time.sleep(1)  # the merge is under way, waiting for the writer
        writing.commit()
        survivor = merging.result(timeout=60)
    assert survivor == texted
    with store.sessions() as session:
        owners = session.execute(
            select(EngagementEvent.customer_id).where(EngagementEvent.sender_id == "busy-web")
        ).all()
    assert owners == [(texted,)]


# --- random sequences of profile operations ---------------------------------------------------

EXAMPLES = itertools.count(100)  # each example's phones and emails are its own
TOPICS = ["heated-seats", "digital-key", "ev-charging"]
CLINICS = ["child-car-seat-check", "teen-driver-safety", "ev-101"]


class ProfileOperations(RuleBasedStateMachine):
    """Bookings, cancellations, new phones and emails that merge profiles, household and vehicle
    edits, in any order. After every step: nothing was lost, and capacity equals bookings."""

    profiles: ProfileStore
    bookings: BookingStore

    def __init__(self) -> None:
        super().__init__()
        self.senders: list[tuple[str, str]] = []
        self.codes: dict[str, tuple[str, str]] = {}  # code -> (sender who booked it, status)
        self.messages_by_sender: dict[tuple[str, str], int] = {}
        self.interests: dict[tuple[str, str], int] = {}  # (sender, topic) -> times asked
        self.run = next(EXAMPLES)

    def customer(self, sender: tuple[str, str]) -> int:
        """Where a conversation's customer lives now (after any merges)."""
        return self.profiles.customer_for_sender(*sender)

    @rule(on_sms=st.booleans())
    def someone_new_writes(self, on_sms: bool) -> None:
        n = len(self.senders)
        sender = ("sms", f"+1555{self.run:03d}{n:04d}") if on_sms else ("socketio", f"b-{self.run}-{n}")
        self.senders.append(sender)
        self.profiles.record_engagement(
            [EngagementRecord(sender[1], sender[0], datetime.now(), "in", text=f"hello {n}")]
        )
        self.messages_by_sender[sender] = self.messages_by_sender.get(sender, 0) + 1

    @precondition(lambda self: self.senders)
    @rule(data=st.data(), phone=st.sampled_from([0, 1, 2, None]), email=st.sampled_from([0, 1, None]))
    def gives_contact_details(self, data: st.DataObject, phone: int | None, email: int | None) -> None:
        """Phones and emails from a small pool, so profiles turn out to be one household often."""
        sender = data.draw(st.sampled_from(self.senders))
        details = ContactDetails(
            phone=None if phone is None else f"+1555{self.run:03d}9{phone:03d}",
            email=None if email is None else f"p{email}-{self.run}@example.com",
        )
        self.profiles.record_contact_details(self.customer(sender), details)

    @precondition(lambda self: self.senders)
    @rule(data=st.data(), clinic=st.sampled_from(CLINICS), party=st.integers(1, 3), wait=st.booleans())
    def books_a_clinic(self, data: st.DataObject, clinic: str, party: int, wait: bool) -> None:
        sender = data.draw(st.sampled_from(self.senders))
        sessions = self.bookings.clinic_sessions(clinic, NOW)
        target = data.draw(st.sampled_from(sessions[:3]))
        if wait:
            result = self.bookings.join_waitlist(self.customer(sender), target.id, party, [])
        else:
            result = self.bookings.book_clinic(self.customer(sender), target.id, party, [], NOW)
        if result.ok:
            self.codes[result.code] = (sender, "waitlisted" if wait else "confirmed")

    @precondition(lambda self: self.senders)
    @rule(data=st.data(), day=st.integers(1, 6), slot=st.integers(0, 6))
    def books_service(self, data: st.DataObject, day: int, slot: int) -> None:
        sender = data.draw(st.sampled_from(self.senders))
        start = (NOW + timedelta(days=day)).replace(hour=8, minute=0) + timedelta(minutes=30 * slot)
        result = self.bookings.book_service(
            self.customer(sender), start, ["tire-rotation"], {"model": "Brio"}, "wait", NOW
        )
        if result.ok:
            self.codes[result.code] = (sender, "confirmed")

    @precondition(lambda self: self.codes)
    @rule(data=st.data())
    def cancels(self, data: st.DataObject) -> None:
        code = data.draw(st.sampled_from(sorted(self.codes)))
        sender, status = self.codes[code]
        if self.bookings.cancel(code, self.customer(sender), NOW).ok:
            self.codes[code] = (sender, "cancelled")
        else:
            assert status == "cancelled", "one's own booking can always be cancelled"

    @precondition(lambda self: self.senders)
    @rule(data=st.data(), topic=st.sampled_from(TOPICS))
    def asks_about_a_feature(self, data: st.DataObject, topic: str) -> None:
        sender = data.draw(st.sampled_from(self.senders))
        self.profiles.record_interest(self.customer(sender), topic)
        self.interests[(sender, topic)] = self.interests.get((sender, topic), 0) + 1

    @precondition(lambda self: self.senders)
    @rule(data=st.data(), name=st.sampled_from(["Leo", "Ava"]), model=st.sampled_from(["Brio", "Ion"]))
    def adds_household_and_vehicle(self, data: st.DataObject, name: str, model: str) -> None:
        customer = self.customer(data.draw(st.sampled_from(self.senders)))
        self.profiles.add_household_member(customer, name, "child", 2010)
        self.profiles.add_vehicle(customer, VehicleDetails(model=model, year=2024))

    @invariant()
    def nothing_is_lost(self) -> None:
        with self.profiles.sessions() as session:
            for code, (sender, status) in self.codes.items():
                booking = session.scalar(select(Booking).where(Booking.code == code))
                assert booking is not None, f"booking {code} vanished"
                assert booking.customer_id == self.customer(sender), f"booking {code} left its customer"
                promoted = status == "waitlisted" and booking.status == "confirmed"
                assert booking.status == status or promoted, f"booking {code} changed status by itself"
                if promoted:
                    self.codes[code] = (sender, "confirmed")
            for sender, count in self.messages_by_sender.items():
                stored = session.scalar(
                    select(func.count())
                    .select_from(EngagementEvent)
                    .where(
                        EngagementEvent.sender_id == sender[1],
                        EngagementEvent.customer_id == self.customer(sender),
                    )
                )
                assert stored == count, f"engagement of {sender} lost"
            totals: dict[tuple[int, str], int] = {}
            for (sender, topic), count in self.interests.items():
                key = (self.customer(sender), topic)
                totals[key] = totals.get(key, 0) + count
            for (customer, topic), count in totals.items():
                stored = session.scalar(
                    select(Interest.count).where(Interest.customer_id == customer, Interest.topic == topic)
                )
                assert stored == count, f"interest {topic} of customer {customer} miscounted"

    @invariant()
    def capacity_equals_confirmed_bookings(self) -> None:
        assert integrity.find_problems(self.profiles.sessions) == []


def test_random_profile_operations_lose_nothing_and_keep_capacity_true(database_url):
    sessions = db.session_factory(database_url)
    ProfileOperations.profiles = ProfileStore(sessions)
    ProfileOperations.bookings = BookingStore(sessions, SCHEDULE)
    run_state_machine_as_test(
        ProfileOperations,
        settings=settings(
            max_examples=12,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )


# --- python -m bot check-data -----------------------------------------------------------------


def check_data(database_url, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url.render_as_string(hide_password=False)}
    return subprocess.run(
        [sys.executable, "-m", "bot", "check-data", *args],
        env=env,
        capture_output=True,
        text=True,
        cwd=config.PROJECT_ROOT,
        check=False,
    )


@pytest.mark.processes
def test_check_data_lists_broken_invariants_and_repairs_the_safe_ones(database_url, store, bookings):
    clean = check_data(database_url)
    assert clean.returncode == 0 and "no problems" in clean.stdout

    holder = store.customer_for_sender("rest", "holder")
    seat = bookings.book_clinic(holder, bookings.clinic_sessions("ev-101", NOW)[0].id, 2, [], NOW)
    service = bookings.book_service(
        holder, datetime(2026, 11, 27, 10, 0, tzinfo=TZ), ["oil-change"], {"model": "Brio"}, "wait", NOW
    )
    texted = store.customer_for_sender("sms", "+15550100188")
    other = store.customer_for_sender("rest", "split")
    with store.sessions.begin() as session:  # what the old merge (or a hand edit) left behind
        session.execute(update(ClinicSession).values(booked=ClinicSession.booked + 3))
        session.execute(update(ServiceSlot).values(bays_used=0))
        session.execute(update(Booking).where(Booking.code == seat.code).values(customer_id=other))
        session.execute(
            update(Contact)
            .where(
                Contact.id == select(Phone.contact_id).where(Phone.e164 == "+15550100188").scalar_subquery()
            )
            .values(customer_id=other)
            .execution_options(synchronize_session=False)
        )
    assert service.ok and texted != other

    found = check_data(database_url)
    assert found.returncode == 1
    lines = found.stdout.splitlines()
    assert any(line.startswith("clinic_capacity:") and "counts 5 seats" in line for line in lines)
    assert sum(line.startswith("service_capacity:") for line in lines) == 3  # 45 minutes, 15-minute slots
    assert any(line.startswith("phone_on_two_profiles: phone +15550100188") for line in lines)
    assert "--repair" in found.stderr

    repaired = check_data(database_url, "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "repaired: clinic session" in repaired.stdout and "no problems" in repaired.stdout
    assert integrity.find_problems(store.sessions) == []
    with store.sessions() as session:
        assert (
            session.scalar(select(func.count()).select_from(Customer).where(Customer.id == texted))
            + session.scalar(select(func.count()).select_from(Customer).where(Customer.id == other))
            == 1
        ), "the split phone's two profiles are one now"
    assert {b["code"] for b in bookings.bookings_of(min(texted, other))} == {seat.code}


@pytest.mark.processes
def test_check_data_reports_rows_of_missing_customers_and_leaves_them(tmp_path):
    """Rows can only lose their customer where foreign keys were off (an old SQLite file, a hand
    edit): reported, never deleted by --repair."""
    url = make_url(f"sqlite:///{tmp_path / 'old.db'}")
    db.upgrade(url)
    store = ProfileStore(db.session_factory(url))
    customer = store.customer_for_sender("rest", "kept")
    store.record_knowledge_gap(customer, "kept", "does it float", "unknown")
    db.engine_for(url).dispose()
    with contextlib.closing(sqlite3.connect(tmp_path / "old.db")) as raw:  # foreign keys off
        raw.execute("DELETE FROM customers")
        raw.commit()

    for args in ((), ("--repair",)):
        result = check_data(url, *args)
        assert result.returncode == 1
        assert (
            "missing_customer: 1 row(s) in knowledge_gaps point at no customer (needs a person)"
            in result.stdout
        )
        assert "missing_customer: 1 row(s) in channel_identities" in result.stdout
    with contextlib.closing(sqlite3.connect(tmp_path / "old.db")) as raw:
        assert raw.execute("SELECT count(*) FROM knowledge_gaps").fetchone() == (1,)
