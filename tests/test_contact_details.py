import pytest

from bot.profile import InvalidContactDetail, normalise_email, normalise_phone


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
