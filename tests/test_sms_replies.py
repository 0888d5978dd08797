"""Replies to booking reminders by text, through signed Twilio webhooks into our SMS channel, on
SQLite and PostgreSQL: C confirms, X cancels through the assistant's own path, R hands the assistant
the move of that booking; nothing else is touched, and a reply is never an opt-out.

The SMS channel, its inbox, the bookings and the database are the real ones, served by Sanic as
Rasa serves them (`rasa.core.channels.channel.register`); only Rasa's agent, which needs a trained
model, is stood in for by `Assistant`, which keeps what it is handed. What the assistant makes of
the R message is checked with Rasa's own parser and our booking-change form; the whole conversation
with the trained model is in tests/test_e2e_sms.py.
"""

from __future__ import annotations

import itertools
import secrets
import xml.etree.ElementTree as ElementTree
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa.core.channels.channel import UserMessage, register
from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sanic import Sanic
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from actions.booking_changes import ValidateBookingChangeForm
from bot import config
from bot.booking.models import Booking, ServiceSlot
from bot.booking.reminders import LEADS, queue_sms
from bot.booking.replies import reschedule_message
from bot.channels.sms.channel import STOP_NOTICE, reminder_reply_of
from bot.channels.sms.input import SmsInput
from bot.channels.sms.models import OutboxMessage
from bot.channels.sms.outbox import Outbox
from bot.engagement.broker import EngagementBroker
from bot.integrity import find_problems
from bot.launch import free_port
from bot.profile import ContactDetails
from bot.services import Services
from tests.chat import fields
from tests.dealer import TZ, services_on

TOKEN = "replies-twilio-auth-token"
PUBLIC_URL = "https://concierge.example.com"
SIGNED_URL = f"{PUBLIC_URL}/webhooks/sms/webhook"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=TZ)  # a Wednesday
THURSDAY_9 = datetime(2026, 11, 26, 9, 0, tzinfo=TZ)
FRIDAY_10 = datetime(2026, 11, 27, 10, 0, tzinfo=TZ)
ASSISTANT_SAYS = "(the assistant's answer)"
_phones = itertools.count(1)


def new_phone() -> str:
    return f"+1555{secrets.randbelow(900) + 100:03d}{next(_phones) % 10000:04d}"


def without_notice(texts: list[str]) -> list[str]:
    """The replies without the opt-out notice a phone's first reply ends with."""
    return [text.removesuffix(f"\n{STOP_NOTICE}") for text in texts]


class Assistant:
    """Stands in for Rasa's agent, which needs a trained model: keeps every message it is handed."""

    def __init__(self) -> None:
        self.heard: list[tuple[str, str]] = []  # (sender, text)

    async def handle_message(self, message: UserMessage) -> None:
        self.heard.append((message.sender_id, message.text or ""))
        await message.output_channel.send_text_message(message.sender_id, ASSISTANT_SAYS)


@dataclass
class Shop:
    """The SMS webhook served from this process, its services and what the assistant was handed."""

    services: Services
    url: str
    http: aiohttp.ClientSession
    assistant: Assistant
    sent_at: datetime = field(default_factory=lambda: datetime(2026, 11, 25, 10, 0))

    def customer(self, consent: bool = True) -> tuple[int, str]:
        """A customer with a phone (texts agreed to by default)."""
        phone = new_phone()
        profiles = self.services.profiles
        who = profiles.customer_for_sender("rest", f"web-{phone}")
        who = profiles.record_contact_details(
            who, ContactDetails(name="Pat", phone=phone, sms_consent=consent)
        )
        return who, phone

    def book(self, who: int, start: datetime) -> str:
        result = self.services.bookings.book_service(
            who, start, ["oil-change"], {"model": "Lumen"}, "wait", NOW
        )
        assert result.ok, result.reason
        return result.code

    def remind(self, code: str, kind: str = "reminder_24h", sent: bool = True) -> bool:
        """A reminder queued the way the reminder pass queues it (False: not to this phone), then
        (unless not) sent, each later than the one before."""
        with self.services.sessions.begin() as session:
            booking = session.scalar(select(Booking).where(Booking.code == code))
            if not queue_sms(session, booking, kind, f"reminder {code}"):
                return False
            reminder = session.scalar(
                select(OutboxMessage.id).where(
                    OutboxMessage.booking_id == booking.id, OutboxMessage.kind == kind
                )
            )
        if sent:
            self.sent_at += timedelta(minutes=1)
            Outbox(self.services.sessions).mark(reminder, status="sent", sent_at=self.sent_at)
        return True

    async def text(self, phone: str, body: str) -> list[str]:
        """A signed webhook as Twilio sends it; the TwiML reply's messages."""
        form = fields(phone, body)
        signature = RequestValidator(TOKEN).compute_signature(SIGNED_URL, form)
        async with self.http.post(self.url, data=form, headers={"X-Twilio-Signature": signature}) as response:
            assert response.status == 200, await response.text()
            return [m.text or "" for m in ElementTree.fromstring(await response.text()).iter("Message")]

    def booking(self, code: str) -> Booking:
        with self.services.sessions() as session:
            return session.scalar(select(Booking).where(Booking.code == code))

    def heard_from(self, phone: str) -> list[str]:
        return [text for sender, text in self.assistant.heard if sender == phone]


