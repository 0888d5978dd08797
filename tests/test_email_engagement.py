"""Email as an engagement channel, on SQLite and PostgreSQL: booking confirmations, reminders and
clinic invitations to customers who agreed, sent to a real SMTP server (aiosmtpd, in this
process) and parsed back; the open pixel, tracked links and unsubscribing over real HTTP (the web
app on a port of its own); bounces; and, over generated cases, that an unsubscribed, bounced or
unconsenting address never receives anything."""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage as ParsedEmail
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.contact import ActionSaveContactDetails, ValidateContactForm
from bot import config, db
from bot.booking import steps as booking_steps
from bot.booking.models import Booking
from bot.booking.reminders import queue_reminders
from bot.booking.steps import ServiceRequest
from bot.channels.sms.models import OutboxMessage
from bot.config import EmailLinks
from bot.mail.customers import CustomerMail
from bot.mail.links import CLICK, OPEN, UNSUBSCRIBE, LinkRefused, Signer
from bot.mail.models import EmailMessage
from bot.mail.outbox import EmailOutbox, EmailSender, SmtpClient
from bot.profile import ContactDetails, VehicleDetails, email_consent_in
from bot.profile.models import Email, EngagementEvent
from bot.reports.measurement import dashboard
from bot.reports.next_steps import NextSteps
from bot.services import Services
from bot.supervisor import supervise
from bot.web.app import create_app
from tests.console_client import log_in
from tests.dealer import SHOP, TZ
from tests.staff import AUTH, STAFF_TOKEN
from tests.test_actions import domain, tracker
from tests.test_email import Inbox, start_server

TUESDAY_TEN = datetime(2026, 12, 1, 10, 0, tzinfo=TZ)
FROM = "Lakeside Corvane <hello@lakeside-corvane.example>"
SECRET = "test-secret-" + "x" * 40
SITE = "www.lakeside-corvane.example"
KINDS = ("confirmation", "reminder_24h", "reminder_2h", "clinic_invitation")
NUMBERS = itertools.count(1000)  # customers and booking codes of generated cases


class RefusingInbox(Inbox):
    """Also refuses some recipients at RCPT: `refuse` maps an address to the server's reply."""

    def __init__(self) -> None:
        super().__init__()
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def web_port(unused_tcp_port_factory) -> int:
    return unused_tcp_port_factory()


@pytest.fixture
def clock() -> Clock:
    return Clock(TUESDAY_TEN)


def links_for(port: int, hosts: frozenset[str] = frozenset({"127.0.0.1", SITE})) -> EmailLinks:
    return EmailLinks(SECRET, f"http://127.0.0.1:{port}", hosts)


@pytest.fixture
def services(database_url, clock, web_port) -> Services:
    return Services(
        db.session_factory(database_url), config.knowledge_dir(), clock, email_links=links_for(web_port)
    )


@pytest.fixture
def smtp(unused_tcp_port_factory):
    port = unused_tcp_port_factory()
    inbox = RefusingInbox()
    from aiosmtpd.controller import Controller

    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
async def web(services, web_port) -> AsyncIterator[str]:
    """The web app on its own port, where the emails' links point."""
    server = TestServer(
        create_app(services, staff_token=STAFF_TOKEN, rasa_url="http://127.0.0.1:9"), port=web_port
    )
    await server.start_server()
    async with aiohttp.ClientSession() as http:
        yield http
    await server.close()


def customer(
    services: Services,
    n: int,
    email_consent: bool | None = True,
    sms_consent: bool | None = None,
) -> tuple[int, str]:
    """A customer who left an email (and, with `sms_consent`, a mobile)."""
    address = f"customer{n}@example.com"
    start = services.profiles.customer_for_sender("rest", f"visitor-{n}")
    details = ContactDetails(
        name=f"Pat Doe{n}" if n else "Pat Doe",
        phone=f"+1555010{n:04d}" if sms_consent is not None else None,
        email=address,
        sms_consent=sms_consent,
        email_consent=email_consent,
    )
    return services.profiles.record_contact_details(start, details), address


def free_start(services: Services, days: int = 2) -> datetime:
    bookings = services.bookings
    return bookings.free_service_starts(
        bookings.service_minutes(["oil-change"]), services.now() + timedelta(days=days), 1
    )[0]


