"""Handoffs reach a person (bot/profile/reach.py), on SQLite and PostgreSQL, with a clock the test
moves: the first person on the department's list is alerted by SMS and email, the next one when
nobody takes it in time during opening hours, the customer is told, and a handoff is never left
without one of: taken, someone alerted, reported missed."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.channels.sms.models import OutboxMessage
from bot.channels.sms.outbox import send_outbox
from bot.mail.models import EmailMessage
from bot.profile import ContactDetails
from bot.profile.models import EngagementEvent, HandoffRequest
from bot.profile.reach import (
    MIN_MEASURED,
    department_for,
    escalate_due,
    open_and_alert,
    reply_promise,
    take_over_minutes,
    unreached,
)
from bot.profile.steps import Handoff, hand_off
from bot.services import Services
from bot.web.app import create_app
from tests.console_client import log_in
from tests.dealer import SHOP, TZ, services_on
from tests.staff import AUTH, STAFF_TOKEN
from tests.test_email import start_server

TUESDAY_TEN = datetime(2026, 12, 1, 10, 0, tzinfo=TZ)  # sales (9-20) and service (7-18) open
SUNDAY_NOON = datetime(2026, 11, 29, 12, 0, tzinfo=TZ)  # everything closed
MONDAY_NINE = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)  # sales opens
DANA, LUIS = "+15550102101", "+15550102102"


class Clock:
    """A clock the test moves."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(TUESDAY_TEN)


@pytest.fixture
def services(database_url, clock) -> Services:
    return services_on(database_url, clock)


def ask(services: Services, sender: str, text: str, channel: str = "socketio", reason: str = "asked") -> int:
    customer = services.profiles.customer_for_sender(channel, sender)
    return hand_off(services, Handoff(customer, sender, channel, reason, text)).handoff_id


def texts(services: Services, kind: str) -> list[OutboxMessage]:
    with services.sessions() as session:
        return list(
            session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
            )
        )


def emails(services: Services) -> list[EmailMessage]:
    with services.sessions() as session:
        return list(session.scalars(select(EmailMessage).order_by(EmailMessage.id)))


def handoff(services: Services, handoff_id: int) -> HandoffRequest:
    with services.sessions() as session:
        return session.get(HandoffRequest, handoff_id)


