"""SMS end to end: signed Twilio webhooks into the running assistant, TwiML replies, the profile."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import make_url
from twilio.request_validator import RequestValidator

from bot import config
from bot.booking import BookingStore
from bot.booking.models import Booking
from bot.booking.reminders import queue_sms
from bot.channels.sms.models import OutboxMessage, SmsMessage
from bot.channels.sms.outbox import Outbox, OutboxSender
from bot.channels.sms.twilio import TwilioClient
from bot.db import session_factory
from bot.launch import Stack, start_stack
from bot.profile import ContactDetails, ProfileStore, normalise_phone
from bot.profile.models import Phone
from tests.chat import fields, say, texts, wait_for
from tests.dealer import SCHEDULE, SHOP, TZ

TOKEN = "e2e-twilio-auth-token"
PUBLIC_URL = "https://concierge.example.com"  # as behind a proxy: not the address we post to
SIGNED_URL = f"{PUBLIC_URL}/webhooks/sms/webhook"


@pytest.fixture(scope="module")
def sms_stack(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    env = {"TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_URL": PUBLIC_URL}
    with start_stack(tmp_path_factory.mktemp("sms-stack"), trained_model, extra_env=env) as running:
        yield running


def webhook_url(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.rasa_port}/webhooks/sms/webhook"


async def post(
    http: aiohttp.ClientSession, stack: Stack, form: dict[str, str], signature: str | None = ""
) -> tuple[int, str]:
    """Post a webhook; signed like Twilio unless a signature (or None: no header) is given."""
    if signature == "":
        signature = RequestValidator(TOKEN).compute_signature(SIGNED_URL, form)
    headers = {"X-Twilio-Signature": signature} if signature is not None else {}
    async with http.post(webhook_url(stack), data=form, headers=headers) as response:
        return response.status, await response.text()


def messages(twiml: str) -> list[str]:
    return [m.text or "" for m in ElementTree.fromstring(twiml).iter("Message")]


async def sms(http: aiohttp.ClientSession, stack: Stack, phone: str, body: str, **extra: str) -> list[str]:
    status, twiml = await post(http, stack, fields(phone, body, **extra))
    assert status == 200, twiml
    return messages(twiml)


async def customers_with(http: aiohttp.ClientSession, stack: Stack, phone: str) -> list[dict[str, Any]]:
    async with http.get(
        f"{stack.web_url}/api/customers", params={"phone": phone}, headers=stack.staff_headers
    ) as response:
        return await response.json()


async def profile(http: aiohttp.ClientSession, stack: Stack, phone: str) -> dict[str, Any] | None:
    found = await customers_with(http, stack, phone)
    if not found:
        return None
    async with http.get(f"{stack.web_url}/api/customers/{found[0]['id']}", headers=stack.staff_headers) as r:
        return await r.json()


async def inbound(http: aiohttp.ClientSession, stack: Stack, phone: str, count: int) -> list[dict[str, Any]]:
    """The customer's SMS engagement rows once `count` inbound ones have arrived."""

    async def arrived() -> list[dict[str, Any]] | None:
        found = await profile(http, stack, phone)
        rows = [r for r in found["engagement"] if r["channel"] == "sms"] if found else []
        return rows if len([r for r in rows if r["direction"] == "in"]) >= count else None

    return await wait_for(arrived) or []


async def test_a_conversation_by_sms_is_answered_in_twiml_and_recorded(sms_stack, http):
    phone = "+15550100401"
    first = await sms(http, sms_stack, phone, "hello")
    assert "automated assistant" in " ".join(first) and first[-1].endswith("Reply STOP to opt out.")
    second = await sms(http, sms_stack, phone, "thanks")
    assert second and "STOP" not in " ".join(second)  # the opt-out notice is for the first reply only

    rows = await inbound(http, sms_stack, phone, 2)
    assert [r["text"] for r in rows if r["direction"] == "in"] == ["hello", "thanks"]
    assert any(r["direction"] == "out" for r in rows)
    assert all(r["sender_id"] == phone for r in rows)
    found = await profile(http, sms_stack, phone)
    assert {"channel": "sms", "sender_id": phone} in [
        {k: c[k] for k in ("channel", "sender_id")} for c in found["channels"]
    ]


