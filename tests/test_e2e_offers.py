"""Relevant clinic invitations in conversation: offered when the household's signals fit, once,
and never what doesn't fit."""

from __future__ import annotations

from tests.chat import say, texts


def offers(replies: list[dict]) -> list[str]:
    return [r["text"] for r in replies if (r.get("text") or "").startswith("By the way")]


async def test_a_shopper_asking_about_the_ion_is_invited_to_ev_101_once(stack, http):
    first = await say(http, stack.rest_url, "offer-ion", "how far can the Ion go on a charge?")
    assert "range" in texts(first).lower() or "miles" in texts(first).lower()
    [invitation] = offers(first)
    assert "EV 101" in invitation
    again = await say(http, stack.rest_url, "offer-ion", "does the Ion have heated seats?")
    assert offers(again) == []  # once per conversation is enough


async def test_many_feature_questions_bring_the_tech_clinic_and_nothing_else(stack, http):
    sender = "offer-curious"
    questions = [
        "how do i turn on adaptive cruise control?",
        "does the Tessa XLE have a head-up display?",
        "how do I pair my phone with bluetooth?",
    ]
    said = [await say(http, stack.rest_url, sender, q) for q in questions]
    assert offers(said[0]) == [] and offers(said[1]) == []  # a question or two isn't a pattern
    [invitation] = offers(said[2])
    assert "New Owner Tech Clinic" in invitation
    everything = " ".join(texts(r) for r in said)
    assert "Teen Driver" not in everything and "EV 101" not in everything  # nothing that doesn't fit
    booking = await say(http, stack.rest_url, sender, said[2][-1]["buttons"][0]["payload"])
    assert "New Owner Tech Clinic" in texts(booking) and "Which session" in texts(booking)