def book(services: Services, customer_id: int, days: int = 2) -> str:
    car = VehicleDetails("Tessa", "XLE", 2022)
    booked = booking_steps.book_service(
        services, ServiceRequest(customer_id, free_start(services, days), ("oil-change",), car)
    )
    assert booked.ok
    return booked.result.code


def emails(services: Services, **where: Any) -> list[EmailMessage]:
    with services.sessions() as session:
        query = select(EmailMessage).where(EmailMessage.customer_id.is_not(None)).order_by(EmailMessage.id)
        for name, value in where.items():
            query = query.where(getattr(EmailMessage, name) == value)
        return list(session.scalars(query))


def events(services: Services, customer_id: int) -> list[tuple[str, str]]:
    with services.sessions() as session:
        rows = session.execute(
            select(EngagementEvent.action, EngagementEvent.direction)
            .where(EngagementEvent.customer_id == customer_id, EngagementEvent.channel == "email")
            .order_by(EngagementEvent.id)
        ).all()
    return [(r.action, r.direction) for r in rows]


def address_row(services: Services, address: str) -> Email:
    with services.sessions() as session:
        return session.scalars(select(Email).where(Email.address == address)).one()


async def send(services: Services, port: int) -> dict[str, int]:
    settings = config.parse_smtp_url(f"smtp://127.0.0.1:{port}")
    sender = EmailSender(EmailOutbox(services.sessions), SmtpClient(settings, FROM))
    return dict(await sender.send_due(services.clock().astimezone(timezone.utc).replace(tzinfo=None)))


def parts(message: ParsedEmail) -> tuple[str, str]:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def link_in(text: str, path: str) -> str:
    return re.search(rf"http://127\.0\.0\.1:\d+{re.escape(path)}[A-Za-z0-9_.-]+", text).group(0)


# --- what arrives -------------------------------------------------------------------------------


async def test_a_booking_confirmation_arrives_with_both_parts_one_click_unsubscribe_and_the_address(
    services, smtp
):
    inbox, port = smtp
    customer_id, address = customer(services, 1)
    code = book(services, customer_id)
    [queued] = emails(services)
    assert (queued.kind, queued.status, queued.to_address) == ("confirmation", "queued", address)

    assert await send(services, port) == {"sent": 1}
    [(_, rcpt, message)] = inbox.received
    assert rcpt == [address] and message["From"] == FROM
    assert message["Subject"].startswith("Booked: your service appointment (Oil change) on ")
    assert message.get_content_type() == "multipart/alternative"
    unsubscribe = message["List-Unsubscribe"]
    assert re.fullmatch(r"<http://127\.0\.0\.1:\d+/e/u/[A-Za-z0-9_.-]+>", unsubscribe)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = parts(message)
    for part in (text, html):
        assert code in part and SHOP.address in part and SHOP.name in part
        assert unsubscribe.strip("<>") in part  # the same link in the header and both parts
        assert "/e/c/" in part  # the tracked link
    assert "/e/o/" in html and "/e/o/" not in text  # the pixel is the HTML part's only
    assert events(services, customer_id) == [("email_sent", "out")]
    assert emails(services)[0].status == "sent"
    assert await send(services, port) == {}  # never twice


async def test_customer_values_are_escaped_in_the_html_part(services, smtp):
    inbox, port = smtp
    customer_id, _ = customer(services, 2)
    with services.sessions.begin() as session:
        mail = CustomerMail(services)
        assert mail.queue_invitation(
            session, customer_id, "clinic:x", "Tom <b>& Jerry</b> invited.", "A <Clinic>"
        )
    await send(services, port)
    [(_, _, message)] = inbox.received
    text, html = parts(message)
    assert "Tom <b>& Jerry</b> invited." in text
    assert "Tom &lt;b&gt;&amp; Jerry&lt;/b&gt; invited." in html and "<b>" not in html


