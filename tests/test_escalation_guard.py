import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.escalation import EscalationGuard

GUARD = EscalationGuard(EscalationGuard.get_default_config())


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
    ],
)
def test_escalation_words_override_the_classifier(text):
    message = Message(data={"text": text, "intent": {"name": "greet", "confidence": 0.99}})
    [processed] = GUARD.process([message])
    assert processed.get("intent") == {"name": "escalate", "confidence": 1.0}
    assert processed.get("intent_ranking")[0]["name"] == "escalate"


@pytest.mark.parametrize(
    "text",
    [
        "no complaints, thanks!",
        "not a complaint, just a question",
        "this is Sue",
        "nice suede seats",
        "hello",
    ],
)
def test_other_messages_keep_their_intent(text):
    message = Message(data={"text": text, "intent": {"name": "introduce", "confidence": 0.9}})
    [processed] = GUARD.process([message])
    assert processed.get("intent")["name"] == "introduce"