async def test_forged_or_missing_signatures_are_refused_and_nothing_is_kept(sms_stack, http):
    phone = "+15550100402"
    form = fields(phone, "hello")
    forged = RequestValidator("not-the-token").compute_signature(SIGNED_URL, form)
    assert (await post(http, sms_stack, form, forged))[0] == 403
    assert (await post(http, sms_stack, form, None))[0] == 403
    tampered = {**form, "Body": "something else"}
    signed_original = RequestValidator(TOKEN).compute_signature(SIGNED_URL, form)
    assert (await post(http, sms_stack, tampered, signed_original))[0] == 403
    unsigned_url = RequestValidator(TOKEN).compute_signature(webhook_url(sms_stack), form)
    assert (await post(http, sms_stack, form, unsigned_url))[0] == 403  # PUBLIC_URL is what counts
    await asyncio.sleep(1)
    assert await customers_with(http, sms_stack, phone) == []
    # The same message, properly signed, is then taken: the refusals left no trace of its MessageSid.
    status, twiml = await post(http, sms_stack, form)
    assert status == 200 and messages(twiml)


async def test_missing_fields_get_a_clear_400_only_once_signed(sms_stack, http):
    form = {"Body": "hello", "To": "+15550109999"}
    assert (await post(http, sms_stack, form, "bogus"))[0] == 403
    status, text = await post(http, sms_stack, form)
    assert status == 400 and "MessageSid, From" in text
    status, text = await post(http, sms_stack, fields("not a phone", "hello"))
    assert status == 400 and "From is not a phone number" in text


async def test_a_retried_webhook_gets_the_same_reply_and_is_recorded_once(sms_stack, http):
    phone = "+15550100403"
    form = fields(phone, "hi there")
    # A retry storm: a dozen deliveries of one MessageSid at once, then one more later.
    first, *storm = await asyncio.gather(*(post(http, sms_stack, form) for _ in range(12)))
    later = await post(http, sms_stack, form)
    assert all(reply == first for reply in (*storm, later)) and first[0] == 200 and messages(first[1])
    await sms(http, sms_stack, phone, "thanks")  # a later message, to know the first is written
    rows = await inbound(http, sms_stack, phone, 2)
    assert [r["text"] for r in rows if r["direction"] == "in"] == ["hi there", "thanks"]


async def test_long_unicode_and_media_only_messages(sms_stack, http):
    phone = "+15550100404"
    long_text = ("Is the Tessa good for towing a small boat? " * 120)[:5000]
    replies = await sms(http, sms_stack, phone, long_text)
    assert replies and all(len(r) <= 1600 for r in replies)
    emoji = "héllo 👋 does the Ion have heated seats? 🚗"
    assert await sms(http, sms_stack, phone, emoji)
    media = await sms(
        http,
        sms_stack,
        phone,
        "",
        NumMedia="1",
        MediaUrl0="https://api.twilio.com/m.jpg",
        MediaContentType0="image/jpeg",
    )
    assert media == ["Thanks! I can only read text, not pictures or attachments. Please type your question."]
    rows = await inbound(http, sms_stack, phone, 3)
    assert [r["text"] for r in rows if r["direction"] == "in"] == [long_text, emoji, ""]
    assert rows[-2]["data"] == {"num_media": 1} and rows[-1]["action"] == "sms_no_text"


async def test_stop_help_and_start_keywords(sms_stack, http):
    phone = "+15550100405"
    dealer = SHOP
    assert await sms(http, sms_stack, phone, "hello")
    [confirm] = await sms(http, sms_stack, phone, " Stop! ")
    assert "unsubscribed" in confirm and "START" in confirm
    found = await profile(http, sms_stack, phone)
    [number] = found["contacts"][0]["phones"]
    assert number["opted_out_at"] and number["opt_out_source"] == "sms:STOP"

    assert await sms(http, sms_stack, phone, "hello?") == []  # stored, not answered
    assert await sms(http, sms_stack, phone, "quit") == []  # one confirmation only
    [help_text] = await sms(http, sms_stack, phone, "help")  # answered even when opted out
    assert dealer.name in help_text and dealer.phone in help_text and "STOP" in help_text
    [back] = await sms(http, sms_stack, phone, "START")
    assert "resubscribed" in back
    found = await profile(http, sms_stack, phone)
    [number] = found["contacts"][0]["phones"]
    assert number["opted_out_at"] is None and number["sms_consent"] is True
    assert await sms(http, sms_stack, phone, "hello")

    rows = await inbound(http, sms_stack, phone, 7)
    sent = ["hello", " Stop! ", "hello?", "quit", "help", "START", "hello"]
    assert [r["text"] for r in rows if r["direction"] == "in"] == sent
    actions = [r["action"] for r in rows if r["direction"] == "out"]
    assert {"sms_opted_out", "sms_help", "sms_opted_in"} <= set(actions)


