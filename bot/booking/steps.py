"""What booking does once the customer has confirmed, as plain functions of `Services` and typed
requests: the actions only read slots into a request and turn the result into a reply, and tests
call these directly.

Each step is synchronous (the stores are); the action server runs one step in one worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from bot.booking.attendees import Attendee, as_records
from bot.booking.store import BookingResult, CancelResult, SessionInfo
from bot.crm import queue_service_lead
from bot.mail.customers import CustomerMail
from bot.profile import ContactDetails, VehicleDetails
from bot.rewards import Issued, issue_earned

if TYPE_CHECKING:
    from bot.services import Services


def session_label(session: SessionInfo) -> str:
    """How a session is shown and kept in the `clinic_session` slot ("Sat Dec 12, 10:00 AM")."""
    return f"{session.starts_at:%a %b %-d, %-I:%M %p}"


@dataclass(frozen=True)
class ServiceRequest:
    """A confirmed service appointment, as the customer put it together."""

    customer: int
    start: datetime
    service_ids: tuple[str, ...]
    vehicle: VehicleDetails | None
    transport: str = "wait"
    contact: ContactDetails | None = None  # a number for the service desk, given during booking
    replacing: str | None = None  # the code of the booking this one moves


@dataclass(frozen=True)
class ClinicRequest:
    """A confirmed clinic booking: the session as shown to the customer, and who's coming."""

    customer: int
    clinic_id: str
    session: str  # `session_label` of the chosen session
    attendees: tuple[Attendee, ...]
    replacing: str | None = None


@dataclass(frozen=True)
class WaitlistRequest:
    customer: int
    session_id: int
    attendees: tuple[dict[str, object], ...]


@dataclass(frozen=True)
class Booked:
    """What booking did: the store's result, the session it was for (clinics; None if it's gone),
    the code of the replaced booking when that one was cancelled, and the rewards the details
    saved with it earned."""

    result: BookingResult
    session: SessionInfo | None = None
    replaced: str | None = None
    saved_members: list[str] = field(default_factory=list)
    rewards: list[Issued] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.result.ok


def book_service(services: Services, request: ServiceRequest) -> Booked:
    """Book the bays; then put the car on the profile, keep the number the customer gave (and
    their yes or no to texts), queue the CRM lead for a new booking (when the dealer wants service
    leads; a moved booking isn't new), email the confirmation to a customer who gets booking
    emails, cancel the booking this one replaces and issue the rewards the saved details earned.
    Nothing but the booking attempt happens when the time was taken meanwhile."""
    vehicle = request.vehicle
    result = services.bookings.book_service(
        request.customer,
        request.start,
        list(request.service_ids),
        {k: v for k, v in (vehicle.__dict__ if vehicle else {}).items() if v is not None},
        request.transport,
        services.now(),
    )
    if not result.ok:
        return Booked(result)
    household = request.customer
    if vehicle is not None:
        services.profiles.add_vehicle(household, vehicle)
    if request.contact is not None:  # the number may show this is a known household: its id
        household = services.profiles.record_contact_details(household, request.contact)
    if request.replacing is None:
        queue_service_lead(services, result.code)
    CustomerMail(services).queue_confirmation(result.code)
    replaced = _replace(services, request.customer, request.replacing)
    earned = issue_earned(services, household) if vehicle or request.contact else []
    return Booked(result, replaced=replaced, rewards=earned)


def book_clinic(services: Services, request: ClinicRequest) -> Booked:
    """Book seats in the session shown (a `Booked` without a session when it's no longer on
    offer); then save the named family to the household, email the confirmation to a customer who
    gets booking emails, cancel the booking this one replaces and issue the rewards the household
    earned. Guests aren't kept, and the customer is already the contact."""
    now = services.now()
    sessions = services.bookings.clinic_sessions(request.clinic_id, now)
    chosen = next((s for s in sessions if session_label(s) == request.session), None)
    if chosen is None:
        return Booked(BookingResult(False))
    result = services.bookings.book_clinic(
        request.customer, chosen.id, len(request.attendees), as_records(list(request.attendees)), now
    )
    if not result.ok:
        return Booked(result, chosen)
    saved = []
    for attendee in request.attendees:
        if attendee.saved and attendee.name:
            birth_year = now.year - attendee.age if attendee.age else None
            services.profiles.add_household_member(
                request.customer, attendee.name, attendee.relation, birth_year
            )
            saved.append(attendee.name)
    CustomerMail(services).queue_confirmation(result.code)
    replaced = _replace(services, request.customer, request.replacing)
    return Booked(result, chosen, replaced, saved, issue_earned(services, request.customer) if saved else [])


def join_waitlist(services: Services, request: WaitlistRequest) -> BookingResult:
    """A place in the queue for a full session; the first seat to free up that fits is theirs."""
    attendees = [dict(a) for a in request.attendees]
    return services.bookings.join_waitlist(request.customer, request.session_id, len(attendees), attendees)


def cancel(services: Services, customer: int, code: str) -> CancelResult:
    """Cancel one of the customer's own bookings (someone else's code is "not found")."""
    return services.bookings.cancel(code, customer, services.now())


def note_wanted_day(services: Services, customer: int, day: date) -> None:
    """Nothing was free on the day the customer asked for: a cancellation that day is offered to them."""
    services.bookings.note_wanted_day(customer, day, services.now())


def _replace(services: Services, customer: int, replacing: str | None) -> str | None:
    """Cancel the booking a new one replaces, only now that the new one is made (so nobody ends up
    with neither); its code if that worked."""
    if not replacing:
        return None
    return replacing if cancel(services, customer, replacing).ok else None
