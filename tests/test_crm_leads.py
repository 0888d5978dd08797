"""Leads reach the CRM (bot/crm): sales handoffs and, when the dealer wants them, new service
bookings are emailed to CRM_LEAD_EMAIL as ADF 1.0 through the email outbox, on SQLite and
PostgreSQL, to a real SMTP server (aiosmtpd, in this process). What arrives is parsed back: the
email with `email.parser`, the lead with ElementTree."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from datetime import datetime, timedelta, timezone
from email.message import Message

import pytest
from alembic import command
from alembic.config import Config
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import inspect, select, text

from bot import config, db
from bot.booking import steps as booking_steps
from bot.booking.steps import ServiceRequest
from bot.crm import (
    LEAD_KIND,
    Lead,
    LeadCustomer,
    LeadVehicle,
    SalesAsk,
    Vendor,
    adf_document,
    queue_service_lead,
)
from bot.crm.adf import xml_text
from bot.knowledge import VehicleRef
from bot.mail.models import EmailMessage
from bot.mail.outbox import EmailOutbox, EmailSender, SmtpClient
from bot.profile import ContactDetails, VehicleDetails
from bot.profile.reach import sales_ask
from bot.profile.steps import Handoff, hand_off
from bot.services import Services
from bot.supervisor import supervise
from tests.dealer import SHOP, TZ, services_on
from tests.test_email import start_server
from tests.test_sms import empty_database_url  # noqa: F401 - the fixture: a database with no tables

TUESDAY_TEN = datetime(2026, 12, 1, 10, 0, tzinfo=TZ)  # sales and service open
NOW_UTC = TUESDAY_TEN.astimezone(timezone.utc).replace(tzinfo=None)
CRM = "leads@crm.lakeside-corvane.example"
FROM = "Lakeside Corvane <hello@lakeside-corvane.example>"
JANE = "+15550100777"


@pytest.fixture
def services(database_url) -> Services:
    return services_on(database_url, lambda: TUESDAY_TEN)


@pytest.fixture
def leads_on(monkeypatch) -> None:
    monkeypatch.setenv("CRM_LEAD_EMAIL", CRM)
    monkeypatch.delenv("CRM_LEADS_FOR_SERVICE", raising=False)


@pytest.fixture
def smtp_server(unused_tcp_port):
    inbox, controller = start_server(unused_tcp_port, auth_require_tls=False)
    yield inbox, unused_tcp_port
    controller.stop()


def brand(services: Services) -> str:
    """The make every lead names for our cars: knowledge/lineup.yml's brand."""
    made = services.knowledge.base.lineup.brand
    assert made == "Corvane"
    return made


def jane(services: Services, sender: str = JANE, name: str = "Jane Doe") -> int:
    """A customer who texted us and left her name, mobile (texts welcome) and email."""
    customer = services.profiles.customer_for_sender("sms", sender)
    email = f"customer{sender[-4:]}@example.com"
    return services.profiles.record_contact_details(
        customer, ContactDetails(name=name, phone=sender, email=email, sms_consent=True)
    )


def ask(
    services: Services, customer: int, said: str, about: VehicleRef | None = None, sender: str = JANE
) -> int:
    """The customer asks for a person by SMS (the department and any lead follow from what they wrote)."""
    return hand_off(services, Handoff(customer, sender, "sms", "asked", said, about=about)).handoff_id


def queued_leads(services: Services) -> list[EmailMessage]:
    with services.sessions() as session:
        query = select(EmailMessage).where(EmailMessage.kind == LEAD_KIND).order_by(EmailMessage.id)
        return list(session.scalars(query))


async def send(services: Services, port: int, at: datetime = NOW_UTC) -> Counter[str]:
    """One pass of the email sender (`at`: naive UTC, as stored) to the SMTP server on `port`."""
    settings = config.parse_smtp_url(f"smtp://127.0.0.1:{port}")
    sender = EmailSender(EmailOutbox(services.sessions), SmtpClient(settings, FROM))
    return await sender.send_due(at)


def arrived_leads(inbox) -> list[Message]:
    return [message for _, rcpt, message in inbox.received if rcpt == [CRM]]


def prospect_of(message: Message) -> ET.Element:
    body = message.get_content().replace("\r\n", "\n")  # lines end in CRLF on the wire
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<?adf version="1.0"?>\n<adf>')
    prospect = ET.fromstring(body).find("prospect")
    assert prospect is not None and prospect.get("status") == "new"
    return prospect


