"""Vehicle questions end to end: REST in, answers out, and what lands on the profile."""

from __future__ import annotations

import aiohttp
import pytest

from tests.chat import profile_of, say, texts, wait_for


async def gaps(http, stack) -> list[dict]:
    async with http.get(f"{stack.web_url}/api/knowledge/gaps", headers=stack.staff_headers) as response:
        return await response.json()


async def test_feature_questions_with_follow_ups_and_typos(stack, http):
    sender = "kb-owner"
    reply = texts(await say(http, stack.rest_url, sender, "how do i turn on adaptve cruise"))
    assert "Adaptive cruise control" in reply and "SET" in reply
    assert 'Reply "more"' in reply
    rest = texts(await say(http, stack.rest_url, sender, "more"))
    assert "RES" in rest

    hud = texts(await say(http, stack.rest_url, sender, "does the Tessa XLE have a heads up display?"))
    assert hud.startswith("No") and "Tessa Platinum" in hud
    assert texts(await say(http, stack.rest_url, sender, "what about the Platinum?")).startswith("Yes")
    assert "Settings" in texts(await say(http, stack.rest_url, sender, "ok how do I use it?"))

    tow = texts(await say(http, stack.rest_url, sender, "how much can the forge trail tow"))
    assert "11,000 lb" in tow
    assert "12,500 lb" in texts(await say(http, stack.rest_url, sender, "what about the Summit?"))

    async def answered_rows():
        profile = await profile_of(http, stack, sender)
        rows = [r for r in profile["engagement"] if r["topic"]] if profile else []
        return (profile, rows) if len(rows) >= 5 else None  # spec answers have no feature topic

    profile, rows = await wait_for(answered_rows)
    hud_row = next(r for r in rows if r["text"].startswith("No, the Tessa XLE"))
    assert (hud_row["topic"], hud_row["model"], hud_row["trim"]) == ("head-up-display", "Tessa", "XLE")
    interests = {i["topic"]: i["count"] for i in profile["interests"]}
    assert interests["head-up-display"] == 3 and interests["adaptive-cruise-control"] == 1


async def test_does_my_car_have_it_asks_for_the_vehicle_and_saves_it(stack, http):
    sender = "kb-my-car"
    assert "Which Corvane do you drive" in texts(
        await say(http, stack.rest_url, sender, "does my car have heated seats?")
    )
    assert "didn't catch the model" in texts(await say(http, stack.rest_url, sender, "the blue one"))
    reply = texts(await say(http, stack.rest_url, sender, "2024 Brio Sport"))
    assert "saved your 2024 Brio Sport" in reply and "Yes" in reply
    profile = await wait_for(lambda: profile_of(http, stack, sender))
    assert [(v["year"], v["model"], v["trim"]) for v in profile["vehicles"]] == [(2024, "Brio", "Sport")]
    # Next time the profile's vehicle answers straight away.
    reply = texts(await say(http, stack.rest_url, sender, "does my car have a head up display"))
    assert reply.startswith("No, the 2024 Brio Sport")


async def test_unclear_questions_get_buttons_and_a_button_answers(stack, http):
    sender = "kb-unclear"
    reply = (await say(http, stack.rest_url, sender, "what's the light on my dash"))[-1]
    assert 2 <= len(reply["buttons"]) <= 3
    chosen = reply["buttons"][0]
    answer = texts(await say(http, stack.rest_url, sender, chosen["payload"]))
    assert chosen["title"] in answer


async def test_unanswerable_questions_are_declined_and_recorded_for_staff(stack, http):
    sender = "kb-gap"
    question = "what's the cargo volume of the brio with the seats down"
    reply = await say(http, stack.rest_url, sender, question)
    assert "rather not guess" in texts(reply) or reply[-1].get("buttons")
    recorded = await wait_for(lambda: _gap_with(http, stack, question))
    assert recorded["outcome"] in ("unknown", "clarify") and recorded["sender_id"] == sender


async def _gap_with(http, stack, text):
    return next((g for g in await gaps(http, stack) if g["text"] == text), None)