async def test_a_request_to_stop_in_any_words_opts_out_once_and_nothing_more_is_sent(sms_stack, http):
    phone = "+15550100409"
    assert await sms(http, sms_stack, phone, "hello")
    [confirm] = await sms(http, sms_stack, phone, "Stop texting me please")
    assert "unsubscribed" in confirm and "START" in confirm
    found = await profile(http, sms_stack, phone)
    [number] = found["contacts"][0]["phones"]
    assert number["opted_out_at"] and number["opt_out_source"] == "sms:message"
    assert number["opt_out_message"] == "Stop texting me please"
    assert await sms(http, sms_stack, phone, "is the Tessa good for towing?") == []
    assert await sms(http, sms_stack, phone, "unsubscribe me from these texts") == []  # one confirmation

    # A staff message queued for that phone is skipped, never sent (the API address is a dead end).
    url = make_url(sms_stack.env["DATABASE_URL"])
    with session_factory(url).begin() as session:
        queued = OutboxMessage(customer_id=found["id"], phone=phone, body="Your car is ready.", kind="staff")
        session.add(queued)
        session.flush()
        queued_id = queued.id
    dead_end = config.Twilio("AC" + "0" * 32, TOKEN, "+15550109999", "http://127.0.0.1:9")
    sender = OutboxSender(
        Outbox(session_factory(url)), ProfileStore(session_factory(url)), TwilioClient(dead_end, http)
    )
    await sender.send_due()
    with session_factory(url)() as session:
        skipped = session.get(OutboxMessage, queued_id)
        assert (skipped.status, skipped.skip_reason, skipped.sent_at) == ("skipped", "opted_out", None)

    rows = await inbound(http, sms_stack, phone, 4)
    outgoing = [(r["text"], r["action"]) for r in rows if r["direction"] == "out"]
    assert outgoing.count((confirm, "sms_opted_out")) == 1 and outgoing[-1] == (confirm, "sms_opted_out")


async def test_ordinary_messages_with_stop_words_are_answered_and_ambiguous_ones_asked(sms_stack, http):
    phone = "+15550100410"
    answered = await sms(http, sms_stack, phone, "how do I stop the beeping")
    assert answered and "unsubscribed" not in " ".join(answered)
    assert await sms(http, sms_stack, phone, "cancel my appointment")
    assert await sms(http, sms_stack, phone, "enough") == [
        "Do you want to stop getting texts from us? Reply STOP to confirm."
    ]
    found = await profile(http, sms_stack, phone)
    [number] = found["contacts"][0]["phones"]
    assert number["opted_out_at"] is None and number["opt_out_message"] is None
    rows = await inbound(http, sms_stack, phone, 3)
    assert [r["action"] for r in rows if r["direction"] == "out"][-1] == "sms_opt_out_asked"
    [confirm] = await sms(http, sms_stack, phone, "STOP")  # the answer to the question
    assert "unsubscribed" in confirm


async def test_a_flood_is_rate_limited_with_one_polite_reply_and_nothing_lost(sms_stack, http):
    phone = "+15550100406"
    replies: list[list[str]] = []
    for batch in range(10):  # 100 messages within a minute, ten at a time
        replies += await asyncio.gather(
            *(sms(http, sms_stack, phone, f"message {batch * 10 + i}") for i in range(10))
        )
    slow_downs = [r for r in replies if r and "lot of messages" in r[0]]
    assert len(slow_downs) == 1
    answered = sum(1 for r in replies if r) - 1
    assert 10 <= answered <= 20  # at most 20 a minute reach the assistant (all of the first ten)
    rows = await inbound(http, sms_stack, phone, 100)
    assert sorted(r["text"] for r in rows if r["direction"] == "in") == sorted(
        f"message {n}" for n in range(100)
    )
    # STOP still works in a flood.
    [confirm] = await sms(http, sms_stack, phone, "STOP")
    assert "unsubscribed" in confirm


async def test_web_and_sms_meet_on_one_customer(sms_stack, http):
    phone, sender = "+15550100407", "sms-web-visitor"
    for text in ("I'd like to leave my contact details", "Ana Lopez", "555 010 0407", "ana@example.com"):
        await say(http, sms_stack.rest_url, sender, text)
    assert "Thanks, Ana Lopez" in texts(await say(http, sms_stack.rest_url, sender, "yes please"))
    assert await sms(http, sms_stack, phone, "hi, it's Ana again")
    [customer] = await customers_with(http, sms_stack, phone)
    assert {c["channel"] for c in customer["channels"]} == {"rest", "sms"}


