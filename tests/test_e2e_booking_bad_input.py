"""Bad input at every booking step gets a clear reply, and nothing is booked, changed or revealed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.engine import make_url

from bot import db
from bot.booking import BookingStore
from bot.booking.models import Booking
from bot.profile import ProfileStore
from tests.chat import say, texts
from tests.dealer import SCHEDULE


def stores(stack) -> tuple[BookingStore, ProfileStore]:
    url = make_url(stack.env["DATABASE_URL"])
    return BookingStore(db.session_factory(url), SCHEDULE), ProfileStore(db.session_factory(url))


async def test_a_party_of_40_and_nameless_headcounts_are_explained(stack, http):
    sender = "bad-party"
    sessions = (await say(http, stack.rest_url, sender, "sign me up for the tech clinic"))[-1]
    await say(http, stack.rest_url, sender, sessions["buttons"][0]["payload"])
    too_many = texts(await say(http, stack.rest_url, sender, "a party of 40"))
    assert "8 seats in all, so I can't book 40" in too_many and "talk to a person" in too_many
    assert "How many are coming" in texts(await say(http, stack.rest_url, sender, "me and the kids"))
    assert "for 3: you and 2 guests" in texts(await say(http, stack.rest_url, sender, "3 of us"))
    assert "nothing's booked" in texts(await say(http, stack.rest_url, sender, "no"))


async def test_gibberish_at_the_transport_and_confirm_steps_is_asked_again(stack, http):
    sender = "bad-steps"
    offers = (await say(http, stack.rest_url, sender, "tire rotation for my 2022 lumen on monday"))[-1]
    assert "get around" in texts(await say(http, stack.rest_url, sender, offers["buttons"][0]["payload"]))
    again = texts(await say(http, stack.rest_url, sender, "qwzx plmk"))
    assert "loaner" in again and "shuttle" in again and "wait" in again and "get around" in again
    assert "mobile number" in texts(await say(http, stack.rest_url, sender, "shuttle"))
    assert "10-digit mobile number" in texts(await say(http, stack.rest_url, sender, "12"))
    confirm = texts(await say(http, stack.rest_url, sender, "skip"))
    assert "To confirm: Tire rotation" in confirm
    unclear = texts(await say(http, stack.rest_url, sender, "ghjkl"))
    assert "Shall I book it?" in unclear or "didn't quite get that" in unclear
    assert "nothing's booked" in texts(await say(http, stack.rest_url, sender, "no"))
    bookings, profiles = stores(stack)
    customer = profiles.customer_for_sender("rest", sender)
    assert bookings.upcoming_of(customer, datetime.now(bookings.schedule.tz)) == []


async def test_unknown_expired_and_other_peoples_codes_change_nothing(stack, http):
    bookings, profiles = stores(stack)
    now = datetime.now(bookings.schedule.tz)
    owner = profiles.customer_for_sender("rest", "code-owner")
    start = bookings.free_service_starts(45, now + timedelta(days=2), 1)[0]
    mine = bookings.book_service(owner, start, ["oil-change"], {"model": "Lumen"}, "wait", now).code
    past = bookings.free_service_starts(45, now + timedelta(days=3), 1)[0]
    expired = bookings.book_service(owner, past, ["tire-rotation"], {"model": "Lumen"}, "wait", now).code
    with db.session_factory(make_url(stack.env["DATABASE_URL"])).begin() as session:
        session.execute(
            update(Booking).where(Booking.code == expired).values(starts_at=datetime(2020, 1, 6, 15, 0))
        )

    sender = "code-owner"  # the owner's own conversation: the live code works, the old one doesn't
    assert "Cancel Oil change" in texts(await say(http, stack.rest_url, sender, f"cancel {mine}"))
    assert "left your booking" in texts(await say(http, stack.rest_url, sender, "no"))
    listed = (await say(http, stack.rest_url, sender, f"cancel {expired}"))[-1]
    assert [b["payload"] for b in listed["buttons"]] == [mine]  # only what is still ahead is offered
    reply = texts(await say(http, stack.rest_url, sender, expired))
    assert "couldn't find an upcoming booking with that code" in reply
    await say(http, stack.rest_url, sender, "never mind")

    for stranger, message in (("code-thief", f"cancel {mine}"), ("code-thief-2", f"reschedule {mine}")):
        await say(http, stack.rest_url, stranger, message)
        reply = texts(await say(http, stack.rest_url, stranger, mine))
        assert "couldn't find an upcoming booking with that code" in reply
        assert "Oil change" not in reply and "Lumen" not in reply
        await say(http, stack.rest_url, stranger, "stop")
    assert [b.code for b in bookings.upcoming_of(owner, now)] == [mine]
    assert [b.status for b in bookings.upcoming_of(owner, now)] == ["confirmed"]
