"""The profile store on real SQLite and PostgreSQL databases."""

from datetime import datetime

from bot.profile import ContactDetails, EngagementRecord


def message(sender: str, channel: str, text: str, direction: str = "in") -> EngagementRecord:
    return EngagementRecord(
        sender_id=sender, channel=channel, ts=datetime(2026, 11, 25, 12, 0), direction=direction, text=text
    )


def test_a_new_conversation_gets_a_profile_at_once(store):
    first = store.customer_for_sender("socketio", "visitor-1")
    assert store.customer_for_sender("socketio", "visitor-1") == first
    assert store.customer_for_sender("socketio", "visitor-2") != first
    assert store.find_customers(sender_id="visitor-1")[0]["id"] == first


def test_contact_details_are_saved_with_consent(store):
    customer = store.customer_for_sender("rest", "s1")
    survivor = store.record_contact_details(
        customer,
        ContactDetails(
            name="Jane", phone="+15550100123", email="jane@example.com", sms_consent=True, source="rest"
        ),
    )
    assert survivor == customer
    profile = store.profile(customer)
    [contact] = profile["contacts"]
    assert contact["name"] == "Jane"
    assert contact["emails"] == ["jane@example.com"]
    [phone] = contact["phones"]
    assert phone["e164"] == "+15550100123"
    assert phone["sms_consent"] is True
    assert phone["sms_consent_source"] == "rest"
    assert phone["sms_consent_at"].endswith("Z")
    assert store.find_customers(phone="+15550100123")[0]["id"] == customer
    assert store.find_customers(email="jane@example.com")[0]["id"] == customer


def test_giving_details_again_updates_instead_of_duplicating(store):
    customer = store.customer_for_sender("rest", "s1")
    store.record_contact_details(customer, ContactDetails(name="Jane", phone="+15550100123"))
    store.record_contact_details(
        customer, ContactDetails(name="Jane", phone="+15550100123", sms_consent=False)
    )
    [contact] = store.profile(customer)["contacts"]
    assert [p["sms_consent"] for p in contact["phones"]] == [False]


def test_a_matching_phone_merges_profiles_and_keeps_all_history(store):
    sms = store.customer_for_sender("sms", "+15550100123")
    store.record_contact_details(sms, ContactDetails(name="Jane Doe", phone="+15550100123", sms_consent=True))
    store.record_engagement([message("+15550100123", "sms", "hi from my phone")])
    store.open_handoff(sms, "+15550100123", "sms", "asked", "person please")

    web = store.customer_for_sender("socketio", "browser-9")
    store.record_engagement([message("browser-9", "socketio", "hi from the website")])
    survivor = store.record_contact_details(
        web, ContactDetails(name="jane doe", phone="+15550100123", email="jane@example.com")
    )

    assert survivor == sms
    assert store.profile(web) is None
    profile = store.profile(sms)
    assert [c["name"] for c in profile["contacts"]] == ["Jane Doe"]
    assert profile["contacts"][0]["emails"] == ["jane@example.com"]
    assert profile["contacts"][0]["phones"][0]["sms_consent"] is True
    assert sorted(e["text"] for e in profile["engagement"]) == ["hi from my phone", "hi from the website"]
    assert {c["sender_id"] for c in profile["channels"]} == {"+15550100123", "browser-9"}
    assert len(profile["handoffs"]) == 1
    # The web conversation now finds the merged profile.
    assert store.customer_for_sender("socketio", "browser-9") == sms


def test_phone_of_one_profile_and_email_of_another_merge_into_the_oldest(store):
    a = store.customer_for_sender("sms", "a")
    store.record_contact_details(a, ContactDetails(phone="+15550100001"))
    b = store.customer_for_sender("rest", "b")
    store.record_contact_details(b, ContactDetails(email="b@example.com"))
    c = store.customer_for_sender("rest", "c")
    assert store.record_contact_details(c, ContactDetails(phone="+15550100001", email="b@example.com")) == a
    assert store.profile(b) is None and store.profile(c) is None
    assert {s["sender_id"] for s in store.profile(a)["channels"]} == {"a", "b", "c"}


def test_engagement_is_written_in_order_with_its_fields(store):
    store.record_engagement(
        [
            EngagementRecord(
                "s1", "rest", datetime(2026, 11, 25, 12, 0, 0), "in", "hello", None, "greet", 0.98
            ),
            EngagementRecord(
                "s1", "rest", datetime(2026, 11, 25, 12, 0, 1), "out", "Hi!", action="utter_greet"
            ),
        ]
    )
    customer = store.find_customers(sender_id="s1")[0]["id"]
    first, second = store.profile(customer)["engagement"]
    assert (first["direction"], first["intent"], first["confidence"]) == ("in", "greet", 0.98)
    assert (second["direction"], second["action"], second["text"]) == ("out", "utter_greet", "Hi!")
    assert first["ts"] == "2026-11-25T12:00:00.000Z"
    assert {"ts", "channel", "direction", "text", "intent", "topic", "booking_id"} <= set(first)


def test_repeated_handoff_requests_reuse_the_open_one(store):
    customer = store.customer_for_sender("rest", "s1")
    first = store.open_handoff(customer, "s1", "rest", "asked", "a person please")
    assert store.open_handoff(customer, "s1", "rest", "escalation", "MANAGER") == first
    [handoff] = store.profile(customer)["handoffs"]
    assert handoff["status"] == "open" and handoff["message"] == "a person please"


def test_unknown_customers_and_lookups_find_nothing(store):
    assert store.profile(424242) is None
    assert store.find_customers(phone="+15550109999") == []
    assert store.find_customers() == []