async def test_reminders_and_confirmations_follow_the_customers_choice_of_channel(services):
    customer_id, address = customer(services, 3, sms_consent=True)
    code = book(services, customer_id, days=1)
    assert [e.kind for e in emails(services)] == ["confirmation"]

    def reminders_at(hours_before: float) -> set[str]:
        with services.sessions() as session:
            start = session.scalar(select(Booking.starts_at).where(Booking.code == code))
        at = start.replace(tzinfo=timezone.utc) - timedelta(hours=hours_before)
        queue_reminders(services.sessions, services.schedule, SHOP.name, at, CustomerMail(services))
        with services.sessions() as session:
            texts = set(
                session.scalars(select(OutboxMessage.kind).where(OutboxMessage.customer_id == customer_id))
            )
        return {f"sms:{k}" for k in texts} | {f"email:{e.kind}" for e in emails(services)} - {
            "email:confirmation"
        }

    assert reminders_at(23) == {"sms:reminder_24h", "email:reminder_24h"}  # no choice: all they agreed to
    services.profiles.staff_set_booking_messages("Sam", customer_id, "sms")
    assert reminders_at(1) == {"sms:reminder_24h", "email:reminder_24h", "sms:reminder_2h"}
    assert services.profiles.profile(customer_id)["booking_messages"] == {
        "choice": "sms",
        "channels": ["sms"],
    }
    services.profiles.staff_set_booking_messages("Sam", customer_id, "email")
    assert services.profiles.profile(customer_id)["booking_messages"]["channels"] == ["email"]
    assert [a["action"] for a in services.profiles.audit_trail(customer_id)][:2] == [
        "booking_messages",
        "booking_messages",
    ]
    with pytest.raises(ValueError):
        services.profiles.staff_set_booking_messages("Sam", customer_id, "fax")
    services.profiles.staff_set_booking_messages("Sam", customer_id, None)
    assert services.profiles.profile(customer_id)["booking_messages"]["channels"] == ["email", "sms"]


def test_without_consent_or_a_link_secret_no_customer_email_is_queued(database_url, clock, web_port):
    plain = Services(db.session_factory(database_url), config.knowledge_dir(), clock)  # no EMAIL_LINK_SECRET
    customer_id, _ = customer(plain, 4)
    book(plain, customer_id)
    assert emails(plain) == []
    signed = Services(plain.sessions, config.knowledge_dir(), clock, email_links=links_for(web_port))
    for consent in (None, False):
        someone, _ = customer(signed, 5 + int(consent is False), email_consent=consent)
        book(signed, someone)
    assert emails(signed) == []


async def test_a_clinic_invitation_goes_by_email_when_staff_send_it(services, smtp):
    inbox, port = smtp
    customer_id, address = customer(services, 7, sms_consent=True)
    services.profiles.add_household_member(customer_id, "Max", "son", TUESDAY_TEN.year - 16)
    steps = NextSteps(services.profiles, services.bookings, SHOP.name, CustomerMail(services))
    [teen] = [
        s
        for s in steps.for_customer(customer_id, TUESDAY_TEN.date())
        if s["key"] == "clinic:teen-driver-safety"
    ]
    assert teen["send_by"] == ["email", "sms"]
    outcome = steps.decide(customer_id, teen["key"], "send", "Sam", TUESDAY_TEN.date())
    assert outcome == "Teen Driver Safety Clinic: queued as SMS and email."
    assert await send(services, port) == {"sent": 1}
    [(_, rcpt, message)] = inbox.received
    assert (
        rcpt == [address]
        and message["Subject"] == f"You're invited: Teen Driver Safety Clinic at {SHOP.name}"
    )
    assert "Max is nearly driving age." in parts(message)[0]


# --- tracking over HTTP -------------------------------------------------------------------------


async def sent_confirmation(services: Services, smtp: tuple[Inbox, int], n: int) -> tuple[int, str, str]:
    """A customer's confirmation, sent; its customer, address and plain-text part."""
    inbox, port = smtp
    customer_id, address = customer(services, n)
    book(services, customer_id)
    assert (await send(services, port)).get("sent") == 1
    return customer_id, address, parts(inbox.received[-1][2])[0]