def children(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


async def test_a_price_question_reaches_the_crm_as_an_adf_lead(services, leads_on, smtp_server):
    inbox, port = smtp_server
    customer = jane(services)
    handoff_id = ask(
        services, customer, "what's your best price on it?", about=VehicleRef("Tessa", "XLE", 2025)
    )
    [queued] = queued_leads(services)
    assert (queued.to_address, queued.handoff_id, queued.lead_key) == (
        CRM,
        handoff_id,
        f"handoff:{handoff_id}",
    )
    assert ask(services, customer, "hello? any news on the price?") == handoff_id  # reused: no second lead
    assert len(queued_leads(services)) == 1

    assert (await send(services, port))["sent"] >= 1
    [message] = arrived_leads(inbox)
    assert (
        message.get_content_type() == "text/plain"
        and message["Subject"] == f"Sales lead: handoff #{handoff_id}"
    )
    prospect = prospect_of(message)
    assert prospect.findtext("id") == f"handoff-{handoff_id}"
    assert datetime.fromisoformat(prospect.findtext("requestdate")) == TUESDAY_TEN
    [vehicle] = prospect.findall("vehicle")
    assert (vehicle.get("interest"), vehicle.get("status")) == ("buy", "new")
    assert children(vehicle) == ["year", "make", "model", "trim"]  # no VIN or odometer: not known
    assert [vehicle.findtext(tag) for tag in ("year", "make", "model", "trim")] == [
        "2025",
        brand(services),
        "Tessa",
        "XLE",
    ]
    contact = prospect.find("customer/contact")
    assert [(n.get("part"), n.text) for n in contact.findall("name")] == [("first", "Jane"), ("last", "Doe")]
    assert contact.findtext("email") == "customer0777@example.com"
    assert [(p.get("type"), p.text) for p in contact.findall("phone")] == [("cellphone", JANE)]
    comments = prospect.findtext("customer/comments")
    assert "what's your best price on it?" in comments and f"/staff/handoffs/{handoff_id}" in comments
    assert prospect.findtext("vendor/vendorname") == SHOP.name
    assert prospect.findtext("vendor/contact/phone") == SHOP.phone
    assert prospect.findtext("provider/name") == "Mobility Concierge"
    assert children(prospect) == ["id", "requestdate", "vehicle", "customer", "vendor", "provider"]
    assert queued_leads(services)[0].status == "sent"


async def test_a_model_named_without_a_year_has_no_year_and_only_our_make_is_named(
    services, leads_on, smtp_server
):
    inbox, port = smtp_server
    ask(services, jane(services), "can I get a quote on a Brio?")
    await send(services, port)
    [vehicle] = prospect_of(arrived_leads(inbox)[0]).findall("vehicle")
    assert children(vehicle) == ["make", "model"]
    assert (vehicle.findtext("make"), vehicle.findtext("model")) == (brand(services), "Brio")


async def test_a_trade_in_names_the_customers_own_car_and_the_one_they_want(services, leads_on, smtp_server):
    inbox, port = smtp_server
    customer = jane(services)
    services.profiles.add_vehicle(
        customer, VehicleDetails("Lumen", "SE", 2021, vin="1CVAB12C1RL418263", mileage=41200)
    )
    ask(services, customer, "I'd like to lease one and trade in my car", about=VehicleRef("Brio", "Sport"))
    await send(services, port)
    wanted, own = prospect_of(arrived_leads(inbox)[0]).findall("vehicle")
    assert (wanted.get("interest"), wanted.get("status"), wanted.findtext("model")) == (
        "lease",
        "new",
        "Brio",
    )
    assert wanted.find("year") is None
    assert (own.get("interest"), own.get("status")) == ("trade-in", "used")
    assert children(own) == ["year", "make", "model", "vin", "trim", "odometer"]
    assert [own.findtext(t) for t in ("year", "make", "model", "vin", "trim")] == [
        "2021",
        brand(services),
        "Lumen",
        "1CVAB12C1RL418263",
        "SE",
    ]
    assert (own.findtext("odometer"), own.find("odometer").get("units")) == ("41200", "mi")


async def test_a_trade_in_of_a_car_we_know_nothing_about_invents_nothing(services, leads_on, smtp_server):
    inbox, port = smtp_server
    ask(services, jane(services), "what's my 2019 Lumen worth as a trade-in?")
    await send(services, port)
    [vehicle] = prospect_of(arrived_leads(inbox)[0]).findall("vehicle")
    assert (vehicle.get("interest"), vehicle.get("status"), children(vehicle)) == ("trade-in", "used", [])
    assert "my 2019 Lumen" in prospect_of(arrived_leads(inbox)[0]).findtext("customer/comments")


@pytest.mark.parametrize(
    ("reason", "said", "expected"),
    [
        ("pricing", "how much is it out the door", SalesAsk("buy")),
        ("asked", "I want to buy a Tessa", SalesAsk("buy")),
        ("asked", "what's my trade-in worth?", SalesAsk("buy", trade_in=True)),
        ("asked", "thinking of trading in my Lumen", SalesAsk("buy", trade_in=True)),
        ("pricing", "what are your lease deals", SalesAsk("lease")),
        ("asked", "can I book a test drive of the Ion?", SalesAsk("test-drive")),
        ("pricing", "lease a Brio if I trade my car", SalesAsk("lease", trade_in=True)),
        ("asked", "talk to someone", None),
        ("escalation", "my brakes still squeak after your repair", None),
        ("asked", "my oil change was a tradition of delays", None),
    ],
)
def test_sales_requests_are_read_as_adf_interests(reason, said, expected):
    assert sales_ask(reason, said) == expected


def test_no_lead_leaves_without_crm_lead_email_or_for_other_handoffs(services, monkeypatch, leads_on):
    customer = jane(services)
    ask(services, customer, "my brakes still squeak after your repair, a person please")  # service
    monkeypatch.delenv("CRM_LEAD_EMAIL")
    ask(services, jane(services, "+15550100778"), "best price on a Tessa?", sender="+15550100778")
    assert queued_leads(services) == []
    with services.sessions() as session:  # the handoffs' staff alerts went out all the same
        assert session.scalar(select(EmailMessage).where(EmailMessage.kind == "staff_alert")) is not None


def test_a_customer_we_cannot_reach_is_no_lead(services, leads_on):
    visitor = services.profiles.customer_for_sender("socketio", "web-anon")
    hand_off(services, Handoff(visitor, "web-anon", "socketio", "pricing", "best price on a Tessa?"))
    assert queued_leads(services) == []


async def test_a_dead_mail_server_keeps_the_lead_queued_and_it_is_sent_later(
    services, leads_on, unused_tcp_port
):
    ask(services, jane(services), "best price on a Tessa?")
    assert await send(services, unused_tcp_port) == {"retrying": 2}  # the lead and the staff alert
    [lead] = queued_leads(services)
    assert lead.status == "queued" and "ConnectionRefusedError" in lead.last_error
    inbox, controller = start_server(unused_tcp_port, auth_require_tls=False)
    try:
        assert await send(services, unused_tcp_port, lead.next_attempt_at) == {"sent": 2}
    finally:
        controller.stop()
    [message] = arrived_leads(inbox)
    assert prospect_of(message).find("vehicle/model").text == "Tessa"
    [sent] = queued_leads(services)
    assert (sent.status, sent.attempts) == ("sent", 2)


def _free_start(services: Services) -> datetime:
    bookings = services.bookings
    return bookings.free_service_starts(
        bookings.service_minutes(["oil-change"]), services.now() + timedelta(days=2), 1
    )[0]


async def test_service_bookings_are_leads_only_when_the_dealer_wants_them(
    services, leads_on, smtp_server, monkeypatch
):
    inbox, port = smtp_server
    car = VehicleDetails("Tessa", "XLE", 2022, vin="1CVAB12C1RL418263", mileage=18000)
    first = booking_steps.book_service(
        services, ServiceRequest(jane(services), _free_start(services), ("oil-change",), car, "loaner")
    )
    assert first.ok and queued_leads(services) == []  # CRM_LEADS_FOR_SERVICE is off by default

    monkeypatch.setenv("CRM_LEADS_FOR_SERVICE", "1")
    customer = jane(services, "+15550100779", "Sam Lee")
    booked = booking_steps.book_service(
        services,
        ServiceRequest(customer, _free_start(services), ("oil-change", "tire-rotation"), car, "shuttle"),
    )
    [queued] = queued_leads(services)
    assert queue_service_lead(services, booked.result.code) is False  # once per booking
    moved = booking_steps.book_service(
        services,
        ServiceRequest(customer, _free_start(services), ("oil-change",), car, replacing=booked.result.code),
    )
    assert moved.ok and len(queued_leads(services)) == 1  # a moved booking is no new lead

    await send(services, port)
    [message] = arrived_leads(inbox)
    assert message["Subject"] == f"Service lead: booking {booked.result.code}"
    prospect = prospect_of(message)
    [vehicle] = prospect.findall("vehicle")
    assert "interest" not in vehicle.attrib and vehicle.get("status") == "used"  # ADF 1.0 has no "service"
    assert [vehicle.findtext(t) for t in ("year", "make", "model", "vin", "trim", "odometer")] == [
        "2022",
        brand(services),
        "Tessa",
        "1CVAB12C1RL418263",
        "XLE",
        "18000",
    ]
    comments = prospect.findtext("customer/comments")
    assert booked.result.code in comments and "Oil change, Tire rotation on " in comments
    assert comments.endswith(", a shuttle ride.")
    assert prospect.find("customer/contact/name[@part='first']").text == "Sam"
    assert queued.booking_id is not None and queued.lead_key == f"booking:{queued.booking_id}"


async def test_a_name_and_message_with_markup_characters_arrive_exactly(services, leads_on, smtp_server):
    inbox, port = smtp_server
    name = 'Ann "Annie" <O\'Neil> & Co'
    said = "price? </comments><vehicle interest='sell'/> & <![CDATA[ ]]>"
    ask(services, jane(services, name=name), said)
    await send(services, port)
    message = arrived_leads(inbox)[0]
    assert "</comments><vehicle" not in message.get_content()
    prospect = prospect_of(message)
    names = [n.text for n in prospect.findall("customer/contact/name")]
    assert " ".join(names) == name
    assert said in prospect.findtext("customer/comments")
    assert [v.get("interest") for v in prospect.findall("vehicle")] == ["buy"]


@given(
    name=st.text(max_size=40),
    comments=st.text(max_size=200),
    model=st.text(max_size=20),
)
def test_any_text_in_a_lead_parses_back_as_written(name, comments, model):
    """Whatever a customer or a dealer's file says, the document is well-formed XML and each value
    reads back as written (less what XML 1.0 cannot carry at all)."""
    lead = Lead(
        id="handoff-1",
        requested_at=TUESDAY_TEN,
        vehicles=(LeadVehicle(status="new", interest="buy", model=model),),
        customer=LeadCustomer(name, ("jane@example.com",)),
        vendor=Vendor(SHOP.name, SHOP.phone),
        comments=comments,
    )
    prospect = ET.fromstring(adf_document(lead)).find("prospect")
    assert (prospect.findtext("vehicle/model") or "") == xml_text(model)
    assert (prospect.findtext("customer/comments") or "") == xml_text(comments)
    names = [n.text for n in prospect.findall("customer/contact/name")]
    assert " ".join(names) == xml_text(name).strip()


def test_an_adf_vehicle_takes_only_the_specs_interests_and_statuses():
    with pytest.raises(ValueError, match="no vehicle interest 'service'"):
        LeadVehicle(status="used", interest="service")
    with pytest.raises(ValueError, match="new or used"):
        LeadVehicle(status="certified")


@pytest.mark.parametrize(
    "address", ["leads", "leads@crm", "two@crm.example, three@crm.example", "@crm.example"]
)
def test_a_bad_crm_lead_email_stops_the_start_with_the_reason(monkeypatch, address):
    monkeypatch.setenv("CRM_LEAD_EMAIL", address)
    with pytest.raises(SystemExit, match="CRM_LEAD_EMAIL must be one email address"):
        config.crm_leads()
    with pytest.raises(SystemExit, match="CRM_LEAD_EMAIL"):
        supervise()  # before any part is started


def test_crm_settings_are_read_with_safe_defaults(monkeypatch):
    monkeypatch.delenv("CRM_LEAD_EMAIL", raising=False)
    monkeypatch.setenv("CRM_LEADS_FOR_SERVICE", "1")
    assert config.crm_leads() is None
    monkeypatch.setenv("CRM_LEAD_EMAIL", "  Leads@CRM.example.com ")
    assert config.crm_leads() == config.CrmLeads("Leads@crm.example.com", True)
    monkeypatch.delenv("CRM_LEADS_FOR_SERVICE")
    assert config.crm_leads().for_service is False
    monkeypatch.setenv("CRM_LEADS_FOR_SERVICE", "sometimes")
    with pytest.raises(SystemExit, match="CRM_LEADS_FOR_SERVICE must be 1"):
        config.crm_leads()


def test_the_migration_adds_and_removes_the_lead_columns(empty_database_url):  # noqa: F811
    migrations = Config()
    migrations.set_main_option("script_location", str(db.MIGRATIONS))
    engine = db.engine_for(empty_database_url)
    migrations.attributes["engine"] = engine
    command.upgrade(migrations, "reach_0001")
    insert = text(
        "INSERT INTO email_outbox (to_address, subject, body, kind, status, attempts, created_at) "
        "VALUES ('dana@lakeside-corvane.example', 'Handoff #1', 'Take it', 'staff_alert', 'queued', 0, "
        "CURRENT_TIMESTAMP)"
    )
    with engine.begin() as connection:
        connection.execute(insert)
    command.upgrade(migrations, "head")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT subject, booking_id, lead_key FROM email_outbox")).one() == (
            "Handoff #1",
            None,
            None,
        )
    command.downgrade(migrations, "reach_0001")
    with engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("email_outbox")}
        assert "lead_key" not in columns and "booking_id" not in columns
        assert connection.execute(text("SELECT subject FROM email_outbox")).scalar() == "Handoff #1"
    command.upgrade(migrations, "head")
