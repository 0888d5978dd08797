"""What staff see of replies to reminders, on SQLite and PostgreSQL: each booking confirmed or not
on the customer's page, and the dashboard's confirmation, show and no-show rates, checked against
generated bookings made through the real stores (reminders sent, replies of C, attendance marked)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.booking.models import Booking
from bot.booking.reminders import queue_sms
from bot.booking.replies import CONFIRM, answer_reminder
from bot.channels.sms.models import OutboxMessage
from bot.channels.sms.outbox import Outbox
from bot.profile import ContactDetails
from bot.reports import dashboard
from bot.services import Services
from tests.console_client import log_in
from tests.dealer import TZ, services_on
from tests.staff import AUTH
from tests.staff import STAFF_TOKEN as TOKEN

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=TZ)  # a Wednesday
_numbers = itertools.count(1)
_weeks = itertools.count(1)


@dataclass(frozen=True)
class Made:
    """One generated booking: whether a reminder went out, the customer replied C, and attendance."""

    reminded: bool
    confirmed: bool  # only acted on when reminded
    attendance: str | None  # attended | no_show | None (not marked)
    in_period: bool


def made_booking(services: Services, start: datetime, made: Made) -> None:
    """A customer of their own books; then what `made` says happens, each through its real path."""
    phone = f"+1555030{next(_numbers):04d}"
    who = services.profiles.customer_for_sender("rest", f"rates-{phone}")
    who = services.profiles.record_contact_details(
        who, ContactDetails(name="Lee", phone=phone, sms_consent=True)
    )
    code = services.bookings.book_service(who, start, ["tire-rotation"], {"model": "Brio"}, "wait", NOW).code
    assert code
    if made.reminded:
        with services.sessions.begin() as session:
            booking = session.scalar(select(Booking).where(Booking.code == code))
            assert queue_sms(session, booking, "reminder_24h", "reminder")
            reminder = session.scalar(select(OutboxMessage.id).where(OutboxMessage.booking_id == booking.id))
        Outbox(services.sessions).mark(reminder, status="sent", sent_at=NOW.replace(tzinfo=None))
        if made.confirmed:
            assert answer_reminder(services, phone, who, CONFIRM)
    if made.attendance:
        assert services.bookings.mark_attendance(code, made.attendance)


@pytest.fixture
def shop(database_url) -> Services:
    return services_on(database_url, lambda: NOW)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.builds(
            Made,
            reminded=st.booleans(),
            confirmed=st.booleans(),
            attendance=st.sampled_from([None, "attended", "no_show"]),
            in_period=st.booleans(),
        ),
        max_size=8,
    )
)
def test_the_dashboard_rates_are_those_of_the_bookings_in_the_period(shop, made):
    week = timedelta(weeks=next(_weeks))  # each example its own week, so examples never mix
    thursday = datetime(2026, 11, 26, 8, 0, tzinfo=TZ) + week
    for n, one in enumerate(made):
        day = thursday if one.in_period else thursday + timedelta(days=1)
        made_booking(shop, day + timedelta(minutes=15 * n), one)
    start = thursday.replace(hour=0)
    figures = dashboard(shop.sessions, shop.bookings, start, start + timedelta(days=1))["reminders"]

    counted = [m for m in made if m.in_period]
    reminded = [m for m in counted if m.reminded]
    confirmed = [m for m in reminded if m.confirmed]
    came = sum(m.attendance == "attended" for m in counted)
    missed = sum(m.attendance == "no_show" for m in counted)
    assert figures == {
        "reminded": len(reminded),
        "confirmed": len(confirmed),
        "confirmation_rate": round(len(confirmed) / len(reminded), 3) if reminded else None,
        "attended": came,
        "no_show": missed,
        "show_rate": round(came / (came + missed), 3) if came + missed else None,
        "no_show_rate": round(missed / (came + missed), 3) if came + missed else None,
    }


async def test_staff_see_which_bookings_are_confirmed_and_the_rates(staff_api, services):
    now = datetime.now(TZ)
    phone = f"+1555030{next(_numbers):04d}"
    who = services.profiles.customer_for_sender("rest", "rates-console")
    who = services.profiles.record_contact_details(
        who, ContactDetails(name="Ana", phone=phone, sms_consent=True)
    )
    starts = services.bookings.free_service_starts(30, now + timedelta(days=2), 2, spacing=120)
    codes = [
        services.bookings.book_service(who, s, ["tire-rotation"], {"model": "Brio"}, "wait", now).code
        for s in starts
    ]
    with services.sessions.begin() as session:
        booking = session.scalar(select(Booking).where(Booking.code == codes[0]))
        assert queue_sms(session, booking, "reminder_24h", "reminder")
        reminder = session.scalar(select(OutboxMessage.id).where(OutboxMessage.booking_id == booking.id))
    Outbox(services.sessions).mark(
        reminder, status="sent", sent_at=datetime.now(timezone.utc).replace(tzinfo=None)
    )
    assert answer_reminder(services, phone, who, CONFIRM)

    api = await (
        await staff_api.get(
            "/api/bookings",
            params={
                "from": starts[0].date().isoformat(),
                "to": (starts[-1] + timedelta(days=1)).date().isoformat(),
            },
            headers=AUTH,
        )
    ).json()
    by_code = {b["code"]: b for b in api}
    assert by_code[codes[0]]["confirmed_at"] is not None and by_code[codes[1]]["confirmed_at"] is None

    staff = await log_in(staff_api, TOKEN)
    _, page = await staff.page(f"/staff/customers/{who}")
    assert page.count("unconfirmed") == 1 and "<td>confirmed " in page
    window = f"from={now.date()}&to={(starts[-1] + timedelta(days=1)).date()}"
    data = await (await staff_api.get(f"/api/reports/dashboard?{window}", headers=AUTH)).json()
    assert data["reminders"]["reminded"] == 1 and data["reminders"]["confirmation_rate"] == 1.0
    _, html = await staff.page(f"/staff/dashboard?{window}")
    assert "confirmation rate: <strong>100%</strong>" in html and "no attendance marked" in html
