"""Bringing in a person, as a plain function of `Services`: the request staff see (and the alert
that reaches the department's staff on duty), and what to tell the customer given opening hours."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.knowledge import VehicleRef
from bot.profile.reach import department_for, open_and_alert, reply_promise, sales_ask

if TYPE_CHECKING:
    from bot.services import Services


@dataclass(frozen=True)
class Handoff:
    customer: int
    sender_id: str
    channel: str
    reason: str  # asked | escalation | pricing
    message: str | None
    active_form: str | None = None  # the form the customer was in, e.g. service_form
    about: VehicleRef | None = None  # the car the conversation is about (the last answer's)


@dataclass(frozen=True)
class HandedOff:
    """What the customer is told: `promise`, when a person will answer; out of the department's
    hours also a callback at its next opening (`when`), on the number ending `phone_ending` if
    the profile has one."""

    handoff_id: int
    department: str
    open_now: bool
    promise: str
    when: str  # "" while open
    phone_ending: str | None


def hand_off(services: Services, request: Handoff) -> HandedOff:
    """Open (or reuse) the conversation's request for staff, alerting the department's staff on
    duty; the honest answer of when a person will reply."""
    shop = services.dealership
    department = department_for(shop, request.reason, request.message, request.active_form)
    opened = open_and_alert(
        services,
        request.customer,
        request.sender_id,
        request.channel,
        request.reason,
        request.message,
        department,
        _car_asked_about(services, request),
    )
    now = services.clock()
    when = "" if opened.open_now else shop.when_open(now, opened.department)
    # A call needs no SMS consent: any number on the profile (an SMS conversation's is its sender).
    phones = services.profiles.phones_of(request.customer) or (
        [request.sender_id] if request.channel == "sms" else []
    )
    return HandedOff(
        handoff_id=opened.id,
        department=opened.department,
        open_now=opened.open_now,
        promise=reply_promise(services, opened.department),
        when=when,
        phone_ending=phones[0][-4:] if phones else None,
    )


def _car_asked_about(services: Services, request: Handoff) -> VehicleRef | None:
    """The car a sales request is about: the one named in it, else the conversation's. A trade-in
    request names the customer's own car ("what's my 2021 Lumen worth?"), so there only the
    conversation's counts."""
    ask = sales_ask(request.reason, request.message)
    if ask is None:
        return None
    named = None if ask.trade_in else services.knowledge.vehicle_in(request.message or "")
    return named or request.about