async def test_opens_and_clicks_are_engagement_and_the_first_open_is_counted_once(services, smtp, web):
    customer_id, _, text = await sent_confirmation(services, smtp, 8)
    html = parts(smtp[0].received[-1][2])[1]
    pixel = link_in(html, "/e/o/")
    assert pixel.endswith(".gif")
    for _ in range(3):
        async with web.get(pixel) as response:
            assert response.status == 200 and response.content_type == "image/gif"
            assert response.headers["Cache-Control"] == "no-store"
    async with web.get(link_in(text, "/e/c/"), allow_redirects=False) as response:
        assert response.status == 302 and response.headers["Location"] == services.email_links.base_url + "/"
    assert events(services, customer_id) == [
        ("email_sent", "out"),
        *[("email_opened", "in")] * 3,
        ("email_clicked", "in"),
    ]
    [sent] = emails(services)
    assert sent.opened_at is not None and sent.clicked_at is not None
    figures = dashboard(
        services.sessions, services.bookings, TUESDAY_TEN - timedelta(days=7), TUESDAY_TEN + timedelta(days=7)
    )
    assert {k: figures["emails"][k] for k in ("sent", "opened", "clicked", "open_rate")} == {
        "sent": 1,
        "opened": 1,
        "clicked": 1,
        "open_rate": 1.0,
    }
    assert figures["emails"]["by_kind"] == {"confirmation": {"sent": 1, "opened": 1, "clicked": 1}}
    assert (
        sum(figures["messages_by_channel"]["email"]) == 1
    )  # the email sent; opens and clicks aren't messages


def _forgeries(good: str, signer_elsewhere: Signer, message_id: int, now: datetime) -> list[str]:
    """Tokens that must all be refused: random, changed, re-signed by another secret, expired."""
    body, _, signature = good.rpartition("/")[2].partition(".")
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    return [
        "not-a-token",
        f"{body}.{'A' * len(signature)}",
        f"{flipped}.{signature}",  # the content changed, the signature kept
        f"{body}.{signature}x",
        signer_elsewhere.tracked(message_id, "http://127.0.0.1/", now).rpartition("/")[2],
        "a" * 5000,
    ]


async def test_forged_changed_expired_or_misdirected_links_are_404_and_record_nothing(
    services, smtp, web, web_port
):
    customer_id, address, text = await sent_confirmation(services, smtp, 9)
    [sent] = emails(services)
    base = services.email_links.base_url
    other_secret = Signer(EmailLinks("another-secret-" + "y" * 40, base, services.email_links.hosts))
    ours = Signer(services.email_links)
    long_ago = TUESDAY_TEN - timedelta(days=91)
    now = services.clock()
    foreign = Signer(links_for(web_port, frozenset({"127.0.0.1", SITE, "evil.example"})))
    bad_paths = [f"/e/c/{t}" for t in _forgeries(link_in(text, "/e/c/"), other_secret, sent.id, now)]
    bad_paths += [f"/e/o/{t}.gif" for t in _forgeries(link_in(text, "/e/c/"), other_secret, sent.id, now)]
    bad_paths += [f"/e/u/{t}" for t in _forgeries(link_in(text, "/e/u/"), other_secret, sent.id, now)]
    bad_paths += [
        urlsplit(ours.tracked(sent.id, f"{base}/", long_ago)).path,  # expired (90 days)
        urlsplit(ours.open_pixel(sent.id, long_ago)).path,
        urlsplit(ours.unsubscribe(sent.id, long_ago - timedelta(days=300))).path,
        urlsplit(ours.open_pixel(sent.id, now))
        .path.replace("/e/o/", "/e/c/")
        .removesuffix(".gif"),  # wrong use
        urlsplit(ours.tracked(sent.id + 999, f"{base}/", now)).path,  # an email we don't have
        # a genuine signature over a target outside the allowed hosts (as if the list changed): refused
        urlsplit(foreign.tracked(sent.id, "https://evil.example/login", now)).path,
    ]
    for path in bad_paths:
        async with web.get(base + path, allow_redirects=False) as response:
            assert response.status == 404, path
            assert "Location" not in response.headers
    async with web.post(
        base + bad_paths[0].replace("/e/c/", "/e/u/"), data={"List-Unsubscribe": "One-Click"}
    ) as response:
        assert response.status == 404
    assert events(services, customer_id) == [("email_sent", "out")]
    assert emails(services)[0].opened_at is None and emails(services)[0].clicked_at is None
    assert address_row(services, address).unsubscribed_at is None


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "javascript:alert(1)",
        "//evil.example/",
        "http://127.0.0.1@evil.example/",
        "https://evil.example\\@127.0.0.1/",
        "http://127.0.0.1.evil.example/",
        "ftp://127.0.0.1/",
        "http://user:pass@127.0.0.1/",
        "http://127.0.0.1:99999/",
    ],
)
def test_no_link_is_made_to_a_host_that_is_not_the_dealers(web_port, target):
    with pytest.raises(LinkRefused):
        Signer(links_for(web_port)).tracked(1, target, TUESDAY_TEN)


