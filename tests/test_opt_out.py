"""The opt-out rules (pure): the labelled set as a regression guard, ambiguous replies, the website."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.opt_out import Verdict, classify, normalise
from bot.channels.sms.channel import OPT_OUT

LABELLED = yaml.safe_load((Path(__file__).parents[1] / "bench" / "opt_out_messages.yml").read_text())


def test_the_labelled_set_has_no_false_opt_out_and_no_missed_request():
    assert len(LABELLED) >= 300 and {m["label"] for m in LABELLED} == {"opt_out", "not"}
    verdicts = [(m, classify(m["text"])) for m in LABELLED]
    false_opt_outs = [m["text"] for m, v in verdicts if m["label"] == "not" and v is Verdict.OPT_OUT]
    missed = [
        (m["text"], v.value) for m, v in verdicts if m["label"] == "opt_out" and v is not Verdict.OPT_OUT
    ]
    assert false_opt_outs == []
    assert missed == []


@pytest.mark.parametrize("word", sorted(OPT_OUT))
def test_every_carrier_keyword_alone_is_an_opt_out(word):
    assert classify(word) is Verdict.OPT_OUT
    assert classify(f"{word.lower()}!!") is Verdict.OPT_OUT


@pytest.mark.parametrize(
    "text",
    [
        "enough",
        "no more",
        "Enough already",
        "stop the thing",
        "stop idk",
        "basta",
        "wrong number",
        "quit this",
        "yes cancel",
        "end it",
    ],
)
def test_ambiguous_replies_are_maybe(text):
    assert classify(text) is Verdict.MAYBE


@pytest.mark.parametrize(
    "text",
    [
        "cancel it",
        "cancel this",
        "no cancel",
        "stop asking",
        "let's stop here",
        "can you take my number",
        "no",
        "yes",
        "1",
        "",
    ],
)
def test_answers_inside_a_conversation_stay_with_the_assistant(text):
    """What the assistant's forms understand ("cancel it" a booking, "stop asking") is not about texts."""
    assert classify(text) is Verdict.NONE


def test_a_negation_sets_aside_only_the_word_it_negates():
    assert classify("please don't stop texting me, the reminders help") is Verdict.NONE
    assert classify("the alarm won't stop") is Verdict.NONE
    assert classify("Stop texting me I don't want to cancel anything") is Verdict.OPT_OUT


def test_a_long_message_is_read_quickly_and_a_stop_sentence_in_it_counts():
    assert classify("Is the Tessa good for towing a small boat? " * 450) is Verdict.NONE
    assert classify("STOP - this is not Maria. " + "I don't know who you are. " * 700) is Verdict.OPT_OUT


def test_complaints_about_texts_are_maybe_on_both_channels():
    for channel in ("sms", "web"):
        assert classify("why do you keep texting me??", channel) is Verdict.MAYBE


@pytest.mark.parametrize(
    "text",
    [
        "please stop texting me",
        "unsubscribe",
        "take me off your list",
        "don't text me anymore",
        "no me manden mensajes",
        "revoke my consent to be texted",
        "opt me out",
    ],
)
def test_on_the_website_a_request_that_names_texts_is_an_opt_out(text):
    assert classify(text, "web") is Verdict.OPT_OUT


@pytest.mark.parametrize(
    "text", ["stop", "STOP!!!", "cancel", "please stop", "quit", "enough", "leave me alone"]
)
def test_on_the_website_a_bare_stop_belongs_to_the_conversation(text):
    """In the widget "stop" or "cancel" means the form or the chat, not texts: the assistant answers."""
    assert classify(text, "web") is Verdict.NONE


def test_normalising_drops_case_accents_apostrophes_and_punctuation():
    assert normalise("¡NO me manden MÁS mensajes!!") == "no me manden mas mensajes"
    assert normalise("Don’t   text me…") == "dont text me"
    assert normalise("opt-out") == "opt out"


KNOWN = [m["text"] for m in LABELLED if m["label"] == "opt_out"]
AROUND = st.text(alphabet=' .,!?¡¿;:-*"()…🛑🙏\n', max_size=5)  # what people put around a message
BETWEEN = st.sampled_from([" ", "  ", "\t", "-", " * ", '"', " (", ") ", "_"])  # not a sentence break


@given(
    text=st.sampled_from(KNOWN),
    case=st.lists(st.booleans(), min_size=120, max_size=120),
    before=AROUND,
    after=AROUND,
    between=BETWEEN,
)
def test_punctuation_and_case_never_turn_an_opt_out_into_something_else(text, case, before, after, between):
    cased = "".join(c.upper() if case[i % len(case)] else c.lower() for i, c in enumerate(text))
    varied = f"{before}{cased.replace(' ', between)}{after}"
    assert classify(varied) is Verdict.OPT_OUT, varied
