"""Whose contact details a message is about: the customer's own (the contact form) or the
dealership's (its facts), whatever the classifier read."""

from __future__ import annotations

import pytest

from bot.nlu.contact_guard import whose_details


@pytest.mark.parametrize(
    ("said", "meant"),
    [
        ("please save my email, it's dana@example.com", "introduce"),
        ("can you update my phone number", "introduce"),
        ("I'd like to add my husband's cell to the account", "introduce"),
        ("my new number is 312 555 0199", "introduce"),
        ("phone # ?", "ask_info"),
        ("tel?", "ask_info"),
        ("what's your number", "ask_info"),
        ("what's the service line", "ask_info"),
        ("how do i get there from the highway", "ask_info"),
        ("coming from the airport, which way do i go", "ask_info"),
        ("what number are you", "ask_info"),
        ("how do I pair my phone", None),  # a feature question: left as read
        ("does the tessa have a phone charger", None),
        ("book an oil change", None),
    ],
)
def test_whose_details_a_message_is_about(said, meant):
    assert whose_details(said) == meant
