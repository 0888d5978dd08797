"""The scheduling engine on real SQLite and PostgreSQL: schedule, capacity, waitlist, cancel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest

from bot import config, db
from bot.booking import load
from bot.profile import ProfileStore
from tests.dealer import TZ

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=TZ)  # a Wednesday
SCHEDULE, PROBLEMS = load(config.knowledge_dir() / "schedule.yml", TZ)


@pytest.fixture
def customers(database_url):
    profiles = ProfileStore(db.session_factory(database_url))
    return lambda n: [profiles.customer_for_sender("rest", f"booker-{i}") for i in range(n)]


def test_the_sample_schedule_has_no_problems():
    assert PROBLEMS == []
    assert SCHEDULE.bays == 4 and SCHEDULE.services["oil-change"].not_for == ("Ion",)


def test_clinic_times_follow_the_schedule():
    week = (NOW, NOW + timedelta(days=7))
    assert [f"{s:%a %H:%M}" for s in SCHEDULE.clinic_starts("teen-driver-safety", *week)] == ["Sat 10:00"]
    assert [f"{s:%a %H:%M}" for s in SCHEDULE.clinic_starts("child-car-seat-check", *week)] == [
        f"Wed {t}" for t in ("16:00", "16:30", "17:00", "17:30")
    ]
    assert [s.day for s in SCHEDULE.clinic_starts("ev-101", NOW, NOW + timedelta(days=40))] == [
        7
    ]  # first Monday of Dec
    july = datetime(2026, 7, 1, tzinfo=TZ)
    assert (
        SCHEDULE.clinic_starts("winter-driving", july, july + timedelta(days=30)) == []
    )  # no winter clinic in July


def test_booking_a_clinic_takes_seats_and_a_full_session_offers_others(bookings, customers):
    [first, second] = customers(2)
    sessions = bookings.clinic_sessions("child-car-seat-check", NOW)
    target = sessions[0]
    assert target.seats_left == 1
    booked = bookings.book_clinic(first, target.id, 1, [{"name": "Ava"}], NOW)
    assert booked.ok and len(booked.code) == 6
    full = bookings.book_clinic(second, target.id, 1, [{"name": "Ben"}], NOW)
    assert not full.ok and "just filled up" in full.reason
    assert full.alternatives and all(a.seats_left >= 1 and a.id != target.id for a in full.alternatives)


@pytest.mark.parametrize("party", [0, 40])
def test_impossible_party_sizes_get_a_reason(bookings, customers, party):
    [customer] = customers(1)
    target = bookings.clinic_sessions("teen-driver-safety", NOW)[0]
    result = bookings.book_clinic(customer, target.id, party, [], NOW)
    assert not result.ok and "won't fit" in result.reason


def test_a_cancellation_promotes_the_first_waitlisted_party(bookings, customers):
    holder, waiting_first, waiting_second = customers(3)
    target = bookings.clinic_sessions("child-car-seat-check", NOW)[0]
    seat = bookings.book_clinic(holder, target.id, 1, [], NOW)
    first = bookings.join_waitlist(waiting_first, target.id, 1, [])
    bookings.join_waitlist(waiting_second, target.id, 1, [])
    result = bookings.cancel(seat.code, holder, NOW)
    assert result.ok and result.promoted == [(first.code, waiting_first)]
    assert bookings.clinic_sessions("child-car-seat-check", NOW)[0].seats_left == 0


def test_someone_elses_or_an_unknown_code_reveals_nothing(bookings, customers):
    owner, stranger = customers(2)
    target = bookings.clinic_sessions("new-owner-tech", NOW)[0]
    code = bookings.book_clinic(owner, target.id, 1, [], NOW).code
    for attempt, who in ((code, stranger), ("ZZZZZZ", owner)):
        result = bookings.cancel(attempt, who, NOW)
        assert (
            not result.ok
            and result.reason == "I couldn't find an upcoming booking with that code on your profile."
        )
    assert bookings.cancel(code.lower(), owner, NOW).ok


@pytest.mark.parametrize(
    ("when", "reason"),
    [
        (datetime(2026, 11, 29, 10, 0), "closed on Sundays"),
        (datetime(2026, 11, 26, 17, 45), "open 7:00 AM to 6:00 PM"),
        (datetime(2026, 11, 28, 13, 45), "open 8:00 AM to 2:00 PM"),
        (datetime(2026, 11, 24, 9, 0), "already passed"),
        (datetime(2026, 11, 26, 9, 5), "every 15 minutes"),
    ],
)
def test_service_times_outside_the_rules_get_a_reason_and_alternatives(bookings, customers, when, reason):
    [customer] = customers(1)
    result = bookings.book_service(customer, when.replace(tzinfo=TZ), ["oil-change"], {}, "wait", NOW)
    assert not result.ok and reason in result.reason
    assert result.alternatives and all(bookings.why_not_open(a, 45, NOW) is None for a in result.alternatives)


def test_four_bays_then_the_nearest_free_times(bookings, customers):
    people = customers(5)
    start = datetime(2026, 11, 26, 9, 0, tzinfo=TZ)
    results = [bookings.book_service(c, start, ["brake-inspection"], {}, "loaner", NOW) for c in people]
    assert [r.ok for r in results] == [True] * 4 + [False]
    assert results[4].alternatives[0] == start + timedelta(hours=1)
    assert bookings.cancel(results[0].code, people[0], NOW).ok
    assert bookings.book_service(people[4], start, ["brake-inspection"], {}, "loaner", NOW).ok


def test_total_duration_counts_every_service(bookings):
    assert bookings.service_minutes(["oil-change", "tire-rotation"]) == 75
    assert bookings.service_minutes(["recall-repair"]) == 120


def race(url: str, kind: str, target: str) -> list[str]:
    """50 bookings at once from two processes of 25 threads each."""
    start_at = time.time() + 6  # both processes are ready by then
    command = [sys.executable, "-m", "tests.booking_race", url, kind, target, "25", str(start_at)]
    env = {**os.environ, "PYTHONPATH": str(config.PROJECT_ROOT)}
    processes = [
        subprocess.Popen(command, cwd=config.PROJECT_ROOT, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = []
    for process in processes:
        out, _ = process.communicate(timeout=240)
        assert process.returncode == 0
        results += json.loads(out.strip().splitlines()[-1])
    return results


@pytest.mark.processes
def test_fifty_concurrent_bookings_never_overbook_a_clinic(database_url, bookings, customers):
    filler = customers(9)
    target = bookings.clinic_sessions("teen-driver-safety", datetime.now(TZ))[0]
    for customer in filler:  # 9 of 12 seats gone: 3 left
        assert bookings.book_clinic(customer, target.id, 1, [], datetime.now(TZ)).ok
    results = race(database_url.render_as_string(hide_password=False), "clinic", str(target.id))
    assert len(results) == 50
    assert results.count("ok") == 3
    assert all(
        r.startswith("Sorry, that session just filled up.|alternatives=") for r in results if r != "ok"
    )
    assert all(not r.endswith("alternatives=0") for r in results if r != "ok")
    [after] = [
        s for s in bookings.clinic_sessions("teen-driver-safety", datetime.now(TZ)) if s.id == target.id
    ]
    assert after.seats_left == 0


@pytest.mark.processes
def test_fifty_concurrent_bookings_never_overbook_the_service_bays(database_url, bookings, customers):
    people = customers(3)
    start = bookings.free_service_starts(60, datetime.now(TZ) + timedelta(days=2))[0]
    for customer in people:  # 3 of 4 bays taken for the hour
        assert bookings.book_service(customer, start, ["brake-inspection"], {}, "wait", datetime.now(TZ)).ok
    results = race(database_url.render_as_string(hide_password=False), "service", start.isoformat())
    assert results.count("ok") == 1
    assert all(r.startswith("Sorry, that time just filled up.|alternatives=") for r in results if r != "ok")
