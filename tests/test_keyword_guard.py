"""The keyword guards configured in config.yml: escalations and deals always reach a person,
published prices are answered from knowledge/, and "never mind, ..." stops what is going on."""

import pytest
import yaml
from rasa.shared.nlu.training_data.message import Message

from bot import config
from bot.nlu.keyword_guard import KeywordGuard

PIPELINE = yaml.safe_load((config.PROJECT_ROOT / "config.yml").read_text())["pipeline"]
GUARDS = [KeywordGuard(c) for c in PIPELINE if c["name"].endswith("KeywordGuard")]


def classify(text: str, intent: str = "greet") -> str:
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.99}})
    for guard in GUARDS:  # in pipeline order, as Rasa runs them
        [message] = guard.process([message])
    return message.get("intent")["name"]


@pytest.mark.parametrize(
    "text",
    [
        "I want your MANAGER",
        "my number is 555-010-1111 and I want a manager",
        "I have a complaint",
        "complaining about my brakes again",
        "my lawyer will call you",
        "we will sue you",
        "I'm considering legal action",
        "get me a supervisor",
        "how much is the tessa, I want a manager",
        "I'm so upset with how this went",
    ],
)
def test_escalation_words_override_the_classifier(text):
    assert classify(text) == "escalate"


@pytest.mark.parametrize(
    "text",
    [
        "any lease deals on the ion?",
        "what would my trade in be worth",
        "can I get financing",
        "is there a rebate",
        "what's the out the door price on a forge summit",
        "what's your best price on the tessa",
        "how much would payments be",
    ],
)
def test_deals_financing_and_trade_ins_go_to_a_person(text):
    assert classify(text, "ask_vehicle") == "ask_price"


@pytest.mark.parametrize(
    "text",
    [
        "how much is the tessa platinum",
        "what's the price of a forge",
        "what does a brake job cost",
        "msrp on the ion?",
    ],
)
def test_published_price_questions_are_answered_from_knowledge(text):
    assert classify(text, "ask_vehicle") == "ask_info"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("no complaints, thanks!", "thank"),
        ("not a complaint, just a question", "ask_vehicle"),
        ("this is Sue", "introduce"),
        ("nice suede seats", "ask_vehicle"),
        ("how much can the forge tow", "ask_vehicle"),
        ("how do I contact the dealership", "human_handoff"),
        ("it's april and my tpms light is on", "ask_vehicle"),
    ],
)
def test_other_messages_keep_their_intent(text, intent):
    assert classify(text, intent) == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("never mind, how do I pair my phone?", "stop"),
        ("Actually nevermind. does the tessa have a sunroof", "stop"),
        ("nvm what's the towing on the forge", "stop"),
        ("forget it, how do i use heated seats", "stop"),
        ("never mind, get me a manager", "escalate"),  # a person still wins
        ("I never mind waiting at the dealership", "book_service"),  # not at the start
    ],
)
def test_never_mind_at_the_start_stops_whatever_follows(text, intent):
    assert classify(text, "ask_vehicle" if "?" in text else "book_service") == intent


def test_a_guard_without_keywords_is_a_configuration_error():
    with pytest.raises(ValueError, match="needs 'intent' and 'keywords'"):
        KeywordGuard(KeywordGuard.get_default_config())


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("this bot isn't helping, i need a person", "human_handoff"),
        ("can I talk to someone please", "human_handoff"),
        ("quiero hablar con una persona", "human_handoff"),
        ("real person please, and get me a manager", "escalate"),  # escalation still wins
        ("are you a person?", "bot_challenge"),  # asking what we are is no request for one
    ],
)
def test_asking_for_a_person_in_so_many_words_reaches_one(text, intent):
    assert classify(text, "bot_challenge") == intent
