"""A service time freed by a cancellation is offered by text to customers who asked for that day and
found nothing free, on SQLite and PostgreSQL: the day is remembered when the assistant finds it
full, the offer goes through the SMS outbox (consent, never an opted-out number, at most one such
text per customer a day), whichever way the booking was cancelled."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.service import ValidateServiceForm
from bot.booking import steps
from bot.booking.models import WantedDay
from bot.booking.store import SLOT_OFFER, WANTED_DAY_RECENT
from bot.channels.sms.models import OutboxMessage
from bot.profile import ContactDetails
from bot.services import Services
from tests.dealer import TZ, services_on
from tests.forms import tracker

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=TZ)  # a Wednesday
THURSDAY = date(2026, 11, 26)
EARLY = datetime(2026, 11, 26, 7, 0, tzinfo=TZ)  # "first thing" is 7 to 9


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def shop(database_url, clock) -> Services:
    return services_on(database_url, clock)


_numbers = itertools.count(1)


def customer(services: Services, name: str, consent: bool | None = True, phone: bool = True) -> int:
    who = services.profiles.customer_for_sender("rest", f"freed-{name}")
    if not phone:
        return who
    number = f"+1555020{next(_numbers):04d}"
    return services.profiles.record_contact_details(
        who, ContactDetails(name=name, phone=number, sms_consent=consent)
    )


def fill_first_thing(services: Services) -> tuple[int, list[str]]:
    """All four bays taken from 7 to 9 on Thursday: nothing free first thing."""
    filler = customer(services, "filler")
    codes = []
    for _ in range(services.schedule.bays):
        result = services.bookings.book_service(
            filler, EARLY, ["recall-repair"], {"model": "Lumen"}, "wait", NOW
        )
        assert result.ok
        codes.append(result.code)
    return filler, codes


def offers(services: Services) -> list[OutboxMessage]:
    with services.sessions() as session:
        return list(
            session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == SLOT_OFFER).order_by(OutboxMessage.id)
            )
        )


async def test_a_full_day_asked_for_is_remembered_and_its_freed_time_offered_once_a_day(shop, clock):
    filler, codes = fill_first_thing(shop)
    wanting = customer(shop, "wanting")
    said = "thursday first thing"
    slots = {"service_items": "oil-change"}
    dispatcher = CollectingDispatcher()
    result = await ValidateServiceForm(shop).validate_service_when(
        said, dispatcher, tracker(said, "service_when", "inform", slots, sender_id="freed-wanting"), {}
    )
    assert result["service_when"] is None  # nothing free then: other times are offered
    with shop.sessions() as session:
        assert [(w.customer_id, w.day) for w in session.scalars(select(WantedDay))] == [(wanting, THURSDAY)]

    assert steps.cancel(shop, filler, codes[0]).ok
    [offer] = offers(shop)
    assert offer.customer_id == wanting and offer.status == "queued"
    assert "Thu Nov 26 at 7:00 AM" in offer.body and "Reply STOP" in offer.body
    assert codes[0] not in offer.body  # someone else's booking code is never shown
    assert steps.cancel(shop, filler, codes[1]).ok
    assert len(offers(shop)) == 1  # at most one such text a day

    clock.now = NOW + timedelta(hours=18)  # 6 AM the next day, still before the 7 AM visit
    assert steps.cancel(shop, filler, codes[2]).ok
    assert [o.customer_id for o in offers(shop)] == [wanting, wanting]


async def test_moving_a_booking_frees_its_time_too(shop):
    filler, codes = fill_first_thing(shop)
    wanting = customer(shop, "mover-waiting")
    shop.bookings.note_wanted_day(wanting, THURSDAY, NOW)
    moved = steps.book_service(
        shop,
        steps.ServiceRequest(
            customer=filler,
            start=datetime(2026, 11, 30, 9, 0, tzinfo=TZ),
            service_ids=("recall-repair",),
            vehicle=None,
            replacing=codes[0],
        ),
    )
    assert moved.ok and moved.replaced == codes[0]
    assert [o.customer_id for o in offers(shop)] == [wanting]


async def test_no_offer_without_consent_after_an_opt_out_to_the_booked_the_stale_or_the_canceller(shop):
    filler, codes = fill_first_thing(shop)
    no_consent = customer(shop, "no-consent", consent=False)
    no_phone = customer(shop, "no-phone", phone=False)
    opted_out = customer(shop, "opted-out")
    [phone] = shop.profiles.phones_of(opted_out)
    shop.profiles.opt_out(phone, "sms:STOP", "STOP")
    booked_that_day = customer(shop, "booked-that-day")
    assert shop.bookings.book_service(
        booked_that_day, datetime(2026, 11, 26, 15, 0, tzinfo=TZ), ["oil-change"], {}, "wait", NOW
    ).ok
    other_day = customer(shop, "other-day")
    stale = customer(shop, "stale")
    for who in (no_consent, no_phone, opted_out, booked_that_day, filler):
        shop.bookings.note_wanted_day(who, THURSDAY, NOW)
    shop.bookings.note_wanted_day(other_day, THURSDAY + timedelta(days=1), NOW)
    shop.bookings.note_wanted_day(stale, THURSDAY, NOW - WANTED_DAY_RECENT - timedelta(days=1))
    assert steps.cancel(shop, filler, codes[0]).ok
    assert offers(shop) == []


async def test_a_cancellation_after_the_time_has_passed_offers_nothing(shop, clock):
    filler, codes = fill_first_thing(shop)
    shop.bookings.note_wanted_day(customer(shop, "too-late"), THURSDAY, NOW)
    clock.now = EARLY + timedelta(minutes=30)
    assert steps.cancel(shop, filler, codes[0]).ok
    assert offers(shop) == []
