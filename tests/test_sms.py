"""SMS channel rules (pure) and its database state on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.engine.url import URL as DatabaseUrl
from twilio.request_validator import RequestValidator

from bot import db
from bot.channels.sms.channel import (
    MAX_SMS_CHARS,
    InboundSms,
    InvalidSms,
    chosen_option,
    form_params,
    inbound_from,
    keyword_of,
    render,
    signature_is_valid,
    split,
    twiml,
)
from bot.channels.sms.store import SmsStore
from bot.profile import ContactDetails, ProfileStore
from bot.profile.models import utcnow
from tests.conftest import postgres_schema

URL = "https://concierge.example.com/webhooks/sms/webhook"
TOKEN = "test-auth-token"


@pytest.mark.parametrize(
    ("body", "word"),
    [
        ("STOP", "STOP"),
        ("  stop ", "STOP"),
        ("Stop.", "STOP"),
        ("¡UNSUBSCRIBE!", "UNSUBSCRIBE"),
        ("optout 🛑", "OPTOUT"),
        ("help?", "HELP"),
        ("Info", "INFO"),
        ("yes", "YES"),
        ("\nstart\n", "START"),
        ("please stop", None),
        ("stop it", None),
        ("stopping", None),
        ("", None),
        ("1", None),
    ],
)
def test_keywords_are_single_words_in_any_case(body, word):
    assert keyword_of(body) == word


def test_numbered_replies_map_back_to_payloads():
    options = [{"title": "A", "payload": "/a"}, {"title": "B", "payload": "/b"}]
    assert chosen_option("2", options) == "/b"
    assert chosen_option(" 1. ", options) == "/a"
    assert chosen_option("3", options) is None  # not offered: goes to the assistant as text
    assert chosen_option("0", options) is None
    assert chosen_option("1", []) is None
    assert chosen_option("1 please", options) is None


def test_buttons_become_numbered_options_across_the_whole_reply():
    texts, options = render(
        [
            {"text": "Which clinic?", "buttons": [{"title": "Teen", "payload": "/t"}]},
            {
                "text": "Or:",
                "buttons": [{"title": "Tech", "payload": "/x"}, {"title": "None", "payload": "/n"}],
            },
            {"custom": {"ignored": True}},
        ]
    )
    assert texts == ["Which clinic?\nReply 1 for Teen", "Or:\nReply 2 for Tech\nReply 3 for None"]
    assert [o["payload"] for o in options] == ["/t", "/x", "/n"]


def test_long_replies_split_at_sentence_ends_under_the_limit():
    sentences = [f"Sentence number {i} says something useful about your car." for i in range(100)]
    text = " ".join(sentences)
    parts = split(text)
    assert len(parts) > 1 and all(len(p) <= MAX_SMS_CHARS for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts) == text
    assert split("short\nlines kept") == ["short\nlines kept"]


def test_a_sentence_longer_than_a_message_is_cut_at_a_space():
    text = "word " * 1000
    parts = split(text)
    assert all(len(p) <= MAX_SMS_CHARS for p in parts)
    assert " ".join(parts).split() == text.split()
    assert split("x" * 3500) == ["x" * 1600, "x" * 1600, "x" * 300]


def test_twiml_has_one_message_per_part_and_escapes_text():
    xml = twiml(["Tom & Jerry <3", "y" * 2000])
    assert xml.count("<Message>") == 3 and "Tom &amp; Jerry &lt;3" in xml
    assert twiml([]) == '<?xml version="1.0" encoding="UTF-8"?><Response />'


def test_signatures_cover_the_url_and_every_param_including_blank_ones():
    body = b"From=%2B15550100999&Body=&MessageSid=SM1&NumMedia=1&MediaUrl0=https%3A%2F%2Fx"
    params = form_params(body)
    assert params["Body"] == ""
    good = RequestValidator(TOKEN).compute_signature(URL, dict(params))
    assert signature_is_valid(TOKEN, URL, params, good)
    assert not signature_is_valid(TOKEN, URL.replace("https", "http"), params, good)
    assert not signature_is_valid("other-token", URL, params, good)
    assert not signature_is_valid(TOKEN, URL, form_params(body.replace(b"SM1", b"SM2")), good)
    assert not signature_is_valid(TOKEN, URL, params, None)
    assert not signature_is_valid(None, URL, params, good)


def test_inbound_fields_are_checked_with_reasons():
    sms = inbound_from(form_params(b"From=(555)+010-0199&Body=hi+%F0%9F%9A%97&MessageSid=SM9&NumMedia=0"))
    assert sms == InboundSms("SM9", "+15550100199", "hi 🚗", 0)
    with pytest.raises(InvalidSms, match="MessageSid, From"):
        inbound_from(form_params(b"Body=hi"))
    with pytest.raises(InvalidSms, match="From is not a phone number"):
        inbound_from(form_params(b"From=banana&MessageSid=SM1&Body=hi"))
    with pytest.raises(InvalidSms, match="NumMedia"):
        inbound_from(form_params(b"From=%2B15550100199&MessageSid=SM1&NumMedia=lots"))


def test_an_sms_sender_meets_the_web_profile_with_that_phone(store):
    web = store.customer_for_sender("rest", "web-visitor")
    store.record_contact_details(web, ContactDetails(name="Ana", phone="+15550100321", sms_consent=True))
    assert store.customer_for_sender("sms", "+15550100321") == web
    new = store.customer_for_sender("sms", "+15550100322")
    assert new != web and store.customer_for_sender("sms", "+15550100322") == new
    [contact] = store.profile(new)["contacts"]
    assert [p["e164"] for p in contact["phones"]] == ["+15550100322"]


def test_opt_out_and_back_in_are_recorded_once_with_source_and_message(store):
    who = store.customer_for_sender("sms", "+15550100323")
    assert not store.is_opted_out("+15550100323")
    assert store.opt_out("+15550100323", "sms:message", "Stop texting me please") is True
    assert store.opt_out("+15550100323", "sms:QUIT", "quit") is False  # already out: the first request stays
    [phone] = store.profile(who)["contacts"][0]["phones"]
    assert phone["opted_out_at"] and phone["opt_out_source"] == "sms:message"
    assert phone["opt_out_message"] == "Stop texting me please"
    assert store.is_opted_out("+15550100323")
    assert store.opt_in("+15550100323", "sms:START") is True
    assert store.opt_in("+15550100323", "sms:START") is False
    [phone] = store.profile(who)["contacts"][0]["phones"]
    assert phone["opted_out_at"] is None and phone["opt_out_message"] is None and phone["sms_consent"] is True
    assert phone["sms_consent_source"] == "sms:START"
    assert store.opt_out("+15550100323", "twilio:21610") is True  # no message caused this one
    assert store.profile(who)["contacts"][0]["phones"][0]["opt_out_message"] is None


def test_phones_of_a_profile_are_all_its_numbers(store):
    who = store.customer_for_sender("rest", "phones-of-visitor")
    assert store.phones_of(who) == []
    store.record_contact_details(who, ContactDetails(name="Ana", phone="+15550100325", sms_consent=True))
    store.record_contact_details(who, ContactDetails(phone="+15550100326"))
    store.opt_out("+15550100326", "sms:STOP", "STOP")
    assert store.phones_of(who) == ["+15550100325", "+15550100326"]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DatabaseUrl]:
    """A database with no tables yet, of each kind."""
    if request.param == "sqlite":
        url = make_url(f"sqlite:///{tmp_path / 'empty.db'}")
        yield url
        db.engine_for(url).dispose()
        return
    with postgres_schema() as url:
        yield url


def test_the_opt_out_message_migration_keeps_existing_opt_outs(empty_database_url):
    migrations = Config()
    migrations.set_main_option("script_location", str(db.MIGRATIONS))
    migrations.attributes["engine"] = db.engine_for(empty_database_url)
    command.upgrade(migrations, "0006")  # before this issue: a number opted out by keyword
    engine = db.engine_for(empty_database_url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO customers (created_at) VALUES (CURRENT_TIMESTAMP)"))
        connection.execute(
            text("INSERT INTO contacts (customer_id, created_at) SELECT id, CURRENT_TIMESTAMP FROM customers")
        )
        connection.execute(
            text(
                "INSERT INTO phones (contact_id, e164, opted_out_at, opt_out_source) "
                "SELECT id, '+15550100327', CURRENT_TIMESTAMP, 'sms:STOP' FROM contacts"
            )
        )
    command.upgrade(migrations, "head")
    store = ProfileStore(db.session_factory(empty_database_url))
    assert store.is_opted_out("+15550100327")
    assert store.opt_out("+15550100327", "sms:message", "stop texting me") is False  # still the first one
    with engine.connect() as connection:
        row = connection.execute(text("SELECT opt_out_source, opt_out_message FROM phones")).one()
    assert tuple(row) == ("sms:STOP", None)
    command.downgrade(migrations, "0006")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT opt_out_source FROM phones")).scalar() == "sms:STOP"


def test_a_message_sid_is_received_once_and_claims_happen_once(database_url):
    sms_store = SmsStore(db.session_factory(database_url))
    first = InboundSms("SMdup", "+15550100324", "hello")
    assert sms_store.receive(first) is True
    assert sms_store.receive(first) is False
    assert sms_store.reply_to("SMdup") == (None, None)
    sms_store.answered(first, "answered", ["Hi there"])
    assert sms_store.reply_to("SMdup") == ("answered", ["Hi there"])
    assert sms_store.receive(InboundSms("SMother", "+15550100324", "again")) is True
    assert sms_store.received_since("+15550100324", utcnow() - timedelta(minutes=1)) == 2

    assert sms_store.claim_introduction("+15550100324") is True
    assert sms_store.claim_introduction("+15550100324") is False
    assert sms_store.claim_limit_notice("+15550100324", timedelta(minutes=1)) is True
    assert sms_store.claim_limit_notice("+15550100324", timedelta(minutes=1)) is False
    assert sms_store.claim_limit_notice("+15550100324", timedelta(0)) is True  # window over

    assert sms_store.options("+15550100324") == []
    sms_store.offer("+15550100324", [{"title": "A", "payload": "/a"}])
    assert sms_store.options("+15550100324") == [{"title": "A", "payload": "/a"}]
    sms_store.offer("+15550100324", [])
    assert sms_store.options("+15550100324") == []

    sms_store.forget(first)
    assert sms_store.receive(first) is True  # after a failure, a retry is processed afresh
