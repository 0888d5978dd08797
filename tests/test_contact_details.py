import pytest

from bot.profile import (
    InvalidContactDetail,
    name_in_introduction,
    normalise_email,
    normalise_name,
    normalise_phone,
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
