"""Service appointments, cancelling and moving bookings, end to end over the REST channel."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from tests.chat import profile_of, say, texts, wait_for


def chat(http, stack, sender):
    """A customer: each call sends one message and returns the replies."""

    async def turn(message: str) -> list[dict]:
        return await say(http, stack.rest_url, sender, message)

    return turn


def offered(button: dict) -> datetime:
    """The time a slot button books: its payload is /book_service{"service_when": "<ISO time>"}."""
    return datetime.fromisoformat(json.loads(button["payload"].removeprefix("/book_service"))["service_when"])


def code_in(reply: str) -> str:
    return reply.split("confirmation code is ")[1][:6]


async def bookings_of(http, stack, kind: str = "service") -> list[dict]:
    until = (datetime.now() + timedelta(days=45)).date().isoformat()
    async with http.get(
        f"{stack.web_url}/api/bookings", params={"kind": kind, "to": until}, headers=stack.staff_headers
    ) as r:
        assert r.status == 200
        return await r.json()


async def test_everything_in_one_message_then_a_time_button_and_a_new_phone(stack, http):
    turn = chat(http, stack, "service-lumen")
    offers = (await turn("I need an oil change for my 2023 Lumen next Tuesday morning"))[-1]
    times = [
        datetime.fromisoformat(b["payload"].split('"service_when": "')[1][:-2]) for b in offers["buttons"]
    ]
    assert times and all(t.weekday() == 1 and 7 <= t.hour < 12 for t in times)
    assert "45 minutes" in offers["text"]

    assert "get around" in texts(await turn(offers["buttons"][0]["payload"]))
    assert "mobile number" in texts(await turn("a loaner would be great"))
    assert "text you" in texts(await turn("555 010 4411"))
    confirm = texts(await turn("yes"))
    assert "To confirm: Oil change" in confirm and "2023 Lumen" in confirm and "a loaner car" in confirm
    assert f"{times[0]:%a %b %-d, %-I:%M %p}" in confirm
    booked = texts(await turn("yes please"))
    assert "You're booked" in booked and "Prices are confirmed by the service desk" in booked
    code = code_in(booked)

    [mine] = [b for b in await bookings_of(http, stack) if b["code"] == code]
    assert mine["services"] == ["oil-change"] and mine["transport"] == "loaner"
    assert mine["vehicle"] == {"model": "Lumen", "year": 2023, "make": "Corvane"}
    assert datetime.fromisoformat(mine["start"]) == times[0]
    assert datetime.fromisoformat(mine["end"]) - times[0] == timedelta(minutes=45)

    async def saved():
        profile = await profile_of(http, stack, "service-lumen")
        events = [e for e in profile["engagement"] if e["booking_id"] == code] if profile else []
        return profile if events and profile["vehicles"] else None

    profile = await wait_for(saved)
    assert [(v["model"], v["year"]) for v in profile["vehicles"]] == [("Lumen", 2023)]
    [phone] = [p for c in profile["contacts"] for p in c["phones"]]
    assert phone["e164"] == "+15550104411" and phone["sms_consent"] is True


async def test_piece_by_piece_with_typos_a_detour_and_a_change_of_mind(stack, http):
    turn = chat(http, stack, "service-piecemeal")
    await turn("hi")
    assert "What does your car need" in texts(await turn("i need to book servce"))
    assert "service menu" in texts(await turn("banana"))
    assert "Which Corvane" in texts(await turn("brakes are squeaking"))
    assert "Which Corvane is it" in texts(await turn("a blue one"))
    assert "60 minutes" in texts(await turn("2021 tessa"))
    assert "February doesn't have a 30th" in texts(await turn("Feb 30"))
    assert "in the past" in texts(await turn("yesterday"))
    closed = await turn("sunday at 10")
    assert "closed on Sundays" in texts(closed) and all(
        offered(b).weekday() != 6 for b in closed[-1]["buttons"]
    )
    detour = await turn("does the Tessa XLE have a head-up display?")
    assert "head-up" in texts(detour).lower() and "nearest free times" in detour[-1]["text"]  # then back
    assert [r for r in detour if "nearest free times" in (r.get("text") or "")] == detour[-1:]  # asked once
    assert "get around" in texts(await turn(detour[-1]["buttons"][0]["payload"]))
    assert "mobile number" in texts(await turn("I'll wait"))
    friday = texts(await turn("actually make it Friday afternoon"))  # a new range: its first free time
    assert "first free time" in friday and "Fri " in friday and "PM" in friday and "mobile number" in friday
    pencilled = friday.split(" is the first free time")[0]
    confirm = texts(await turn("skip"))
    assert "To confirm: Brake inspection" in confirm and "2021 Tessa" in confirm and "waiting" in confirm
    assert pencilled in confirm
    assert "nothing's booked" in texts(await turn("never mind"))
    assert not [b for b in await bookings_of(http, stack) if b["vehicle"].get("model") == "Tessa"]
    restarted = texts(await turn("book service"))  # nothing said before lingers
    assert "What does your car need" in restarted


async def test_times_picked_in_words_and_a_change_at_the_confirmation(stack, http):
    """ "first one" picks from the times offered; a time alone ("2pm", "11am") is on the day being
    talked about, never today's by default; "no, actually make it ..." at the confirmation changes
    the booking instead of dropping it."""
    turn = chat(http, stack, "service-words")
    offers = (await turn("tire rotation for my 2021 forge on saturday"))[-1]
    saturday = offered(offers["buttons"][0]).date()
    assert saturday.weekday() == 5
    late = await turn("2pm")  # Saturdays close at 2 pm: said so, with Saturday's times
    assert "On Saturdays the service department is open" in texts(late)
    assert late[-1]["buttons"] and all(offered(b).date() == saturday for b in late[-1]["buttons"])
    assert "get around" in texts(await turn("first one"))
    assert "mobile number" in texts(await turn("ill wait"))
    first = await turn("skip")
    assert f"{offered(late[-1]['buttons'][0]):%a %b %-d, %-I:%M %p}" in texts(first)
    changed = texts(await turn("no, actually make it 11am"))
    assert "nothing's booked" not in changed and f"{saturday:%a %b %-d}, 11:00 AM" in changed
    assert "To confirm" in changed
    code = code_in(texts(await turn("yes")))
    [mine] = [b for b in await bookings_of(http, stack) if b["code"] == code]
    assert datetime.fromisoformat(mine["start"]).date() == saturday
    assert datetime.fromisoformat(mine["start"]).hour == 11


async def test_an_ion_gets_no_oil_change_and_a_recall_needs_a_valid_vin(stack, http):
    turn = chat(http, stack, "service-ion")
    reply = texts(await turn("can I get an oil change on my 2024 Ion"))
    assert "doesn't need an oil change" in reply and "EV battery health check" in reply
    assert "What does your car need" in reply
    assert "VIN" in texts(await turn("ok the recall then"))
    assert "17 characters" in texts(await turn("1M8GDM9AXKP04278"))
    assert "check digit" in texts(await turn("1M8GDM9A1KP042788"))
    assert "120 minutes" in texts(await turn("1M8GDM9AXKP042788"))


async def test_cancel_by_picking_from_ones_bookings_and_codes_of_others_reveal_nothing(stack, http):
    owner = chat(http, stack, "service-canceller")
    offers = (await owner("oil change for my 2022 Lumen on the 14th"))[-1]
    await owner(offers["buttons"][0]["payload"])
    await owner("shuttle")
    await owner("skip")  # no phone: still bookable
    code = code_in(texts(await owner("yes")))

    stranger = chat(http, stack, "service-stranger")
    refused = texts(await stranger(f"cancel booking {code}"))
    assert "couldn't find" in refused.lower() or "don't see any upcoming" in refused
    refused = texts(await stranger(code))
    assert "couldn't find an upcoming booking with that code" in refused and "Lumen" not in refused
    await stranger("never mind")
    listed = await bookings_of(http, stack)
    assert [b["status"] for b in listed if b["code"] == code] == ["confirmed"], (code, listed)

    asked = await owner("I need to cancel my appointment")  # the only one: no "which booking?"
    assert "Cancel Oil change" in texts(asked) and code in texts(asked)
    cancelled = texts(await owner("yes"))
    assert "is cancelled" in cancelled
    assert [b["status"] for b in await bookings_of(http, stack) if b["code"] == code] == ["cancelled"]


async def test_rescheduling_moves_the_booking_and_keeps_what_was_asked(stack, http):
    turn = chat(http, stack, "service-mover")
    offers = (await turn("tire rotation for my 2020 forge next monday"))[-1]
    await turn(offers["buttons"][0]["payload"])
    await turn("wait")
    await turn("skip")
    old = code_in(texts(await turn("yes")))

    asked = texts(await turn(f"can I reschedule {old}"))
    assert "Move Tire rotation" in asked
    assert "new time" in texts(await turn("yes"))
    confirm = texts(await turn("next wednesday at 11am"))  # the number declined before isn't asked again
    assert "To confirm: Tire rotation" in confirm and "2020 Forge" in confirm and "Wed" in confirm
    moved = texts(await turn("yes"))
    new = code_in(moved)
    assert f"old appointment {old} is cancelled" in moved
    statuses = {b["code"]: b["status"] for b in await bookings_of(http, stack)}
    assert statuses[old] == "cancelled" and statuses[new] == "confirmed"
