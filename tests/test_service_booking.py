"""Service appointments without the conversation: reading days and times, VINs, the menu, slot offers,
upcoming bookings and waitlist promotions, on real SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bot import db
from bot.booking import Preference, UnreadableTime, mentions_time, read_preference
from bot.channels.sms.models import OutboxMessage
from bot.profile import ContactDetails, InvalidVin, ProfileStore, normalise_vin
from bot.profile.models import EngagementEvent
from tests.dealer import SCHEDULE, TZ

NOW = datetime(2026, 11, 26, 10, 30, tzinfo=TZ)  # a Thursday


@pytest.mark.parametrize(
    ("said", "day", "at", "window"),
    [
        ("tomorrow at 3", date(2026, 11, 27), time(15), None),
        ("next Tue morning", date(2026, 12, 1), None, (time(7), time(12))),
        ("the 14th", date(2026, 12, 14), None, None),
        ("can you fit me in Saturday?", date(2026, 11, 28), None, None),
        ("oil change for my 2023 Lumen next Tuesday morning", date(2026, 12, 1), None, (time(7), time(12))),
        ("dec 3 at 9am", date(2026, 12, 3), time(9), None),
        ("3 December, 2:30 pm", date(2026, 12, 3), time(14, 30), None),
        ("12/24", date(2026, 12, 24), None, None),
        ("tuesday at 10:30", date(2026, 12, 1), time(10, 30), None),
        ("noon on friday", date(2026, 11, 27), time(12), None),
        ("first thing monday", date(2026, 11, 30), None, (time(7), time(9))),
        ("in 2 weeks", date(2026, 12, 10), None, None),
        ("jan 5", date(2027, 1, 5), None, None),
        ("this afternoon", date(2026, 11, 26), None, (time(12), time(17))),
        # what happened before is no day to come in
        (
            "pulls right since i hit a pothole last week, can i come saturday afternoon",
            date(2026, 11, 28),
            None,
            (time(12), time(17)),
        ),
        ("it died yesterday, tomorrow at 9?", date(2026, 11, 27), time(9), None),
        ("friday at 10 o'clock", date(2026, 11, 27), time(10), None),
        # typed in a hurry
        ("tire rotaton wendsday afternoon", date(2026, 12, 2), None, (time(12), time(17))),
        ("saterday mornin", date(2026, 11, 28), None, None),
    ],
)
def test_days_and_times_read_the_way_customers_mean_them(said, day, at, window):
    assert read_preference(said, NOW) == Preference(day, at, window)
    assert mentions_time(said)


@pytest.mark.parametrize(
    ("said", "reason"),
    [
        ("Feb 30", "February doesn't have a 30th"),
        ("april 31st", "April doesn't have a 31st"),
        ("yesterday", "already in the past"),
        ("last friday", "already in the past"),
        ("today at 9am", "already in the past"),
        ("asdf qwerty", "couldn't read a day"),
        ("", "couldn't read a day"),
        ("13/45", "couldn't read that date"),
        ("tomorrow at 25:99", "couldn't read that time"),
    ],
)
def test_impossible_or_past_times_are_explained(said, reason):
    with pytest.raises(UnreadableTime, match=reason):
        read_preference(said, NOW)


@pytest.mark.parametrize(
    ("said", "day_in_talk", "day", "at"),
    [
        ("2pm", date(2026, 11, 28), date(2026, 11, 28), time(14)),  # the Saturday just offered
        ("no, actually make it 10am", date(2026, 12, 1), date(2026, 12, 1), time(10)),
        ("2pm", None, date(2026, 11, 26), time(14)),  # no day in talk: the next 2 pm, today
        ("9am", None, date(2026, 11, 27), time(9)),  # today's 9 am has passed: tomorrow's
        ("9am", date(2026, 11, 20), date(2026, 11, 27), time(9)),  # a past day in talk is no help
        ("friday at 9", date(2026, 11, 28), date(2026, 11, 27), time(9)),  # a day said wins
        ("9 is fine", date(2026, 12, 1), date(2026, 12, 1), time(9)),  # in answer to times offered
        ("10 o'clock", date(2026, 12, 1), date(2026, 12, 1), time(10)),
        ("3:30 works for me", date(2026, 12, 1), date(2026, 12, 1), time(15, 30)),
        ("9", date(2026, 12, 1), date(2026, 12, 1), time(9)),
    ],
)
def test_a_time_alone_is_on_the_day_being_talked_about(said, day_in_talk, day, at):
    assert read_preference(said, NOW, day_in_talk) == Preference(day, at, None)


def test_answers_to_other_questions_are_not_taken_for_times():
    for said in ("loaner", "I'll wait", "2023 Lumen", "555 010 0123", "yes", "1M8GDM9AXKP042788"):
        assert not mentions_time(said), said
    with pytest.raises(UnreadableTime, match="couldn't read a day"):
        read_preference("2024", NOW)  # a car's year, not a date in the past


def test_vins_are_checked_by_length_letters_and_check_digit():
    assert normalise_vin("1m8gdm9a-xkp042788 ") == "1M8GDM9AXKP042788"
    for bad, reason in [
        ("1M8GDM9AXKP04278", "17 characters"),
        ("1M8GDM9AXKP0427O8", "never use I, O or Q"),
        ("1M8GDM9A1KP042788", "check digit"),
    ]:
        with pytest.raises(InvalidVin, match=reason):
            normalise_vin(bad)


def test_free_text_maps_to_the_service_menu():
    assert SCHEDULE.services_in("my brakes are squeaking") == ["brake-inspection"]
    assert SCHEDULE.services_in("squeaky brakes") == ["brake-inspection"]
    assert set(SCHEDULE.services_in("oil change and a tire rotation please")) == {
        "oil-change",
        "tire-rotation",
    }
    assert SCHEDULE.services_in("can you check the ev battery health") == ["ev-battery-health-check"]
    assert SCHEDULE.services_in("the car pulls to one side") == ["wheel-alignment"]
    assert SCHEDULE.services_in("sign me up for the teen class") == []
    assert SCHEDULE.services_in("boil") == []  # whole words only


@pytest.fixture
def profiles(database_url) -> ProfileStore:
    return ProfileStore(db.session_factory(database_url))


def test_a_free_exact_time_is_taken_as_asked(bookings):
    offer = bookings.service_offers(Preference(date(2026, 12, 1), time(9)), 45, NOW)
    assert offer.start == datetime(2026, 12, 1, 9, tzinfo=TZ) and offer.reason is None


def test_a_part_of_the_day_offers_spread_out_times_in_it(bookings):
    offer = bookings.service_offers(Preference(date(2026, 12, 1), None, (time(7), time(12))), 45, NOW)
    assert offer.start is None and offer.reason is None and len(offer.alternatives) == 3
    assert all(time(7) <= a.time() and a.time() <= time(11, 15) for a in offer.alternatives)
    gaps = [b - a for a, b in zip(offer.alternatives, offer.alternatives[1:], strict=False)]
    assert all(gap >= timedelta(hours=1) for gap in gaps)


@pytest.mark.parametrize(
    ("wanted", "reason"),
    [
        (Preference(date(2026, 11, 29)), "closed on Sundays"),
        (
            Preference(date(2026, 11, 28), time(15)),
            "On Saturdays the service department is open 8 AM to 2 PM",
        ),
        (Preference(date(2026, 12, 1), time(17, 45)), "this visit takes 45 minutes"),
        (Preference(date(2026, 11, 26), time(10)), "already passed"),
    ],
)
def test_closed_after_hours_and_past_times_say_why_and_offer_others(bookings, wanted, reason):
    offer = bookings.service_offers(wanted, 45, NOW)
    assert offer.start is None and reason.replace(":00", "") in offer.reason.replace(":00", "")
    assert offer.alternatives and all(bookings.why_not_open(a, 45, NOW) is None for a in offer.alternatives)


def test_a_full_hour_is_explained_and_the_nearest_free_times_offered(bookings, profiles):
    full = datetime(2026, 12, 1, 9, tzinfo=TZ)
    for i in range(SCHEDULE.bays):
        customer = profiles.customer_for_sender("rest", f"full-{i}")
        assert bookings.book_service(customer, full, ["oil-change"], {"model": "Lumen"}, "wait", NOW).ok
    offer = bookings.service_offers(Preference(full.date(), full.time()), 45, NOW)
    assert offer.start is None and "fully booked" in offer.reason
    assert full not in offer.alternatives and all(a.date() == full.date() for a in offer.alternatives)
    assert min(abs(a - full) for a in offer.alternatives) <= timedelta(minutes=60)


def test_upcoming_bookings_are_the_customers_own(bookings, profiles):
    mine = profiles.customer_for_sender("rest", "upcoming-me")
    theirs = profiles.customer_for_sender("rest", "upcoming-them")
    start = datetime(2026, 12, 2, 8, tzinfo=TZ)
    code = bookings.book_service(mine, start, ["tire-rotation"], {"model": "Tessa"}, "shuttle", NOW).code
    bookings.book_service(theirs, start, ["oil-change"], {"model": "Lumen"}, "wait", NOW)
    [upcoming] = bookings.upcoming_of(mine, NOW)
    assert (upcoming.code, upcoming.what, upcoming.transport) == (code, "Tire rotation", "shuttle")
    assert code in upcoming.label() and "Wed Dec 2, 8:00 AM" in upcoming.label()
    assert bookings.upcoming_of(mine, start + timedelta(hours=1)) == []
    assert not bookings.cancel(code, theirs, NOW).ok  # someone else's code changes nothing
    assert bookings.upcoming_of(mine, NOW)[0].status == "confirmed"


def test_a_promoted_waitlist_party_is_texted_and_it_is_on_their_timeline(database_url, bookings, profiles):
    [seat] = [s for s in bookings.clinic_sessions("child-car-seat-check", NOW)][:1]
    first = profiles.customer_for_sender("rest", "seat-first")
    waiting = profiles.customer_for_sender("rest", "seat-waiting")
    profiles.record_contact_details(waiting, ContactDetails(phone="+15550100999", sms_consent=True))
    booked = bookings.book_clinic(first, seat.id, 1, [{"name": "Ava"}], NOW)
    waitlisted = bookings.join_waitlist(waiting, seat.id, 1, [{"name": "Ben"}])
    assert bookings.cancel(booked.code, first, NOW).promoted == [(waitlisted.code, waiting)]
    with db.session_factory(database_url)() as session:
        [text] = session.scalars(select(OutboxMessage).where(OutboxMessage.customer_id == waiting)).all()
        [event] = session.scalars(select(EngagementEvent).where(EngagementEvent.customer_id == waiting)).all()
    assert text.kind == "waitlist_promoted" and waitlisted.code in text.body and text.phone == "+15550100999"
    assert (event.booking_id, event.action, event.direction) == (waitlisted.code, "waitlist_promoted", "out")