@given(message_id=st.integers(0, 2**40), target=st.text(max_size=60), days=st.integers(0, 89))
def test_a_genuine_link_reads_back_as_made_and_only_for_its_purpose(message_id, target, days):
    signer = Signer(links_for(8000))
    url = f"https://{SITE}/{target}"
    made_at = TUESDAY_TEN - timedelta(days=days)
    if not signer.allowed(url):
        return
    token = signer.tracked(message_id, url, made_at).rpartition("/")[2]
    link = signer.read(token, CLICK, TUESDAY_TEN)
    assert (link.message_id, link.target) == (message_id, url)
    assert (
        signer.read(token, OPEN, TUESDAY_TEN) is None and signer.read(token, UNSUBSCRIBE, TUESDAY_TEN) is None
    )
    assert signer.read(token, CLICK, made_at + timedelta(days=90)) is None  # expired


# --- unsubscribing ------------------------------------------------------------------------------


async def test_the_unsubscribe_page_changes_nothing_until_its_button_and_one_click_post_unsubscribes(
    services, smtp, web
):
    customer_id, address, text = await sent_confirmation(services, smtp, 10)
    page = link_in(text, "/e/u/")
    async with web.get(page) as response:
        html = await response.text()
        assert response.status == 200 and "<script" not in html
        assert "c***@example.com" in html and address not in html
        assert 'name="List-Unsubscribe" value="One-Click"' in html
    assert address_row(services, address).unsubscribed_at is None  # a GET (a link scanner) does nothing

    async with web.post(page, data="") as response:
        assert response.status == 400 and "List-Unsubscribe=One-Click" in await response.text()
    assert address_row(services, address).unsubscribed_at is None

    for _ in range(2):  # RFC 8058: what a mail program sends; twice records once
        async with web.post(
            page,
            data="List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ) as response:
            assert response.status == 200 and "no more emails" in await response.text()
    row = address_row(services, address)
    assert row.unsubscribed_at is not None and row.unsubscribe_source == "email:one-click"
    assert events(services, customer_id) == [("email_sent", "out"), ("email_unsubscribed", "in")]
    assert services.profiles.profile(customer_id)["booking_messages"]["channels"] == []
    book(services, customer_id, days=4)
    assert len(emails(services)) == 1  # nothing more queued for the address


# --- never to an unsubscribed, bounced or unconsenting address ----------------------------------


async def test_a_permanent_refusal_marks_the_address_bounced_and_a_temporary_one_is_retried(services, smtp):
    inbox, port = smtp
    gone_id, gone = customer(services, 11)
    busy_id, busy = customer(services, 12)
    inbox.refuse = {gone: "550 5.1.1 No such user here", busy: "450 4.2.1 Mailbox busy"}
    book(services, gone_id)
    book(services, busy_id, days=3)
    assert await send(services, port) == {"failed": 1, "retrying": 1}
    bounced = address_row(services, gone)
    assert bounced.bounced_at is not None and "550 5.1.1 No such user here" in bounced.bounce_reason
    assert address_row(services, busy).bounced_at is None
    assert services.profiles.profile(gone_id)["booking_messages"]["channels"] == []

    inbox.refuse = {}  # the busy mailbox recovers; the bounced address is never tried again
    with services.sessions.begin() as session:
        mail = CustomerMail(services)
        assert mail.queue_invitation(session, gone_id, "clinic:x", "Come along.", "A clinic") == 0
    services.clock.now += timedelta(minutes=1)
    assert await send(services, port) == {"sent": 1}
    assert [rcpt for _, rcpt, _ in inbox.received] == [[busy]]


async def test_a_dead_mail_server_keeps_customer_emails_queued_and_sends_them_later(
    services, unused_tcp_port_factory
):
    dead = unused_tcp_port_factory()
    customer_id, address = customer(services, 13)
    book(services, customer_id)
    assert await send(services, dead) == {"retrying": 1}
    [queued] = emails(services)
    assert queued.status == "queued" and "ConnectionRefusedError" in queued.last_error
    inbox, controller = start_server(dead, auth_require_tls=False)
    try:
        services.clock.now += timedelta(minutes=1)
        assert await send(services, dead) == {"sent": 1}
    finally:
        controller.stop()
    assert [rcpt for _, rcpt, _ in inbox.received] == [[address]]
    assert events(services, customer_id) == [("email_sent", "out")]


CLOSINGS = ("unsubscribed before queueing", "unsubscribed after queueing", "bounced", "no consent", "said no")


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=4), closing=st.sampled_from(CLOSINGS))
def test_an_address_that_may_not_be_written_to_never_receives_anything(services, smtp, kinds, closing):
    """Every kind of customer email, whatever happened to the address and when: nothing arrives
    there, while a customer next to them who agreed gets theirs."""
    inbox, port = smtp
    inbox.received.clear()
    run = next(NUMBERS)
    closed_id, closed = customer(
        services, run, email_consent={"no consent": None, "said no": False}.get(closing, True)
    )
    open_id, open_address = customer(services, next(NUMBERS))

    def close() -> None:
        with services.sessions.begin() as session:
            address = session.scalars(select(Email).where(Email.address == closed)).one()
            if closing == "bounced":
                address.bounced_at, address.bounce_reason = datetime(2026, 11, 1), "550 no such user"
            else:
                address.unsubscribed_at, address.unsubscribe_source = datetime(2026, 11, 1), "email:one-click"

    if closing == "unsubscribed before queueing" or closing == "bounced":
        close()
    mail = CustomerMail(services)
    for kind in kinds:
        for who in (closed_id, open_id):
            with services.sessions.begin() as session:
                if kind == "clinic_invitation":
                    mail.queue_invitation(session, who, f"clinic:{run}", "Come along.", "A clinic")
                else:
                    booking = Booking(
                        code=f"E{next(NUMBERS):07d}",
                        customer_id=who,
                        kind="service",
                        status="confirmed",
                        starts_at=datetime(2026, 12, 3, 15, 0),
                        ends_at=datetime(2026, 12, 3, 16, 0),
                        party_size=1,
                    )
                    session.add(booking)
                    session.flush()
                    mail.queue_booking(session, booking, None, kind)
    if closing == "unsubscribed after queueing":
        close()
    asyncio.run(send(services, port))
    arrived = [rcpt[0] for _, rcpt, _ in inbox.received]
    assert closed not in arrived
    expected = sum(kind != "clinic_invitation" for kind in kinds) + ("clinic_invitation" in kinds)
    assert arrived == [open_address] * expected  # each invitation once, each booking's email once
    assert all(e.status in ("skipped", "failed") for e in emails(services) if e.to_address == closed)


