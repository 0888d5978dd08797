"""Booking a clinic end to end: the conversation, the booking, and the profile."""

from __future__ import annotations

from tests.chat import say, texts, wait_for
from tests.test_e2e_conversation import http, profile_of  # noqa: F401 - fixtures shared


async def test_signing_a_teen_up_for_the_driving_class(stack, http):  # noqa: F811
    sender = "clinic-parent"
    sessions = (await say(http, stack.rest_url, sender, "sign my daughter up for the teen driving class"))[-1]
    assert "Teen Driver Safety Clinic" in sessions["text"] and sessions["buttons"]
    assert all("left)" in b["title"] for b in sessions["buttons"])

    assert "Who's coming" in texts(await say(http, stack.rest_url, sender, sessions["buttons"][0]["payload"]))
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


async def test_choosing_a_clinic_then_changing_ones_mind(stack, http):  # noqa: F811
    sender = "clinic-browser"
    choice = (await say(http, stack.rest_url, sender, "what clinics do you have?"))[-1]
    assert {"Teen Driver Safety Clinic", "New Owner Tech Clinic"} <= {b["title"] for b in choice["buttons"]}
    sessions = texts(await say(http, stack.rest_url, sender, "New Owner Tech Clinic"))
    assert "Which session" in sessions
    assert "couldn't match" in texts(await say(http, stack.rest_url, sender, "banana"))
    assert "nothing's booked" in texts(await say(http, stack.rest_url, sender, "never mind"))