@pytest.fixture
async def shop(database_url, monkeypatch) -> AsyncIterator[Shop]:
    monkeypatch.setattr(Sanic, "test_mode", True)  # several apps in one process, as Sanic's own tests
    services = services_on(database_url, lambda: NOW)
    channel = SmsInput(TOKEN, PUBLIC_URL)
    broker = EngagementBroker(
        services.profiles, spool=config.var_dir() / f"spool-{secrets.token_hex(4)}.jsonl"
    )
    channel.services, channel.broker = services, broker
    app = Sanic(f"sms-replies-{secrets.token_hex(4)}")
    assistant = Assistant()
    app.ctx.agent = assistant
    register([channel], app, route="/webhooks/")
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    async with aiohttp.ClientSession() as http:
        yield Shop(services, f"http://127.0.0.1:{port}/webhooks/sms/webhook", http, assistant)
    await server.close()
    await broker.close()


def engagement_of(shop: Shop, who: int) -> list[dict[str, Any]]:
    return [e for e in shop.services.profiles.profile(who)["engagement"] if e["channel"] == "sms"]


@pytest.mark.parametrize(
    ("body", "reply"),
    [
        ("C", "confirm"),
        (" c ", "confirm"),
        ("C.", "confirm"),
        ("confirm", "confirm"),
        ("Confirm!", "confirm"),
        ("R", "reschedule"),
        ("r", "reschedule"),
        ("X", "cancel"),
        ("x.", "cancel"),
        ("cancel", None),  # a carrier keyword: an opt-out, never a booking reply
        ("STOP", None),
        ("c please", None),
        ("yes", None),
        ("CX", None),
        ("1", None),
        ("", None),
    ],
)
def test_reminder_replies_are_one_letter_or_confirm(body, reply):
    assert reminder_reply_of(body) == reply


async def test_c_confirms_the_reminded_booking_without_the_assistant(shop):
    who, phone = shop.customer()
    code = shop.book(who, THURSDAY_9)
    assert shop.remind(code)
    [reply] = await shop.text(phone, "C")
    assert "you're confirmed" in reply and code in reply and "Thu Nov 26 at 9:00 AM" in reply
    booking = shop.booking(code)
    assert booking.status == "confirmed" and booking.confirmed_at is not None
    assert shop.assistant.heard == []
    assert not shop.services.profiles.is_opted_out(phone)
    rows = engagement_of(shop, who)
    assert [(r["direction"], r["text"], r["booking_id"]) for r in rows] == [
        ("in", "C", code),
        ("out", reply, code),
    ]
    assert rows[1]["action"] == "sms_reminder_confirmed"
    # The reminder is answered: another "C" is an ordinary message for the assistant.
    assert without_notice(await shop.text(phone, "C")) == [ASSISTANT_SAYS]
    assert shop.heard_from(phone) == ["C"]


async def test_x_cancels_through_the_assistants_path_and_frees_the_bay(shop):
    who, phone = shop.customer()
    code = shop.book(who, THURSDAY_9)
    assert shop.remind(code)
    [reply] = await shop.text(phone, "x.")
    assert "is cancelled" in reply and code in reply
    assert shop.booking(code).status == "cancelled"
    assert shop.assistant.heard == []
    assert not shop.services.profiles.is_opted_out(phone)
    assert find_problems(shop.services.sessions) == []  # seats and bays taken = confirmed bookings
    with shop.services.sessions() as session:
        assert set(session.scalars(select(ServiceSlot.bays_used))) == {0}
    assert shop.services.bookings.upcoming_of(who, NOW) == []
    assert [r["action"] for r in engagement_of(shop, who) if r["direction"] == "out"] == [
        "sms_reminder_cancelled"
    ]


