"""Booking a clinic end to end: the conversation, the booking, and the profile."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import make_url

from bot import db
from bot.booking import BookingStore
from bot.profile import ProfileStore
from tests.chat import profile_of, say, texts, wait_for
from tests.dealer import SCHEDULE, TZ


async def test_signing_a_teen_up_for_the_driving_class(stack, http):
    sender = "clinic-parent"
    sessions = (await say(http, stack.rest_url, sender, "sign my daughter up for the teen driving class"))[-1]
    assert "Teen Driver Safety Clinic" in sessions["text"] and sessions["buttons"]
    assert all("left)" in b["title"] for b in sessions["buttons"])

    asked = texts(await say(http, stack.rest_url, sender, sessions["buttons"][0]["payload"]))
    assert "How old is your daughter" in asked  # the daughter said in the request is kept
    assert "aged 15-18" in texts(await say(http, stack.rest_url, sender, "me and my daughter Emma"))
    confirm = texts(await say(http, stack.rest_url, sender, "me and my daughter Emma, 15"))
    assert "To confirm: Teen Driver Safety Clinic" in confirm and "Emma (15)" in confirm
    booked = texts(await say(http, stack.rest_url, sender, "yes"))
    assert "You're booked" in booked and "confirmation code" in booked
    code = booked.split("confirmation code is ")[1][:6]

    async def booked_profile():
        profile = await profile_of(http, stack, sender)
        rows = [r for r in profile["engagement"] if r["booking_id"]] if profile else []
        return (profile, rows) if rows and profile["household"] else None

    profile, rows = await wait_for(booked_profile)
    assert rows[0]["booking_id"] == code
    [emma] = profile["household"]
    assert (emma["name"], emma["relation"]) == ("Emma", "child") and emma["birth_year"] >= 2008

    async with http.get(f"{stack.web_url}/api/bookings?kind=clinic", headers=stack.staff_headers) as response:
        listed = await response.json()
    [mine] = [b for b in listed if b["code"] == code]
    assert (
        mine["clinic"] == "teen-driver-safety" and mine["party_size"] == 2 and mine["status"] == "confirmed"
    )


async def test_choosing_a_clinic_then_changing_ones_mind(stack, http):
    sender = "clinic-browser"
    choice = (await say(http, stack.rest_url, sender, "what clinics do you have?"))[-1]
    assert {"Teen Driver Safety Clinic", "New Owner Tech Clinic"} <= {b["title"] for b in choice["buttons"]}
    sessions = texts(await say(http, stack.rest_url, sender, "New Owner Tech Clinic"))
    assert "Which session" in sessions
    assert "couldn't match" in texts(await say(http, stack.rest_url, sender, "banana"))
    assert "nothing's booked" in texts(await say(http, stack.rest_url, sender, "never mind"))


async def test_a_full_clinic_offers_the_waitlist_and_a_cancellation_seats_the_waiting_party(stack, http):
    bookings = BookingStore(db.session_factory(make_url(stack.env["DATABASE_URL"])), SCHEDULE)
    profiles = ProfileStore(db.session_factory(make_url(stack.env["DATABASE_URL"])))
    now = datetime.now(bookings.schedule.tz)
    filler = profiles.customer_for_sender("rest", "car-seat-filler")
    held = [
        bookings.book_clinic(filler, s.id, 1, [{"name": "Kim"}], now).code
        for s in bookings.clinic_sessions("child-car-seat-check", now)
        if s.seats_left
    ]
    sender = "car-seat-waiter"
    offer = (await say(http, stack.rest_url, sender, "can i book a car seat check?"))[-1]
    assert "is full" in offer["text"] and "waitlist" in offer["text"]
    joined = texts(await say(http, stack.rest_url, sender, offer["buttons"][0]["payload"]))
    assert "You're on the waitlist" in joined
    code = joined.split("(code ")[1][:6]

    assert bookings.cancel(held[0], filler, now).promoted == [
        (code, profiles.customer_for_sender("rest", sender))
    ]

    async def seated():
        profile = await profile_of(http, stack, sender)
        return [e for e in profile["engagement"] if e["action"] == "waitlist_promoted"] if profile else None

    [event] = await wait_for(seated)
    assert event["booking_id"] == code and "it's yours" in event["text"]


async def test_people_as_they_say_it_a_session_by_its_day_and_questions_about_the_booking(stack, http):
    """ "me and Leo, he's 15": two seats and Leo in the household (never "He's"); "the saturday
    one" picks a session; then what time, where, the code, and adding a husband (confirmed, as
    a new booking replacing the old one, with his name asked once)."""
    sender = "clinic-leo"
    chat = lambda text: say(http, stack.rest_url, sender, text)  # noqa: E731
    offer = (await chat("can i book the teen driving class"))[-1]
    first = offer["buttons"][0]["title"].split(" (")[0]
    assert "Who's coming" in texts(await chat("the saturday one"))
    confirm = texts(await chat("me and Leo, he's 15"))
    born = datetime.now(TZ).year - 15
    assert f"on {first} for 2: you and Leo (15)" in confirm
    assert f"I'll save to your household: Leo (family, 15, born {born})" in confirm and "He's" not in confirm
    booked = texts(await chat("yes"))
    assert "You're booked" in booked and "for 2" in booked
    code = booked.split("confirmation code is ")[1][:6]

    when = texts(await chat("what time does it start again?"))
    assert first.split(", ")[1] in when and code in when and "Teen Driver Safety Clinic" in when
    assert "1200 Harbor Road" in texts(await chat("where do i go?"))
    assert code in texts(await chat("whats my code again"))

    added = (await chat("can my husband come too?"))[-1]
    assert "there's room" in added["text"] and "your husband" in added["text"]
    assert "name of your husband" in texts(await chat(added["buttons"][0]["payload"]))
    again = texts(await chat("Sam"))
    assert "for 3: you, Leo (15) and Sam" in again and "Sam (husband)" in again
    rebooked = texts(await chat("yes"))
    assert (
        "You're booked" in rebooked
        and "for 3" in rebooked
        and f"Your earlier booking {code} is cancelled" in rebooked
    )

    profile = await wait_for(lambda: _household_of(http, stack, sender, 2))
    assert sorted((m["name"], m["relation"], m["birth_year"]) for m in profile["household"]) == [
        ("Leo", "family", born),
        ("Sam", "spouse", None),
    ]


async def _household_of(http, stack, sender: str, members: int):
    profile = await profile_of(http, stack, sender)
    return profile if profile and len(profile["household"]) >= members else None


async def test_two_kids_without_names_are_asked_for_once_and_skip_books_without_saving(stack, http):
    sender = "clinic-two-kids"
    chat = lambda text: say(http, stack.rest_url, sender, text)  # noqa: E731
    await chat("sign us up for the tech clinic")
    await chat("the first one")
    asked = texts(await chat("me and my two kids, 14 and 16"))
    assert "first names of your kid (14) and your kid (16)" in asked
    confirm = texts(await chat("skip"))
    assert (
        "for 3: you, your kid (14) and your kid (16)" in confirm and "Not saved to your household" in confirm
    )
    assert "You're booked" in texts(await chat("yes"))
    profile = await profile_of(http, stack, sender)
    assert profile["household"] == []


async def test_questions_without_a_booking_are_answered_plainly(stack, http):
    reply = (await say(http, stack.rest_url, "clinic-nobooking", "when is my appointment?"))[-1]
    assert "I don't see an upcoming booking" in reply["text"]
    assert {b["payload"] for b in reply["buttons"]} == {"/book_clinic", "/book_service"}