# --- the console ------------------------------------------------------------------------------


async def test_staff_see_email_consent_and_set_the_channel_and_the_dashboard_shows_email(services, smtp, web):
    customer_id, address, _ = await sent_confirmation(services, smtp, 16)
    base = services.email_links.base_url
    async with web.get(f"{base}/api/customers/{customer_id}") as response:
        assert response.status == 401  # the profile is the staff's
    async with web.get(f"{base}/api/customers/{customer_id}", headers=AUTH) as response:
        [email] = [e for c in (await response.json())["contacts"] for e in c["email_addresses"]]
    assert email["address"] == address and email["email_consent"] is True and email["unsubscribed_at"] is None

    class Client:  # the console helper's shape, on the web app's own port
        async def get(self, path, **kw):
            response = await web.get(base + path, **kw)
            await response.read()
            return response

        async def post(self, path, **kw):
            response = await web.post(base + path, **kw)
            await response.read()
            return response

    staff = await log_in(Client(), STAFF_TOKEN)
    page = f"/staff/customers/{customer_id}"
    status, html = await staff.page(page)
    assert status == 200 and address in html and "booking_messages" in html
    refused = await staff.post(f"{page}/booking-messages", {"booking_messages": "pigeon"}, page)
    assert refused.status == 400 and "Not changed" in await refused.text()
    saved = await staff.post(f"{page}/booking-messages", {"booking_messages": "sms"}, page)
    assert saved.status == 303
    assert services.profiles.profile(customer_id)["booking_messages"]["choice"] == "sms"
    assert services.profiles.audit_trail(customer_id)[0]["staff"] == "Sam Staff"
    status, html = await staff.page("/staff/dashboard")
    assert status == 200 and "Customer emails: <strong>1</strong> sent" in html


