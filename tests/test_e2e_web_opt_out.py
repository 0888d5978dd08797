"""A request to stop texting typed on the website (widget and REST) opts out the profile's phones."""

from __future__ import annotations

import asyncio

from sqlalchemy.engine import make_url

from bot.db import session_factory
from bot.profile import ContactDetails, ProfileStore
from tests.chat import profile_of, say, texts, wait_for, widget_session


def with_phone(stack, channel: str, sender: str, phone: str) -> None:
    """A customer who left this mobile number (with consent) earlier in this conversation."""
    store = ProfileStore(session_factory(make_url(stack.env["DATABASE_URL"])))
    customer = store.customer_for_sender(channel, sender)
    store.record_contact_details(customer, ContactDetails(name="Ana", phone=phone, sms_consent=True))


def phones(profile: dict) -> list[dict]:
    return [p for contact in profile["contacts"] for p in contact["phones"]]


async def test_please_stop_texting_me_in_the_widget_opts_out_the_profiles_phone(stack, http):
    session_id = "widget-opt-out-session-1"
    with_phone(stack, "socketio", session_id, "+15550100411")
    async with widget_session(stack.rasa_port, session_id) as (client, received):
        await client.emit("user_uttered", {"message": "please stop texting me", "session_id": session_id})
        reply = await asyncio.wait_for(received.get(), 30)
        await asyncio.sleep(1)
        assert received.empty()  # one reply: the assistant never saw the message

    assert "won't get any more texts" in reply["text"] and "ending 0411" in reply["text"]
    profile = await profile_of(http, stack, session_id)
    [phone] = phones(profile)
    assert phone["opted_out_at"] and phone["opt_out_source"] == "web:message"
    assert phone["opt_out_message"] == "please stop texting me"

    async def recorded() -> list[dict] | None:
        rows = (await profile_of(http, stack, session_id))["engagement"]
        return rows if len(rows) >= 2 else None

    rows = await wait_for(recorded)
    assert [(r["channel"], r["direction"], r["action"]) for r in rows] == [
        ("socketio", "in", None),
        ("socketio", "out", "web_opted_out"),
    ]


async def test_rest_opt_out_maybe_and_ordinary_messages(stack, http):
    sender, url = "rest-opt-out-visitor", stack.rest_url
    with_phone(stack, "rest", sender, "+15550100412")
    asked = texts(await say(http, url, sender, "why do you keep texting me?"))
    assert "Do you want to stop getting texts from us" in asked and '"stop texting me"' in asked
    assert "automated assistant" in texts(await say(http, url, sender, "stop"))  # the conversation's
    [phone] = phones(await profile_of(http, stack, sender))
    assert phone["opted_out_at"] is None

    confirm = await say(http, url, sender, "Don't text me anymore!")
    assert len(confirm) == 1 and "won't get any more texts" in confirm[0]["text"]
    [phone] = phones(await profile_of(http, stack, sender))
    assert phone["opt_out_source"] == "web:message" and phone["opt_out_message"] == "Don't text me anymore!"
    again = texts(await say(http, url, sender, "stop texting me"))
    assert "already unsubscribed" in again
    # Nothing left to ask about: a maybe is the assistant's.
    assert "Do you want to stop" not in texts(await say(http, url, sender, "why do you keep texting me?"))


async def test_without_a_phone_on_the_profile_the_assistant_answers(stack, http):
    """Nothing to opt out: the message is the conversation's, e.g. declining texts in the contact form."""
    replies = await say(http, stack.rest_url, "rest-no-phone-visitor", "please stop texting me")
    assert replies and "won't get any more texts" not in texts(replies)