def naive(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


@pytest.mark.parametrize(
    ("reason", "text", "form", "department"),
    [
        ("pricing", "how much is it", None, "sales"),
        ("asked", "can I get a quote on a trade-in", None, "sales"),
        ("asked", "I want to buy a Tessa", None, "sales"),
        ("escalation", "my brakes still squeak after your repair", None, "service"),
        ("asked", "talk to someone", "service_form", "service"),
        ("asked", "talk to someone", None, "sales"),
    ],
)
def test_each_handoff_goes_to_the_department_it_is_about(reason, text, form, department):
    assert department_for(SHOP, reason, text, form) == department


def test_a_new_handoff_alerts_the_first_person_on_duty_by_sms_and_email(services, monkeypatch):
    monkeypatch.setenv("PUBLIC_URL", "https://concierge.example.com")
    handoff_id = ask(services, "web-alert", "what's my trade-in worth?", reason="pricing")
    [sms] = texts(services, "staff_alert")
    assert sms.phone == DANA and sms.next_attempt_at is None  # open now: sent straight away
    assert f"https://concierge.example.com/staff/handoffs/{handoff_id}" in sms.body
    assert "trade-in" not in sms.body  # what the customer wrote stays out of texts to staff phones
    [mail] = emails(services)
    assert mail.to_address == "dana@lakeside-corvane.example" and mail.handoff_id == handoff_id
    assert "what's my trade-in worth?" in mail.body and f"/staff/handoffs/{handoff_id}" in mail.body
    row = handoff(services, handoff_id)
    assert (row.department, row.alerts, row.missed_at) == ("sales", 1, None)
    assert row.next_alert_at == naive(TUESDAY_TEN + timedelta(minutes=10))
    assert ask(services, "web-alert", "hello?", reason="pricing") == handoff_id  # reused: no new alert
    assert len(texts(services, "staff_alert")) == 1 and unreached(services) == []


def test_nobody_takes_it_so_the_next_person_is_alerted_and_then_it_is_missed(services, clock):
    customer = services.profiles.customer_for_sender("sms", "+15550100501")
    handoff_id = hand_off(
        services, Handoff(customer, "+15550100501", "sms", "asked", "I want to buy")
    ).handoff_id
    clock.advance(minutes=9)
    assert escalate_due(services) == {}
    clock.advance(minutes=1)
    assert escalate_due(services) == {"escalated": 1}
    assert escalate_due(services) == {}  # once
    assert [m.phone for m in texts(services, "staff_alert")] == [DANA, LUIS]
    assert "Dana hasn't taken it yet" in texts(services, "staff_alert")[1].body
    assert [e.to_address for e in emails(services)][1] == "luis@lakeside-corvane.example"
    [notice] = texts(services, "handoff_notice")
    assert notice.phone == "+15550100501" and "Luis" in notice.body and "Sorry for the wait" in notice.body
    assert unreached(services) == []

    clock.advance(minutes=10)
    assert escalate_due(services) == {"missed": 1}
    assert escalate_due(services) == {}
    row = handoff(services, handoff_id)
    assert row.missed_at == naive(clock()) and row.next_alert_at is None and row.status == "open"
    assert emails(services)[-1].to_address == "sales@lakeside-corvane.example"
    assert "Missed handoff" in emails(services)[-1].subject
    last = texts(services, "handoff_notice")[-1]
    assert "+1 555 010 2001" in last.body and row.notice == last.body
    assert unreached(services) == []


def test_a_taken_handoff_is_not_escalated_and_counts_its_time_to_take_over(services, clock):
    handoff_id = ask(services, "web-taken", "talk to a person")
    clock.advance(minutes=4)
    with services.sessions.begin() as session:  # what the console's take does, at the test's time
        row = session.get(HandoffRequest, handoff_id)
        row.taken_by, row.taken_at = "Dana Whitfield", naive(clock())
    clock.advance(minutes=30)
    assert escalate_due(services) == {}
    assert take_over_minutes(services, TUESDAY_TEN - timedelta(days=1)) == [4.0]
    assert len(texts(services, "staff_alert")) == 1 and unreached(services) == []


def test_out_of_hours_email_goes_now_sms_and_escalation_wait_for_the_opening(database_url):
    clock = Clock(SUNDAY_NOON)
    services = services_on(database_url, clock)
    handoff_id = ask(services, "web-sunday", "can someone call me about leasing")
    [sms] = texts(services, "staff_alert")
    assert sms.phone == DANA and sms.next_attempt_at == naive(MONDAY_NINE)  # not texted on a Sunday
    assert len(emails(services)) == 1
    clock.advance(hours=3)
    assert escalate_due(services) == {}
    assert handoff(services, handoff_id).next_alert_at == naive(MONDAY_NINE + timedelta(minutes=10))
    clock.moment = MONDAY_NINE + timedelta(minutes=10)
    assert escalate_due(services) == {"escalated": 1}
    # taken on Monday at 9:25: 25 minutes from the opening, not the hours the shop was closed
    with services.sessions.begin() as session:
        row = session.get(HandoffRequest, handoff_id)
        row.taken_by, row.taken_at = "Luis", naive(MONDAY_NINE + timedelta(minutes=25))
    assert take_over_minutes(services, SUNDAY_NOON - timedelta(days=1)) == [25.0]


def test_an_escalation_due_when_the_department_has_closed_waits_for_the_next_opening(database_url):
    clock = Clock(datetime(2026, 12, 1, 19, 55, tzinfo=TZ))  # sales closes at 20:00
    services = services_on(database_url, clock)
    handoff_id = ask(services, "web-late", "I'd like a quote")
    clock.advance(minutes=10)
    assert escalate_due(services) == {"deferred": 1}
    assert handoff(services, handoff_id).next_alert_at == naive(datetime(2026, 12, 2, 9, 0, tzinfo=TZ))
    assert texts(services, "handoff_notice") == [] and unreached(services) == []


def test_opted_out_numbers_get_no_alerts_or_notices_but_it_is_all_still_recorded(services, clock):
    dana = services.profiles.customer_for_sender("sms", DANA)  # Dana texted STOP to the dealership number
    services.profiles.record_contact_details(dana, ContactDetails(phone=DANA))
    assert services.profiles.opt_out(DANA, "sms:STOP", "STOP")
    customer = services.profiles.customer_for_sender("sms", "+15550100502")
    services.profiles.record_contact_details(customer, ContactDetails(phone="+15550100502", sms_consent=True))
    services.profiles.opt_out("+15550100502", "sms:STOP", "STOP")
    handoff_id = hand_off(services, Handoff(customer, "+15550100502", "sms", "pricing", "price?")).handoff_id
    assert texts(services, "staff_alert") == []
    assert [e.to_address for e in emails(services)] == ["dana@lakeside-corvane.example"]  # email still goes
    clock.advance(minutes=10)
    assert escalate_due(services) == {"escalated": 1}
    assert [m.phone for m in texts(services, "staff_alert")] == [LUIS]
    assert texts(services, "handoff_notice") == []
    assert handoff(services, handoff_id).notice.startswith("Sorry for the wait")
    assert unreached(services) == []


def test_a_web_customer_s_notice_is_in_the_conversation_staff_see(services, clock):
    handoff_id = ask(services, "web-notice", "anyone there?")
    clock.advance(minutes=10)
    escalate_due(services)
    with services.sessions() as session:
        [event] = session.scalars(select(EngagementEvent).where(EngagementEvent.sender_id == "web-notice"))
    assert event.action == "handoff_notice" and event.direction == "out" and "Luis" in event.text
    shown = services.profiles.handoff(handoff_id)
    assert shown["conversation"][-1]["text"] == event.text and shown["notice"] == event.text


def test_a_department_with_nobody_on_duty_is_reported_missed_at_once(services):
    customer = services.profiles.customer_for_sender("socketio", "web-parts")
    opened = open_and_alert(services, customer, "web-parts", "socketio", "asked", "a part", "parts")
    assert opened.missed and texts(services, "staff_alert") == [] and unreached(services) == []


async def test_several_senders_escalate_a_handoff_once(database_url, clock):
    services = [services_on(database_url, clock) for _ in range(3)]
    for n in range(5):
        ask(services[0], f"web-race-{n}", "help please")
    clock.advance(minutes=10)
    results = await asyncio.gather(*(asyncio.to_thread(escalate_due, s) for s in services))
    assert sum(r["escalated"] for r in results) == 5
    assert sorted(m.phone for m in texts(services[0], "staff_alert")) == [DANA] * 5 + [LUIS] * 5


def test_the_promise_quotes_the_measured_median_once_there_is_enough_data(services, clock):
    usual = reply_promise(services)
    assert usual == SHOP.staff_reply_promise(clock())
    for n, minutes in enumerate([2, 3, 3, 4, 5, 6, 6, 7, 30, 40]):
        handoff_id = ask(services, f"web-measured-{n}", "a person please")
        with services.sessions.begin() as session:
            row = session.get(HandoffRequest, handoff_id)
            row.taken_by, row.taken_at = "Dana", row.wait_from + timedelta(minutes=minutes)
    assert len(take_over_minutes(services, clock() - timedelta(days=1))) == MIN_MEASURED
    assert reply_promise(services) == (
        "Someone will reply shortly: half of these requests are picked up within 6 minutes."
    )
    clock.moment = SUNDAY_NOON  # closed: the callback wording, whatever was measured
    assert "closed" in reply_promise(services)


async def test_the_sender_loop_escalates_and_emails_the_alert_through_smtp(
    database_url, clock, unused_tcp_port, monkeypatch
):
    inbox, controller = start_server(unused_tcp_port, auth_require_tls=False)
    monkeypatch.setenv("SMTP_URL", f"smtp://127.0.0.1:{unused_tcp_port}")
    monkeypatch.setenv("EMAIL_FROM", "Concierge <concierge@lakeside-corvane.example>")
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER"):
        monkeypatch.delenv(name, raising=False)
    services = services_on(database_url, clock)
    try:
        handoff_id = ask(services, "web-loop", "my engine light is on, a person please")
        clock.advance(minutes=10)
        assert await send_outbox(services, forever=False) is None  # SMS off; escalation and email ran
    finally:
        controller.stop()
    assert handoff(services, handoff_id).alerts == 2
    assert [rcpt for _, rcpt, _ in inbox.received] == [
        ["priya@lakeside-corvane.example"],
        ["tom@lakeside-corvane.example"],
    ]
    message = inbox.received[1][2]
    assert message["From"] == "Concierge <concierge@lakeside-corvane.example>"
    assert (
        f"/staff/handoffs/{handoff_id}" in message.get_content()
        and "Priya hasn't taken it yet" in message.get_content()
    )
    assert all(e.status == "sent" for e in emails(services))


def test_every_handoff_ends_up_taken_alerted_or_missed(database_url):
    """The invariant, over a day of handoffs at every hour, some taken, with the escalation run
    every few minutes."""
    clock = Clock(datetime(2026, 11, 28, 0, 5, tzinfo=TZ))  # a Saturday, then Sunday and Monday
    services = services_on(database_url, clock)
    texts_by_hour = ["talk to a person", "my brakes squeal", "price of a Lumen?", "trade-in value"]
    for step in range(72 * 4):
        if step % 3 == 0:
            handoff_id = ask(services, f"web-day-{step}", texts_by_hour[step % 4])
            if step % 9 == 0:
                with services.sessions.begin() as session:
                    row = session.get(HandoffRequest, handoff_id)
                    row.taken_by, row.taken_at = "Tom", naive(clock())
        if step % 2 == 0:
            escalate_due(services)
        assert unreached(services) == []
        clock.advance(minutes=15)
    with services.sessions() as session:
        rows = session.scalars(select(HandoffRequest)).all()
        assert {r.department for r in rows} == {"sales", "service"}
        assert any(r.missed_at for r in rows) and any(r.alerts == 2 for r in rows)


@pytest.fixture
async def fake_rasa(unused_tcp_port_factory):
    """A stand-in for Rasa's HTTP API that keeps the events appended to conversations."""
    port = unused_tcp_port_factory()
    appended: list[dict] = []

    async def events(request: web.Request) -> web.Response:
        appended.extend(await request.json())
        return web.json_response({"sender_id": request.match_info["sender"]})

    app = web.Application()
    app.router.add_post("/conversations/{sender}/tracker/events", events)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}", appended
    await runner.cleanup()


