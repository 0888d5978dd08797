"""Conversations that survive real replies, end to end over REST with the trained model: answers to
lists in words, requests that already say which booking and when, side questions inside forms,
"never mind, <question>", and pronoun follow-ups after vehicle answers."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tests.chat import say, texts
from tests.dealer import TZ
from tests.test_e2e_service import bookings_of, chat, code_in, offered


def weekday_ahead(days: int) -> date:
    """A Monday-Friday day `days` or more ahead (within the week, so its name alone means it)."""
    day = datetime.now(TZ).date() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def label(start: datetime) -> str:
    return f"{start:%a %b %-d, %-I:%M %p}"


async def book_oil_change(turn, day: date, at: str = "10am") -> str:
    """A confirmed oil change on `day`, booked in conversation; its code."""
    assert "get around" in texts(await turn(f"oil change for my 2022 lumen on {day:%A} at {at}"))
    await turn("I'll wait")
    await turn("skip")
    return code_in(texts(await turn("yes")))


async def test_naming_the_same_afternoon_again_takes_its_first_free_time(stack, http):
    turn = chat(http, stack, "repair-afternoon")
    day = weekday_ahead(3)
    offers = (await turn(f"tire rotation for my 2021 forge on {day:%A} afternoon"))[-1]
    first = offered(offers["buttons"][0])
    assert first.date() == day and first.hour >= 12
    again = texts(await turn(f"{day:%A} afternoon"))
    assert "first free time" in again and label(first) in again and "get around" in again
    await turn("ill wait")
    assert label(first) in texts(await turn("skip"))  # the summary to confirm


async def test_offered_times_accept_the_earliest_and_a_range(stack, http):
    turn = chat(http, stack, "repair-earliest")
    day = weekday_ahead(2)
    offers = (await turn(f"need an oil change on my 2020 tessa {day:%A}"))[-1]
    assert offers["buttons"]
    assert "get around" in texts(await turn("the earliest pls"))
    assert "mobile number" in texts(await turn("shuttle"))
    later = texts(await turn(f"actually make it {day:%A} after 3"))  # a new range: its first free time
    assert "first free time" in later and "3:" in later and "PM" in later
    after = await turn("sometime after 4")  # and again: the first after 4
    said = texts(after)
    assert "first free time" in said and "4:" in said and "PM" in said
    assert "mobile number" in said and "get around" not in said  # on with the question still open


async def test_the_only_booking_is_asked_about_at_once_and_a_day_names_the_booking(stack, http):
    turn = chat(http, stack, "repair-one-booking")
    day = weekday_ahead(4)
    code = await book_oil_change(turn, day)
    asked = texts(await turn("I need to cancel my appointment"))  # one booking: no "which booking?"
    assert "Cancel Oil change" in asked and code in asked
    assert "left your bookings" in texts(await turn("no"))
    asked = texts(await turn(f"cancel my appointment on {day:%A}"))  # which one is in the request
    assert "Cancel Oil change" in asked and code in asked
    assert "is cancelled" in texts(await turn("yep"))
    assert [b["status"] for b in await bookings_of(http, stack) if b["code"] == code] == ["cancelled"]


async def test_a_move_request_naming_the_new_time_is_not_asked_for_it_again(stack, http):
    turn = chat(http, stack, "repair-mover")
    old = await book_oil_change(turn, weekday_ahead(2))
    new_day = weekday_ahead(5)
    asked = texts(await turn(f"move my oil change to {new_day:%A} at 11am"))
    assert "Move Oil change" in asked and f"{new_day:%A %b} {new_day.day} at 11 AM" in asked
    moved = texts(await turn("yes"))  # the question named the time: one yes moves it
    new = code_in(moved)
    assert (
        f"is moved to {new_day:%a %b %-d}, 11:00 AM" in moved and f"the old one ({old}) is cancelled" in moved
    )

    morning = weekday_ahead(3)
    asked = texts(await turn(f"reschedule {new} to {morning:%A} morning"))
    # a part of the day is asked about as its first free time, so one yes moves it too
    assert "Move Oil change" in asked and new in asked and f"{morning:%A %b} {morning.day} at" in asked
    moved = texts(await turn("yes"))
    assert f"is moved to {morning:%a %b %-d}" in moved and "AM" in moved
    newest = code_in(moved)
    statuses = {b["code"]: b["status"] for b in await bookings_of(http, stack)}
    assert statuses[old] == statuses[new] == "cancelled" and statuses[newest] == "confirmed"


async def test_a_side_question_while_changing_a_booking_is_answered_then_it_resumes(stack, http):
    turn = chat(http, stack, "repair-detour")
    assert "confirmation code" in texts(await turn("cancel my appointment"))
    detour = await turn("does the tessa xle have heated seats?")
    assert "heated front seats" in texts(detour) and "confirmation code" in detour[-1]["text"]
    assert "nothing's booked" in texts(await turn("never mind"))


async def test_never_mind_with_a_question_stops_the_booking_and_answers_it(stack, http):
    turn = chat(http, stack, "repair-never-mind")
    assert "What does your car need" in texts(await turn("i want to book service"))
    reply = texts(await turn("never mind, how do I pair my phone with bluetooth?"))
    assert "nothing's booked" in reply and "Bluetooth" in reply
    outside = texts(await turn("forget it, how do i use adaptive cruise"))
    assert "Adaptive cruise control" in outside


async def test_pronoun_follow_ups_after_feature_and_availability_answers(stack, http):
    sender = "repair-pronouns"
    seats = texts(await say(http, stack.rest_url, sender, "does the Lumen SE have heated seats?"))
    assert "Yes, the Lumen SE has heated front seats" in seats
    use = texts(await say(http, stack.rest_url, sender, "how do I use them?"))
    assert "heated seat button" in use and "(From our guide: Heated front seats.)" in use
    wireless = texts(await say(http, stack.rest_url, sender, "does the Lumen SE have wireless charging?"))
    assert wireless.startswith("No")
    limited = texts(await say(http, stack.rest_url, sender, "what about the Limited?"))
    assert limited.startswith("Yes") and "Lumen Limited" in limited
    assert texts(await say(http, stack.rest_url, sender, "n the forge trail?")).startswith("No")
