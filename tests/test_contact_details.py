import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.contact import ValidateContactForm
from actions.service import ValidateServiceForm
from bot.profile import (
    InvalidContactDetail,
    InvalidVin,
    name_in_introduction,
    normalise_email,
    normalise_name,
    normalise_phone,
    normalise_vin,
    texting_consent_in,
)


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("555-010-0123", "+15550100123"),
        ("(312) 555-0199", "+13125550199"),
        ("+1 555 010 2000", "+15550102000"),
        ("555.010.7781", "+15550107781"),
        ("  5550109988 ", "+15550109988"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(typed, e164):
    assert normalise_phone(typed) == e164


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "couldn't find a phone number"),
        ("call me maybe", "couldn't find a phone number"),
        ("12", "wrong number of digits"),
        ("123-456-7890", "doesn't look like a real phone number"),
        ("555-010-01234567", "wrong number of digits"),
    ],
)
def test_bad_phone_numbers_get_a_reason(typed, reason):
    with pytest.raises(InvalidContactDetail, match=reason):
        normalise_phone(typed)


def test_emails_are_checked_and_lower_cased():
    assert normalise_email(" Jane.Doe@Example.COM ") == "jane.doe@example.com"


@pytest.mark.parametrize("typed", ["jane@", "no", "jane@@example.com", "jane doe@example.com", ""])
def test_bad_emails_get_a_reason(typed):
    with pytest.raises(InvalidContactDetail, match="email address doesn't look right"):
        normalise_email(typed)


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("jane doe", "Jane Doe"),
        ("it's Robin", "Robin"),
        ("Mary-Jane O'Brien", "Mary-Jane O'Brien"),
        ("Will Smith", "Will Smith"),
    ],
)
def test_names_are_tidied(typed, name):
    assert normalise_name(typed) == name


@pytest.mark.parametrize("typed", ["what can you do", "are you a bot?", "12", "hi", "", "a b c d e"])
def test_sentences_and_numbers_are_not_names(typed):
    with pytest.raises(InvalidContactDetail, match="didn't catch a name"):
        normalise_name(typed)


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("my name is Alex Kim and my number is 555-010-7788", "Alex Kim"),
        ("I'm Jane, text me at 555 010 1234", "Jane"),
        ("call me dre", "Dre"),
        ("I'm looking to leave my details", None),
        ("this is great", None),
    ],
)
def test_names_are_found_in_introductions(sentence, name):
    assert name_in_introduction(sentence) == name


@pytest.mark.parametrize(
    ("reply", "consent"),
    [
        ("555 010 7788, texting that number is fine", True),
        ("it's 555-010-7788 - sure, send me texts", True),
        ("5550107788 you may text it", True),
        ("555.010.7788 ok to txt", True),
        ("555 010 7788 but please don't text, call instead", False),
        ("555-010-7788 no sms please", False),
        ("555-010-7788, calls only", False),
        ("555 010 7788", None),
        ("my cell is 555 010 7788 thanks", None),
    ],
)
def test_a_number_given_with_a_yes_or_no_to_texts_carries_the_answer(reply, consent):
    assert texting_consent_in(reply) is consent


@pytest.mark.parametrize(
    ("reply", "consent"),
    [
        ("312-555-0154 yes", True),
        ("312 555 0136, sure", True),
        ("(773) 555-0140 ok", True),
        ("312-555-0154 no", False),
        ("312-555-0154 nope.", False),
        ("312-555-0154", None),
        ("312-555-0154 yes my work cell", None),
    ],
)
def test_a_bare_yes_or_no_after_the_number_answers_a_question_that_asked_about_texts(reply, consent):
    """The service desk's question asks for the number and whether we may text it in one."""
    assert texting_consent_in(reply, texts_asked=True) is consent
    assert texting_consent_in(reply) is None  # a question that didn't ask: "yes" says nothing


@pytest.mark.parametrize("form", [ValidateContactForm, ValidateServiceForm])
def test_the_phone_question_takes_consent_given_in_the_same_reply(form, action_services):
    reply = "sure it's 555 010 4567 and texting me is fine"
    tracker = Tracker.from_dict(
        {
            "sender_id": "consent-in-one-reply",
            "slots": {"requested_slot": "phone"},
            "latest_message": {"text": reply, "intent": {"name": "introduce", "confidence": 0.9}},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": "form"},
            "latest_action_name": "action_listen",
        }
    )
    dispatcher = CollectingDispatcher()
    assert form(action_services).validate_phone(reply, dispatcher, tracker, {}) == {
        "phone": "+15550104567",
        "sms_consent": True,
    }
    assert dispatcher.messages == []


def test_a_vin_inside_a_sentence_is_found_and_still_checked():
    vin = "1CVAB12C1RL418263"
    assert normalise_vin(f"the vin is {vin}, thanks") == vin
    assert normalise_vin(f"here: {vin[:4]}-{vin[4:]}") == vin
    with pytest.raises(InvalidVin, match="check digit"):
        normalise_vin(f"vin {vin[:-1]}4")
    with pytest.raises(InvalidVin, match="has 14"):
        normalise_vin("my vin is 1CV0AB20240000")