async def test_r_hands_the_assistant_the_move_of_the_reminded_booking(shop):
    who, phone = shop.customer()
    other = shop.book(who, THURSDAY_9)
    code = shop.book(who, FRIDAY_10)
    assert shop.remind(code)
    assert without_notice(await shop.text(phone, "R")) == [ASSISTANT_SAYS]
    assert shop.heard_from(phone) == [reschedule_message(code)]
    assert shop.booking(code).status == "confirmed" and shop.booking(code).confirmed_at is None

    # Rasa reads it as the request to move a booking, naming this one ...
    domain = Domain.load(str(config.PROJECT_ROOT / "domain.yml"))
    parsed = YAMLStoryReader.unpack_regex_message(Message({TEXT: reschedule_message(code)}), domain)
    assert parsed.get(INTENT)["name"] == "reschedule_booking"
    assert [(e["entity"], e["value"]) for e in parsed.get(ENTITIES)] == [("booking_code", code)]
    # ... and the booking-change form takes that booking, though the customer has two.
    tracker = Tracker.from_dict(
        {
            "sender_id": phone,
            "slots": {"change_kind": "reschedule", "booking_code": None, "requested_slot": None},
            "latest_message": {**parsed.as_dict(), "text": reschedule_message(code)},
            "events": [{"event": "user", "text": reschedule_message(code), "input_channel": "sms"}],
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": "booking_change_form"},
            "latest_action_name": "action_listen",
        }
    )
    form = ValidateBookingChangeForm(shop.services)
    extracted = await form.extract_booking_code(CollectingDispatcher(), tracker, {})
    assert extracted == {"booking_code": code} and code != other


async def test_with_several_bookings_the_latest_reminder_decides(shop):
    who, phone = shop.customer()
    thursday = shop.book(who, THURSDAY_9)
    friday = shop.book(who, FRIDAY_10)
    assert shop.remind(friday)
    assert shop.remind(thursday)  # sent last: a reply is about this one
    await shop.text(phone, "X")
    assert shop.booking(thursday).status == "cancelled"
    assert shop.booking(friday).status == "confirmed"
    assert without_notice(await shop.text(phone, "X")) == [
        ASSISTANT_SAYS
    ]  # that reminder is answered; Friday's is older
    assert shop.booking(friday).status == "confirmed"


async def test_replies_without_an_unanswered_reminder_of_an_upcoming_booking_go_to_the_assistant(shop):
    nobody_reminded, phone = shop.customer()
    shop.book(nobody_reminded, THURSDAY_9)
    assert without_notice(await shop.text(phone, "C")) == [ASSISTANT_SAYS]

    queued_only, queued_phone = shop.customer()
    assert shop.remind(shop.book(queued_only, THURSDAY_9), sent=False)  # never reached the phone
    assert without_notice(await shop.text(queued_phone, "X")) == [ASSISTANT_SAYS]

    cancelled_since, cancelled_phone = shop.customer()
    code = shop.book(cancelled_since, FRIDAY_10)
    assert shop.remind(code)
    assert shop.services.bookings.cancel(code, cancelled_since, NOW).ok  # e.g. on the website
    assert without_notice(await shop.text(cancelled_phone, "C")) == [ASSISTANT_SAYS]
    assert shop.booking(code).confirmed_at is None

    stranger, stranger_phone = shop.customer()  # texts X, but the reminder went to someone else
    reminded, _ = shop.customer()
    theirs = shop.book(reminded, THURSDAY_9)
    assert shop.remind(theirs)
    assert without_notice(await shop.text(stranger_phone, "X")) == [ASSISTANT_SAYS]
    assert shop.booking(theirs).status == "confirmed"
    assert not any(shop.services.profiles.is_opted_out(p) for p in (phone, queued_phone, stranger_phone))


