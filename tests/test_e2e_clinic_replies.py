"""Clinic, cancel and reschedule conversations with natural replies, over REST against the running
assistant (issue 14): who's coming said up front and completed later, questions while booking,
"book it" after a clinic's facts, any yes at the confirmation, the only booking cancelled without
"which one?", and a clinic booking moved to another session."""

from __future__ import annotations

from tests.chat import say, texts


async def test_who_is_coming_said_up_front_is_kept_and_only_the_age_is_asked(stack, http):
    chat = lambda text: say(http, stack.rest_url, "clin-up-front", text)  # noqa: E731
    assert "Which session" in texts(await chat("please sign me and my girl up for the teen driving class"))
    asked = texts(await chat("the 1st"))
    assert "How old is your girl" in asked and "Who's coming" not in asked
    confirm = texts(await chat("Sophie, she's 16"))
    assert "for 2: you and Sophie (16)" in confirm
    assert "You're booked" in texts(await chat("yep"))


async def test_a_question_while_choosing_is_answered_and_book_it_takes_a_session(stack, http):
    chat = lambda text: say(http, stack.rest_url, "clin-questions", text)  # noqa: E731
    await chat("i'd like to sign up for the winter driving class")
    answer = texts(await chat("do i need to bring anything?"))
    assert "warm clothes" in answer and "couldn't match" not in answer
    asked = texts(await chat("ok whichever slot is open"))
    assert "Who's coming" in asked or "just you" in asked
    assert "To confirm" in texts(await chat("just me"))
    assert "You're booked" in texts(await chat("confirm"))


async def test_book_it_after_a_clinics_facts_books_that_clinic(stack, http):
    chat = lambda text: say(http, stack.rest_url, "clin-book-it", text)  # noqa: E731
    assert "Winter Driving Clinic" in texts(await chat("what is the winter driving clinic?"))
    sessions = texts(await chat("great, book it"))
    assert "Winter Driving Clinic" in sessions and "What does your car need" not in sessions


async def test_the_only_booking_is_cancelled_without_asking_which(stack, http):
    chat = lambda text: say(http, stack.rest_url, "clin-cancel-one", text)  # noqa: E731
    await chat("book me into the tech clinic")
    await chat("the first one")
    await chat("just me")
    booked = texts(await chat("yes"))
    code = booked.split("confirmation code is ")[1][:6]
    asked = texts(await chat("ugh something came up, cancel my booking"))
    assert asked.startswith("Cancel") and code in asked
    assert "is cancelled" in texts(await chat("yes"))


async def test_a_clinic_booking_is_moved_to_another_session(stack, http):
    chat = lambda text: say(http, stack.rest_url, "clin-move", text)  # noqa: E731
    await chat("sign me up for the tech clinic")
    await chat("the first one")
    await chat("just me")
    code = texts(await chat("yes")).split("confirmation code is ")[1][:6]
    assert "Move" in texts(await chat("can i reschedule my tech class?"))
    offered = (await chat("yes"))[-1]
    second = offered["buttons"][1]["title"].split(" (")[0]
    confirm = texts(await chat("the 2nd one"))
    assert f"on {second} for 1: you" in confirm
    moved = texts(await chat("yes"))
    assert "You're booked" in moved and f"Your earlier booking {code} is cancelled" in moved