@pytest.mark.parametrize(
    "text", ["what would you give me for my trade", "what's the best price you can do on a tessa xle"]
)
async def test_deals_and_trade_ins_still_go_to_a_person(stack, http, text):
    reply = texts(await say(http, stack.rest_url, f"kb-price-{abs(hash(text))}", text))
    assert "come from our team" in reply and "$" not in reply


async def test_published_prices_are_quoted_then_offer_to_book(stack, http):
    sender = "kb-published-price"
    reply = await say(http, stack.rest_url, sender, "What does a tire rotation cost?")
    assert "Tire rotation: $29.95" in texts(reply)
    assert reply[-1]["buttons"][0]["title"] == "Book it"
    msrp = texts(await say(http, stack.rest_url, sender, "how much is the tessa platinum"))
    assert "$49,900 MSRP" in msrp and "before destination, taxes" in msrp


async def test_dealership_facts_never_start_a_form(stack, http):
    sender = "kb-dealership"
    number = texts(await say(http, stack.rest_url, sender, "what's your number?"))
    assert "+1 555 010 2000" in number and "name" not in number.lower()
    closing = texts(await say(http, stack.rest_url, sender, "what time do u close today"))
    assert "Sales" in closing and "Which one would you like" not in closing
    where = texts(await say(http, stack.rest_url, sender, "where r u located"))
    assert "1200 Harbor Road" in where
    holiday = texts(await say(http, stack.rest_url, sender, "are you open on thanksgiving?"))
    assert "closed on Thanksgiving Day" in holiday


async def test_a_clinic_question_is_answered_and_a_button_books_it(stack, http):
    sender = "kb-clinic-facts"
    reply = await say(http, stack.rest_url, sender, "what happens at the ev class?")
    assert "home and public charging" in texts(reply) and "free" in texts(reply)
    book = reply[-1]["buttons"][0]
    assert book["title"] == "Book the EV 101"
    assert "Which session" in texts(await say(http, stack.rest_url, sender, book["payload"]))


async def test_maintenance_intervals_answer_without_booking(stack, http):
    reply = await say(http, stack.rest_url, "kb-maintenance", "How often does my Brio need new oil?")
    assert "every 7,500 miles or 12 months" in texts(reply)
    assert [b["title"] for b in reply[-1]["buttons"]] == ["Book it"]
    assert "What day" not in texts(reply) and "When would" not in texts(reply)


async def test_my_own_car_is_saved_and_used(stack, http):
    sender = "kb-own-car"
    saved = texts(await say(http, stack.rest_url, sender, "I drive a 2024 Lumen SE"))
    assert "2024 Lumen SE" in saved
    bsm = texts(await say(http, stack.rest_url, sender, "does it have blind spot monitoring?"))
    assert bsm.startswith("Yes") and "2024 Lumen SE" in bsm
    safety = texts(await say(http, stack.rest_url, sender, "what safety features does mine have?"))
    assert "automatic emergency braking" in safety and "ventilated" not in safety.lower()
    profile = await wait_for(lambda: profile_of(http, stack, sender))
    assert [(v["year"], v["model"], v["trim"]) for v in profile["vehicles"]] == [(2024, "Lumen", "SE")]


async def test_symptoms_and_specs_find_their_answer(stack, http):
    sender = "kb-symptoms"
    assert "Parking sensors" in texts(
        await say(http, stack.rest_url, sender, "it keeps beeping when i'm reversing")
    )
    assert "5,000 lb" in texts(await say(http, stack.rest_url, sender, "towing capacity of the tessa?"))


async def test_a_vehicle_question_mid_form_is_answered_and_the_form_resumes(stack, http):
    sender = "kb-mid-form"
    await say(http, stack.rest_url, sender, "I'd like to leave my contact details")
    replies = texts(await say(http, stack.rest_url, sender, "wait, how do I pair my phone with bluetooth?"))
    assert "Bluetooth" in replies and "What's your name?" in replies
    assert "mobile number" in texts(await say(http, stack.rest_url, sender, "Priya"))


async def test_healthz_still_ok(stack):
    async with aiohttp.ClientSession() as fresh, fresh.get(f"{stack.web_url}/healthz") as response:
        assert response.status == 200