async def test_booking_a_clinic_by_replying_numbers(sms_stack, http):
    phone = "+15550100408"
    offer = await sms(http, sms_stack, phone, "sign my daughter up for the teen driving class")
    assert "Teen Driver Safety Clinic" in offer[-1] and "Reply 1 for" in offer[-1]
    asked = " ".join(await sms(http, sms_stack, phone, "1"))
    assert "How old is your daughter" in asked  # she was said in the request: only her age is missing
    confirm = " ".join(await sms(http, sms_stack, phone, "me and my daughter Emma, 15"))
    assert "To confirm: Teen Driver Safety Clinic" in confirm
    answer = "1" if "Reply 1 for" in confirm else "yes"
    booked = " ".join(await sms(http, sms_stack, phone, answer))
    assert "You're booked" in booked and "confirmation code" in booked
    code = booked.split("confirmation code is ")[1][:6]

    async with http.get(
        f"{sms_stack.web_url}/api/bookings?kind=clinic", headers=sms_stack.staff_headers
    ) as r:
        [mine] = [b for b in await r.json() if b["code"] == code]
    [customer] = await customers_with(http, sms_stack, phone)
    assert mine["customer_id"] == customer["id"] and mine["party_size"] == 2 and mine["status"] == "confirmed"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(
        st.text(max_size=400), st.sampled_from(["STOP", "help", "1", "", "<Message>&amp;</Response>"])
    ),
    sender=st.one_of(
        st.integers(0, 9999).map(lambda n: f"+1555011{n:04d}"),
        st.text(max_size=20),
        st.from_regex(r"\+?[0-9 ()\-]{0,18}", fullmatch=True),
    ),
)
async def test_any_signed_sms_gets_an_answer_or_a_clear_400_and_only_valid_phones_are_stored(
    sms_stack, http, body, sender
):
    status, text = await post(http, sms_stack, fields(sender, body))
    assert status in (200, 400), (status, text[:300])
    if status == 200:
        messages(text)  # well-formed TwiML whatever the body said
    else:
        assert text.startswith("Bad request:")
    with session_factory(make_url(sms_stack.env["DATABASE_URL"]))() as session:
        stored = {*session.scalars(select(SmsMessage.phone)), *session.scalars(select(Phone.e164))}
    assert all(normalise_phone(phone) == phone for phone in stored)


