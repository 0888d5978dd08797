"""End to end: the real supervisor, trained model, action server and database, over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from tests.chat import profile_of, say, texts, wait_for


async def test_introduce_then_ask_for_a_person(stack, http):
    sender = "e2e-jane"
    sent, replies = [], []

    async def turn(text: str) -> str:
        answer = await say(http, stack.rest_url, sender, text)
        sent.append(text)
        replies.extend(answer)
        return texts(answer)

    first = await turn("hello")
    assert "automated assistant" in first
    assert "I'm Lakeside Corvane's automated assistant" in texts(replies[:1])

    assert "name" in (await turn("I'd like to leave my contact details")).lower()
    assert "mobile number" in await turn("Jane Doe")
    assert "wrong number of digits" in await turn("12345")
    assert "email" in (await turn("555 010 0123")).lower()
    assert "doesn't look right" in await turn("jane at example")
    assert "text you" in await turn("jane.doe@Example.com")
    saved = await turn("yes please")
    assert "Thanks, Jane Doe" in saved and "+15550100123" in saved and "STOP" in saved

    handoff = await turn("can I talk to a real person?")
    assert "can see this conversation" in handoff
    assert "reply" in handoff

    expected_rows = len(sent) + len(replies)
    profile = await wait_for(lambda: _profile_with_rows(http, stack, sender, expected_rows))
    assert profile, "engagement rows did not all arrive"
    [contact] = profile["contacts"]
    assert contact["name"] == "Jane Doe"
    assert contact["emails"] == ["jane.doe@example.com"]
    [phone] = contact["phones"]
    assert (
        phone["e164"] == "+15550100123"
        and phone["sms_consent"] is True
        and phone["sms_consent_source"] == "rest"
    )
    [request] = profile["handoffs"]
    assert request["status"] == "open" and request["reason"] == "asked"

    rows = profile["engagement"]
    assert [r["text"] for r in rows if r["direction"] == "in"] == sent
    assert [r["text"] for r in rows if r["direction"] == "out"] == [r.get("text") for r in replies]
    assert all(r["channel"] == "rest" and r["ts"] for r in rows)
    inbound = [r for r in rows if r["direction"] == "in"]
    assert inbound[0]["intent"] == "greet" and inbound[0]["confidence"] > 0.5
    assert inbound[-1]["intent"] == "human_handoff"
    assert all(r["action"] for r in rows if r["direction"] == "out")
    assert rows == sorted(rows, key=lambda r: r["ts"])


async def _profile_with_rows(http, stack, sender: str, count: int) -> dict[str, Any] | None:
    profile = await profile_of(http, stack, sender)
    return profile if profile and len(profile["engagement"]) >= count else None


@pytest.mark.parametrize(
    "text",
    [
        "I want to speak to your manager",
        "I have a complaint about my last service",
        "my lawyer will hear about this",
    ],
)
async def test_escalation_words_go_straight_to_a_person(stack, http, text):
    sender = f"e2e-escalate-{abs(hash(text))}"
    reply = texts(await say(http, stack.rest_url, sender, text))
    assert "manager" in reply and "can see this conversation" in reply
    profile = await wait_for(lambda: profile_of(http, stack, sender))
    assert [h["reason"] for h in profile["handoffs"]] == ["escalation"]


async def test_deals_are_handed_to_a_person_and_only_published_prices_quoted(stack, http):
    sender = "e2e-price"
    reply = texts(await say(http, stack.rest_url, sender, "any lease deals on a Forge Summit?"))
    assert "come from our team" in reply
    assert "$" not in reply
    published = texts(await say(http, stack.rest_url, sender, "how much is a Forge Summit?"))
    assert "$61,750 MSRP" in published and "our sales team will help" in published


@pytest.mark.parametrize(
    "text", ["what's the weather like tomorrow?", "asdkjh qwpoeiu zxcmnb", "tell me a joke"]
)
async def test_out_of_scope_gets_a_helpful_steer_back(stack, http, text):
    replies = await say(http, stack.rest_url, f"e2e-oos-{abs(hash(text))}", text)
    last = replies[-1]
    assert "person" in last["text"]
    assert {b["payload"] for b in last["buttons"]} == {"/capabilities", "/human_handoff"}


async def test_what_can_you_do_lists_the_capabilities(stack, http):
    reply = texts(await say(http, stack.rest_url, "e2e-caps", "what can u do"))
    for capability in ("features", "clinics", "service", "person"):
        assert capability in reply


async def test_contact_form_can_be_skipped_and_stopped(stack, http):
    sender = "e2e-skip"
    await say(http, stack.rest_url, sender, "can you take my details")
    await say(http, stack.rest_url, sender, "Sam")
    assert "email" in texts(await say(http, stack.rest_url, sender, "skip"))
    assert "What can I do for you next" in texts(await say(http, stack.rest_url, sender, "no thanks"))
    profile = await wait_for(lambda: profile_of(http, stack, sender))
    assert profile["contacts"][0]["name"] == "Sam"
    assert profile["contacts"][0]["phones"] == [] and profile["contacts"][0]["emails"] == []

    other = "e2e-stop"
    await say(http, stack.rest_url, other, "I want to leave my contact info")
    assert "left your details" in texts(await say(http, stack.rest_url, other, "never mind"))


async def test_same_phone_from_two_conversations_is_one_customer(stack, http):
    for sender in ("e2e-merge-web", "e2e-merge-app"):
        await say(http, stack.rest_url, sender, "my name is Alex Kim and my number is 555-010-7788")
        await say(http, stack.rest_url, sender, "skip")
        await say(http, stack.rest_url, sender, "no")
    first = await wait_for(lambda: profile_of(http, stack, "e2e-merge-web"))
    second = await profile_of(http, stack, "e2e-merge-app")
    assert first["id"] == second["id"]
    assert {c["sender_id"] for c in first["channels"]} == {"e2e-merge-web", "e2e-merge-app"}
