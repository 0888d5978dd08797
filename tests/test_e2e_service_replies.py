"""Service bookings with natural replies end booked (issue 14), end to end over REST: transport
and contact details said in any message, an all-in-one first message, problems instead of service
names, a car refined later, a day said first, questions on the side, and moving the booking."""

from __future__ import annotations

from datetime import datetime

from tests.chat import say, texts
from tests.test_e2e_service import bookings_of, chat, code_in, offered


async def _booked(http, stack, turn, replies: str) -> dict:
    """The booking the last reply confirmed."""
    assert "You're booked" in replies, replies
    code = code_in(replies)
    [mine] = [b for b in await bookings_of(http, stack) if b["code"] == code]
    return mine


async def test_everything_in_the_first_message_books_without_the_contact_form(stack, http):
    turn = chat(http, stack, "replies-all-in-one")
    first = texts(
        await turn(
            "hi, tire rotation on my 2022 lumen next friday at 2pm, I'll wait in the lounge, "
            "my cell is (312) 555-0142 and yes you can text me"
        )
    )
    assert "What's your name" not in first and "To confirm: Tire rotation" in first, first
    assert "waiting at the dealership" in first and "Fri" in first and "2:00 PM" in first
    mine = await _booked(http, stack, turn, texts(await turn("yes, book it")))
    assert mine["transport"] == "wait" and mine["services"] == ["tire-rotation"]


async def test_transport_and_phone_said_early_are_kept_and_a_yes_never_loops(stack, http):
    turn = chat(http, stack, "replies-early")
    offers = await turn("oil change for my 2023 Lumen LE, ill wait for it")
    assert "Which of these did you mean" not in texts(offers)
    assert "get around" not in texts(await turn(offers[-1]["buttons"][0]["payload"]))
    reply = texts(await turn("312 555 0172 texts ok"))
    assert "To confirm: Oil change" in reply and "waiting" in reply
    mine = await _booked(http, stack, turn, texts(await turn("yes")))
    assert mine["transport"] == "wait"


async def test_a_plain_yes_at_the_transport_question_is_re_asked_then_settled(stack, http):
    turn = chat(http, stack, "replies-yes")
    offers = await turn("brake inspection for my 2020 forge")
    assert "get around" in texts(await turn(offers[-1]["buttons"][0]["payload"]))
    seen = [texts(await turn("yes")) for _ in range(3)]
    assert len({s.split("How will you")[0] for s in seen}) == 3, seen  # never the same words twice
    assert "mobile number" in seen[-1] or "To confirm" in seen[-1]


async def test_a_problem_a_refined_car_and_a_side_question_then_moving_it(stack, http):
    turn = chat(http, stack, "replies-symptom")
    assert "Which Corvane" in texts(await turn("there's a grinding noise whenever I brake"))
    await turn("my forge")
    refined = await turn("its a 2024 Forge Trail")
    assert "owner guides" not in texts(refined)
    side = await turn("what time do you close on saturday?")
    assert "pencilled" not in texts(side) and side[-1].get("buttons"), side
    assert "loaner" in texts(await turn("do you have loaner cars?")).lower()
    await turn(side[-1]["buttons"][0]["payload"])
    await turn("need a loaner")
    confirm = texts(await turn("skip"))
    assert "Brake inspection" in confirm and "2024 Forge Trail" in confirm and "a loaner car" in confirm
    booked = await _booked(http, stack, turn, texts(await turn("yes")))
    assert booked["transport"] == "loaner"
    moved = texts(await turn("can I move it to wednesday at 10 instead"))
    for _ in range(2):  # which booking (there is one), then the move itself: one yes moves it
        if "is moved to" in moved:
            break
        assert "Which booking" in moved or "Move Brake inspection" in moved, moved
        moved = texts(await turn("yes"))
    assert "is moved to Wed" in moved and "is cancelled" in moved, moved


async def test_a_day_said_first_is_the_day_offered_and_booked(stack, http):
    turn = chat(http, stack, "replies-day-first")
    await turn("can you fit me in Saturday?")
    await turn("oil chnage")
    offers = await turn("2022 lumen")
    saturday = offered(offers[-1]["buttons"][0]).date()
    assert saturday.weekday() == 5
    await turn("10am")
    await turn("I'll wait")
    confirm = texts(await turn("skip"))
    assert f"{saturday:%a %b %-d}, 10:00 AM" in confirm, confirm
    mine = await _booked(http, stack, turn, texts(await turn("yes")))
    assert datetime.fromisoformat(mine["start"]).date() == saturday


async def test_next_wednesday_early_in_the_week_is_said_to_be_next_weeks(stack, http):
    if datetime.now().weekday() > 1:
        return  # from Wednesday on, the coming Wednesday is next week's: nothing to say
    replies = await say(
        http, stack.rest_url, "replies-next", "tire rotation on my 2021 forge next wednesday at 10"
    )
    said = texts(replies)
    assert "next week" in said and "Wednesday" in said