async def test_stop_still_opts_out_and_an_opted_out_phone_is_not_answered(shop):
    who, phone = shop.customer()
    code = shop.book(who, THURSDAY_9)
    assert shop.remind(code)
    [unsubscribed] = await shop.text(phone, "CANCEL")  # the carrier keyword, not X
    assert "unsubscribed" in unsubscribed and shop.services.profiles.is_opted_out(phone)
    assert await shop.text(phone, "X") == []  # silent after an opt-out, and nothing done
    assert shop.booking(code).status == "confirmed"


@dataclass
class World:
    """The invariant test's own model of what a reply may do: per phone, its latest sent reminder."""

    shop: Shop
    people: list[tuple[int, str]]
    codes: list[list[str]]  # per person, their bookings' codes
    latest: dict[str, tuple[str, bool]] = field(default_factory=dict)  # phone -> (code, answered)
    reminded: set[tuple[str, str]] = field(default_factory=set)  # (code, kind) already queued
    opted_out: set[str] = field(default_factory=set)


REPLIES = ["C", "c", "C.", "confirm", "CONFIRM", "R", "r", "X", "x", " X!", "cancel", "hello"]
STARTS = [THURSDAY_9, FRIDAY_10, THURSDAY_9 + timedelta(hours=2)]
_weeks = itertools.count(1)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    bookings=st.lists(
        st.lists(st.sampled_from(STARTS), min_size=1, max_size=2, unique=True), min_size=1, max_size=3
    ),
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("remind"), st.integers(0, 2), st.integers(0, 1), st.sampled_from(LEADS)),
            st.tuples(st.just("reply"), st.integers(0, 2), st.sampled_from(REPLIES)),
        ),
        max_size=10,
    ),
)
async def test_a_reply_acts_only_on_the_phones_latest_unanswered_reminder_and_never_opts_out(
    shop, bookings, steps
):
    later = timedelta(weeks=next(_weeks))  # each example on a week of its own: the bays stay free
    people = [shop.customer() for _ in bookings]
    codes = [
        [shop.book(who, start + later) for start in starts]
        for (who, _), starts in zip(people, bookings, strict=True)
    ]
    world = World(shop, people, codes)
    for step in steps:
        if step[0] == "remind":
            _, person, which, lead = step
            person %= len(people)
            code = world.codes[person][which % len(world.codes[person])]
            if (code, lead.kind) in world.reminded or shop.booking(code).status != "confirmed":
                continue
            world.reminded.add((code, lead.kind))
            phone = people[person][1]
            assert shop.remind(code, lead.kind) == (phone not in world.opted_out)  # never to a STOP
            if phone not in world.opted_out:
                world.latest[phone] = (code, False)
        else:
            _, person, body = step
            await _reply_and_check(world, people[person % len(people)][1], body)


async def _reply_and_check(world: World, phone: str, body: str) -> None:
    shop = world.shop
    every_code = [code for codes in world.codes for code in codes]
    before = {code: (b.status, b.confirmed_at) for code in every_code if (b := shop.booking(code))}
    heard = len(shop.assistant.heard)
    texts = await shop.text(phone, body)
    after = {code: (b.status, b.confirmed_at) for code in every_code if (b := shop.booking(code))}
    reply = reminder_reply_of(body)
    latest = world.latest.get(phone)
    acts = reply is not None and latest is not None and not latest[1] and before[latest[0]][0] == "confirmed"
    changed = {code for code in every_code if before[code] != after[code]}
    if body.strip().lower() == "cancel" or phone in world.opted_out:  # CANCEL: the carrier keyword
        assert shop.services.profiles.is_opted_out(phone) and not changed
        assert shop.assistant.heard[heard:] == []
        world.opted_out.add(phone)
        return
    assert not shop.services.profiles.is_opted_out(phone)
    if not acts:
        assert not changed and shop.assistant.heard[heard:] == ([(phone, body.strip())] if texts else [])
        return
    code = latest[0]
    world.latest[phone] = (code, True)
    if reply == "reschedule":
        assert not changed and shop.assistant.heard[heard:] == [(phone, reschedule_message(code))]
    elif reply == "confirm":
        assert changed <= {code} and after[code][1] is not None and shop.assistant.heard[heard:] == []
    else:
        assert changed == {code} and after[code][0] == "cancelled" and shop.assistant.heard[heard:] == []
    assert find_problems(shop.services.sessions) == []
