"""Booking reminders in the SMS outbox, on SQLite and PostgreSQL: due, consented, never twice."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot import config, db
from bot.booking import BookingStore, load
from bot.booking.models import Booking
from bot.booking.reminders import queue_reminders
from bot.channels.sms.models import OutboxMessage
from bot.profile import ContactDetails, ProfileStore
from bot.profile.models import Phone
from tests.dealer import TZ

SCHEDULE = load(config.knowledge_dir() / "schedule.yml", TZ)[0]
BOOKED_AT = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
START = datetime(2026, 11, 26, 9, 0, tzinfo=TZ)  # a Thursday


@pytest.fixture
def world(database_url):
    sessions = db.session_factory(database_url)
    profiles, bookings = ProfileStore(sessions), BookingStore(sessions, SCHEDULE)

    def customer(phone: str | None, consent: bool | None) -> int:
        who = profiles.customer_for_sender("rest", f"reminded-{phone}-{consent}")
        if phone:
            profiles.record_contact_details(who, ContactDetails(name="Pat", phone=phone, sms_consent=consent))
        return who

    def book(who: int) -> str:
        result = bookings.book_service(who, START, ["oil-change"], {"model": "Lumen"}, "wait", BOOKED_AT)
        assert result.ok
        return result.code

    def run(at: datetime) -> int:
        return queue_reminders(sessions, SCHEDULE, "Lakeside Corvane", at)

    def outbox() -> list[OutboxMessage]:
        with sessions() as session:
            return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))

    return customer, book, run, outbox, sessions, bookings


def test_reminders_are_queued_24h_and_2h_before_and_never_twice(world):
    customer, book, run, outbox, *_ = world
    code = book(customer("+15550100701", True))
    assert run(START - timedelta(hours=30)) == 0  # not due yet
    assert run(START - timedelta(hours=23)) == 1
    assert run(START - timedelta(hours=22)) == 0  # already queued
    assert run(START - timedelta(hours=1, minutes=50)) == 1
    assert run(START - timedelta(hours=1)) == 0
    assert run(START + timedelta(minutes=5)) == 0  # past
    first, second = outbox()
    assert (first.kind, second.kind) == ("reminder_24h", "reminder_2h")
    assert first.phone == "+15550100701" and first.status == "queued"
    assert code in first.body and "Oil change" in first.body and "Reply STOP" in first.body
    assert "Thu Nov 26 at 9:00 AM" in first.body
    assert "Reply C to confirm, R to reschedule, X to cancel." in first.body


def test_a_booking_confirmed_by_text_is_reminded_without_asking_to_confirm(world):
    customer, book, run, outbox, sessions, _ = world
    code = book(customer("+15550100709", True))
    with sessions.begin() as session:  # as a reply of C to the first reminder leaves it
        session.scalar(select(Booking).where(Booking.code == code)).confirmed_at = datetime(2026, 11, 25)
    assert run(START - timedelta(hours=1, minutes=50)) == 1
    [reminder] = outbox()
    assert "Reply R to reschedule, X to cancel." in reminder.body and "C to confirm" not in reminder.body


def test_a_late_booking_gets_only_the_2h_reminder(world):
    customer, book, run, outbox, *_ = world
    book(customer("+15550100702", True))
    assert run(START - timedelta(minutes=90)) == 1
    assert [m.kind for m in outbox()] == ["reminder_2h"]


@pytest.mark.parametrize(
    ("phone", "consent"), [(None, None), ("+15550100703", False), ("+15550100704", None)]
)
def test_no_consent_no_text(world, phone, consent):
    customer, book, run, outbox, *_ = world
    book(customer(phone, consent))
    assert run(START - timedelta(hours=23)) == 0 and outbox() == []


def test_opted_out_or_cancelled_bookings_get_nothing(world):
    customer, book, run, outbox, sessions, bookings = world
    opted_out = customer("+15550100705", True)
    book(opted_out)
    with sessions.begin() as session:
        phone = session.scalar(select(Phone).where(Phone.e164 == "+15550100705"))
        phone.opted_out_at = datetime(2026, 11, 24)
    cancelled = customer("+15550100706", True)
    assert bookings.cancel(book(cancelled), cancelled, BOOKED_AT).ok
    assert run(START - timedelta(hours=23)) == 0 and outbox() == []