async def a_text_then_a_web_booking_with_the_same_phone(
    http: aiohttp.ClientSession, stack: Stack, phone: str
) -> None:
    """The merge bug as a customer met it: texted once, later booked on the website and gave the
    same mobile at the end. The booking must stay listed, on the one merged profile, with its
    bays counted, and the assistant's confirmation must match what the database holds."""
    assert await sms(http, stack, phone, "hi do you guys do tire rotations")
    [texted] = await customers_with(http, stack, phone)
    sender = f"web-{phone[-4:]}"

    async def turn(message: str) -> str:
        return texts(await say(http, stack.rest_url, sender, message))

    offers = (
        await say(http, stack.rest_url, sender, "book a tire rotation for my 2022 Brio next wednesday")
    )[-1]
    assert offers.get("buttons"), offers
    assert "get around" in await turn(offers["buttons"][0]["payload"])
    assert "mobile number" in await turn("I'll wait there")
    assert "text you" in await turn(f"{phone[2:5]}-{phone[5:8]}-{phone[8:]}")
    assert "To confirm: Tire rotation" in await turn("sure")
    booked = await turn("yes")
    assert "You're booked" in booked
    code = booked.split("confirmation code is ")[1][:6]

    until = (datetime.now() + timedelta(days=45)).date().isoformat()
    async with http.get(
        f"{stack.web_url}/api/bookings", params={"kind": "service", "to": until}, headers=stack.staff_headers
    ) as response:
        listed = [b for b in await response.json() if b["code"] == code]
    assert [b["customer_id"] for b in listed] == [texted["id"]], "the booking is on the one merged profile"
    assert [c["id"] for c in await customers_with(http, stack, phone)] == [texted["id"]]
    check = subprocess.run(
        [sys.executable, "-m", "bot", "check-data"],
        env=stack.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


async def test_a_web_booking_after_a_text_survives_the_profile_merge(sms_stack, http):
    await a_text_then_a_web_booking_with_the_same_phone(http, sms_stack, "+15550100470")


async def test_pronoun_follow_ups_by_sms(sms_stack, http):
    phone = "+15550100777"
    assert "Yes" in " ".join(await sms(http, sms_stack, phone, "does the lumen se have heated seats"))
    use = " ".join(await sms(http, sms_stack, phone, "how do i use them"))
    assert "heated seat button" in use
    await sms(http, sms_stack, phone, "does the Lumen SE have wireless charging?")
    assert "Yes, the Lumen Limited" in " ".join(await sms(http, sms_stack, phone, "what about the Limited?"))


async def test_a_clinic_by_text_with_people_as_they_say_it_and_questions_afterwards(sms_stack, http):
    phone = "+15550100419"
    offer = await sms(http, sms_stack, phone, "teen driving class pls")
    assert "Reply 1 for" in offer[-1]
    assert "Who's coming" in " ".join(await sms(http, sms_stack, phone, "the saturday one"))
    confirm = " ".join(await sms(http, sms_stack, phone, "me and Leo, he's 15"))
    assert "for 2: you and Leo (15)" in confirm and "He's" not in confirm
    booked = " ".join(await sms(http, sms_stack, phone, "1" if "Reply 1 for" in confirm else "yes"))
    code = booked.split("confirmation code is ")[1][:6]
    when = " ".join(await sms(http, sms_stack, phone, "what time does it start?"))
    assert code in when and "10:00 AM" in when
    assert "1200 Harbor Road" in " ".join(await sms(http, sms_stack, phone, "where do I go"))

    async def leo() -> dict[str, Any] | None:
        found = await profile(http, sms_stack, phone)
        return found if found and found["household"] else None

    [member] = (await wait_for(leo))["household"]
    assert (member["name"], member["birth_year"]) == ("Leo", datetime.now(TZ).year - 15)
    async with http.get(
        f"{sms_stack.web_url}/api/bookings?kind=clinic", headers=sms_stack.staff_headers
    ) as r:
        [mine] = [b for b in await r.json() if b["code"] == code]
    assert mine["party_size"] == 2


async def test_replies_to_reminders_confirm_move_and_cancel_with_the_real_assistant(sms_stack, http):
    """C, R and X to the phone's latest reminder, as Twilio delivers them to the running assistant."""
    phone = "+15550100477"
    sessions = session_factory(make_url(sms_stack.env["DATABASE_URL"]))
    profiles, bookings = ProfileStore(sessions), BookingStore(sessions, SCHEDULE)
    who = profiles.record_contact_details(
        profiles.customer_for_sender("rest", "reminded-by-text"),
        ContactDetails(name="Rae", phone=phone, sms_consent=True),
    )
    now = datetime.now(TZ)
    starts = bookings.free_service_starts(45, now + timedelta(days=2), 3, spacing=180)
    codes = [
        bookings.book_service(who, s, ["oil-change"], {"model": "Lumen"}, "wait", now).code for s in starts
    ]

    def remind(code: str) -> None:
        """Queued as the reminder pass queues it (2+ days ahead: the stack's own pass leaves it), sent."""
        with sessions.begin() as session:
            booking = session.scalar(select(Booking).where(Booking.code == code))
            assert queue_sms(session, booking, "reminder_24h", f"reminder {code}")
            reminder = session.scalar(select(OutboxMessage.id).where(OutboxMessage.booking_id == booking.id))
        Outbox(sessions).mark(
            reminder, status="sent", sent_at=datetime.now(timezone.utc).replace(tzinfo=None)
        )

    remind(codes[0])
    confirmed = " ".join(await sms(http, sms_stack, phone, "C"))
    assert "you're confirmed" in confirmed and codes[0] in confirmed
    remind(codes[1])
    cancelled = " ".join(await sms(http, sms_stack, phone, "x"))
    assert "is cancelled" in cancelled and codes[1] in cancelled
    remind(codes[2])
    asked = " ".join(await sms(http, sms_stack, phone, "R"))
    assert "Move" in asked and codes[2] in asked  # the assistant asks to move exactly that booking
    moving = " ".join(await sms(http, sms_stack, phone, "1" if "Reply 1 for" in asked else "yes"))
    assert "find a new time" in moving

    with sessions() as session:
        status = dict(
            session.execute(select(Booking.code, Booking.status).where(Booking.code.in_(codes))).all()
        )
        first = session.scalar(select(Booking).where(Booking.code == codes[0]))
    assert status == {codes[0]: "confirmed", codes[1]: "cancelled", codes[2]: "confirmed"}
    assert first.confirmed_at is not None and not profiles.is_opted_out(phone)
    rows = await inbound(http, sms_stack, phone, 4)
    assert [r["text"] for r in rows if r["direction"] == "in"][:2] == ["C", "x"]
