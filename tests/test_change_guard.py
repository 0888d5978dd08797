"""The booking-change guard: moving or cancelling one's own booking, in the words people use, is a
booking change whatever the classifier read; new bookings and questions are left alone."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.config import knowledge_dir
from bot.nlu.change_guard import BookingChangeGuard
from bot.nlu.service_guard import menu
from bot.services import Watched

GUARD = BookingChangeGuard(Watched(knowledge_dir(), lambda _: menu(knowledge_dir() / "schedule.yml")))


def classify(text: str, intent: str) -> str:
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.7}})
    [message] = GUARD.process([message])
    return message.get("intent")["name"]


@pytest.mark.parametrize(
    ("text", "misread_as", "meant"),
    [
        ("is there any way to push my oil change back to thursday", "book_service", "reschedule_booking"),
        ("i have to shift my appt to later in the week", "nlu_fallback", "reschedule_booking"),
        ("could my tire rotation be moved to the morning", "book_service", "reschedule_booking"),
        ("we need a different day for the ev 101 class", "book_clinic", "reschedule_booking"),
        ("can i change the time of my booking", "ask_booking", "reschedule_booking"),
        ("something came up, please cancel my brake inspection", "book_service", "cancel_booking"),
        ("we can't make it to the winter driving clinic", "book_clinic", "cancel_booking"),
        ("hey could we do friday afternoon instead", "book_service", "reschedule_booking"),
        ("can i switch that to thursday", "book_clinic", "reschedule_booking"),
    ],
)
def test_changes_to_ones_booking_are_changes(text, misread_as, meant):
    assert classify(text, misread_as) == meant


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("book an oil change for thursday", "book_service"),  # nothing to move
        ("sign me up for the winter driving clinic", "book_clinic"),
        ("move my appointment, and get me a manager", "escalate"),  # a person's guard decides
        ("how do I move the seat back", "ask_vehicle"),  # no booking referred to
        ("can i switch that off", "book_service"),  # no new time: not a move
        ("instead of a loaner can i wait", "inform"),
        ("reschedule my oil change to friday", "reschedule_booking"),  # already right
    ],
)
def test_new_bookings_questions_and_people_are_left_alone(text, intent):
    assert classify(text, intent) == intent
