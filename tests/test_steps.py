"""The steps behind the actions, called as plain functions on SQLite and PostgreSQL: what a
confirmed booking writes besides itself, what a replaced booking becomes, and what answering a
question records."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.booking import steps
from bot.booking.attendees import Attendee
from bot.booking.steps import ClinicRequest, ServiceRequest, session_label
from bot.knowledge import Context, VehicleRef
from bot.knowledge import steps as answering
from bot.knowledge.router import Question
from bot.profile import ContactDetails, VehicleDetails
from bot.profile.steps import Handoff, hand_off
from bot.services import Services
from tests.dealer import TZ


def _free(services: Services, days: int) -> datetime:
    bookings = services.bookings
    after = datetime.now(TZ) + timedelta(days=days)
    return bookings.free_service_starts(bookings.service_minutes(["oil-change"]), after, 1)[0]


def test_a_service_booking_keeps_the_car_and_number_and_replaces_the_old_one(services):
    customer = services.profiles.customer_for_sender("rest", "steps-service")
    first = steps.book_service(services, ServiceRequest(customer, _free(services, 3), ("oil-change",), None))
    assert first.ok and first.replaced is None
    car = VehicleDetails("Tessa", "XLE", 2021, vin="1CVAB12C1RL418263")
    moved = steps.book_service(
        services,
        ServiceRequest(
            customer,
            _free(services, 5),
            ("oil-change",),
            car,
            "shuttle",
            ContactDetails(phone="+15550104567", sms_consent=True, source="rest"),
            replacing=first.result.code,
        ),
    )
    assert moved.ok and moved.replaced == first.result.code
    [upcoming] = services.bookings.upcoming_of(customer, datetime.now(TZ))
    assert upcoming.code == moved.result.code and upcoming.vehicle["vin"] == car.vin
    assert services.profiles.vehicles_of(customer) == [car]
    assert services.profiles.reachable_phone(customer) == "+15550104567"


def test_a_failed_service_booking_writes_nothing_else(services):
    customer = services.profiles.customer_for_sender("rest", "steps-past")
    past = datetime.now(TZ) - timedelta(days=1)
    car = VehicleDetails("Lumen", None, 2020)
    booked = steps.book_service(services, ServiceRequest(customer, past, ("oil-change",), car))
    assert not booked.ok and booked.result.reason
    assert services.profiles.vehicles_of(customer) == []


def test_a_clinic_booking_saves_named_family_only(services):
    customer = services.profiles.customer_for_sender("rest", "steps-clinic")
    session = next(
        s
        for s in services.bookings.clinic_sessions("teen-driver-safety", datetime.now(TZ))
        if s.seats_left >= 3
    )
    party = (Attendee(None), Attendee("Emma", "child", 15, "daughter"), Attendee(None, "child", 16, "son"))
    booked = steps.book_clinic(
        services, ClinicRequest(customer, "teen-driver-safety", session_label(session), party)
    )
    assert booked.ok and booked.session == session and booked.saved_members == ["Emma"]
    [emma] = services.profiles.profile(customer)["household"]
    assert (emma["name"], emma["birth_year"]) == ("Emma", datetime.now(TZ).year - 15)


def test_a_session_no_longer_offered_books_nothing(services):
    customer = services.profiles.customer_for_sender("rest", "steps-gone")
    booked = steps.book_clinic(
        services, ClinicRequest(customer, "teen-driver-safety", "Mon Jan 1, 1:00 AM", (Attendee(None),))
    )
    assert not booked.ok and booked.session is None


def test_answers_record_interests_and_gaps(services):
    customer = services.profiles.customer_for_sender("rest", "steps-answers")

    def ask(text: str) -> str:
        question = Question(
            text=text, entities=[], now=services.clock(), intent="ask_vehicle", context=Context()
        )
        return answering.answer(services, customer, "steps-answers", question).kind

    assert ask("does the Tessa have heated seats?") not in ("fallback", "unknown")
    ask("what is the airspeed velocity of an unladen swallow?")
    assert services.profiles.profile(customer)["interests"]
    assert [g["text"] for g in services.profiles.knowledge_gaps() if g["customer_id"] == customer] == [
        "what is the airspeed velocity of an unladen swallow?"
    ]


def test_a_car_named_for_a_question_is_saved_and_the_question_answered(services):
    customer = services.profiles.customer_for_sender("rest", "steps-my-car")
    found = answering.answer_with_vehicle(
        services,
        customer,
        "steps-my-car",
        VehicleRef("Tessa", "XLE", 2024),
        "does my car have heated seats?",
        Context(),
    )
    assert found.text
    assert [(v.model, v.year) for v in services.profiles.vehicles_of(customer)] == [("Tessa", 2024)]


def test_a_handoff_is_opened_once_with_an_honest_promise(services):
    customer = services.profiles.customer_for_sender("rest", "steps-person")
    request = Handoff(customer, "steps-person", "rest", "asked", "a person please")
    promise = hand_off(services, request)
    assert promise and hand_off(services, request) == promise
    assert [h["reason"] for h in services.profiles.open_handoffs() if h["sender_id"] == "steps-person"] == [
        "asked"
    ]