# --- consent and settings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "reply, consent",
    [
        ("jane@example.com", True),
        ("sure, it's jane@example.com", True),
        ("jane@example.com but no emails please", False),
        ("jane@example.com, don't email me", False),
        ("jane@example.com (file only)", False),
        ("noemail@example.com", True),
    ],
)
def test_the_answer_to_the_email_question_says_yes_unless_it_says_no(reply, consent):
    assert email_consent_in(reply) is consent


@pytest.mark.parametrize(
    "asked, reply, consent",
    [
        ("email", "it's pat@example.com", True),
        ("email", "pat@example.com but no emails please", False),
        ("phone", "pat@example.com", None),  # given unasked: kept, consent not asked
    ],
)
async def test_the_contact_forms_email_answer_is_consent_and_is_saved_on_the_address(
    services, asked, reply, consent
):
    form = tracker("session_start", f"form-{asked}-{consent}", requested_slot=asked)
    form.latest_message = {"text": reply, "intent": {"name": "inform"}}
    validate = ValidateContactForm(services).validate_email  # the slot holds the address (the entity)
    checked = validate("pat@example.com", CollectingDispatcher(), form, domain())
    assert checked == {"email": "pat@example.com", **({} if consent is None else {"email_consent": consent})}
    form.slots.update({"customer_name": "Pat Doe", "phone": None, **checked})
    await ActionSaveContactDetails(services).run(CollectingDispatcher(), form, domain())
    assert address_row(services, "pat@example.com").email_consent is consent


def test_email_consent_is_recorded_on_the_address_and_merges_keep_the_channel_choice(services):
    older, address = customer(services, 14, email_consent=False)
    row = address_row(services, address)
    assert row.email_consent is False and row.email_consent_source == "chat"
    newer, _ = customer(services, 15)
    services.profiles.staff_set_booking_messages("Sam", newer, "email")
    # The newer profile turns out to have the older one's address too: one household, the older id.
    survivor = services.profiles.record_contact_details(
        newer, ContactDetails(email=address, email_consent=True)
    )
    assert survivor == older
    profile = services.profiles.profile(older)
    addresses = {e["address"]: e for c in profile["contacts"] for e in c["email_addresses"]}
    assert (
        addresses[address]["email_consent"] is True and addresses[address]["email_consent_source"] == "chat"
    )
    assert profile["booking_messages"] == {"choice": "email", "channels": ["email"]}


def test_email_link_settings_are_checked_at_start(monkeypatch):
    for name in ("EMAIL_LINK_SECRET", "EMAIL_LINK_HOSTS", "SMTP_URL", "PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    assert config.email_links() is None
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:25")
    with pytest.raises(SystemExit, match="EMAIL_LINK_SECRET must be set when SMTP_URL is"):
        config.email_links()
    with pytest.raises(SystemExit, match="EMAIL_LINK_SECRET must be set"):
        Services.from_environment()
    with pytest.raises(SystemExit, match="EMAIL_LINK_SECRET"):
        supervise()  # before any part is started
    monkeypatch.setenv("EMAIL_LINK_SECRET", "short")
    with pytest.raises(SystemExit, match="at least 32"):
        config.email_links()
    monkeypatch.setenv("EMAIL_LINK_SECRET", SECRET)
    monkeypatch.setenv("PUBLIC_URL", "https://concierge.lakeside.example/")
    monkeypatch.setenv("EMAIL_LINK_HOSTS", f"{SITE}, shop.lakeside.example")
    links = config.email_links()
    assert links.base_url == "https://concierge.lakeside.example"
    assert links.hosts == {"concierge.lakeside.example", SITE, "shop.lakeside.example"}
    assert SECRET not in repr(links)
    monkeypatch.setenv("EMAIL_LINK_HOSTS", "https://evil.example/x")
    with pytest.raises(SystemExit, match="EMAIL_LINK_HOSTS"):
        config.email_links()