async def test_staff_replies_are_signed_with_their_first_name_and_the_dashboard_counts_handoffs(
    services, clock, fake_rasa
):
    rasa_url, appended = fake_rasa
    customer = services.profiles.customer_for_sender("sms", "+15550100503")
    services.profiles.record_contact_details(customer, ContactDetails(phone="+15550100503", sms_consent=True))
    taken = hand_off(services, Handoff(customer, "+15550100503", "sms", "pricing", "best price?")).handoff_id
    missed = ask(services, "web-dash-missed", "anyone?")
    clock.advance(minutes=10)
    escalate_due(services)
    clock.advance(minutes=10)
    escalate_due(services)  # both missed by now; the first is then taken late
    app = create_app(services, staff_token=STAFF_TOKEN, rasa_url=rasa_url)
    async with TestClient(TestServer(app)) as client:
        staff = await log_in(client, STAFF_TOKEN, name="Dana Whitfield")
        page = f"/staff/handoffs/{taken}"
        replied = await staff.post(f"{page}/reply", {"text": "Hi, I can help with that."}, page)
        assert replied.status == 303, await replied.text()
        [reply] = texts(services, "staff")
        assert reply.body == "Dana: Hi, I can help with that." and reply.phone == "+15550100503"
        assert [e["text"] for e in appended if e["event"] == "bot"] == ["Dana: Hi, I can help with that."]
        _, shown = await staff.page(f"/staff/handoffs/{missed}")
        assert "missed" in shown and "Sorry" in shown
        data = await (await client.get("/api/reports/dashboard", headers=AUTH)).json()
        _, dashboard_page = await staff.page("/staff/dashboard")
    handoffs = data["handoffs"]
    assert (handoffs["requested"], handoffs["missed"], handoffs["waiting"]) == (2, 2, 0)
    assert [m["id"] for m in handoffs["missed_list"]] == [missed, taken]
    assert handoffs["measured"] == 1 and handoffs["median_minutes_to_take_over"] is not None
    assert "Missed handoffs" in dashboard_page and f'href="/staff/handoffs/{missed}"' in dashboard_page
