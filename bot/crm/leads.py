"""Leads reach the dealership's CRM: ADF 1.0 emails to `CRM_LEAD_EMAIL`, through the email outbox.

- A sales handoff (prices, trade-ins, buying) queues one lead in the same transaction that
  records the handoff, so a lead is never lost to the mail server being away.
- A new service booking queues one when `CRM_LEADS_FOR_SERVICE` is on, once the car and the
  number given while booking are on the profile (a moved booking is not a new lead).
- Each lead once: the outbox row's unique `lead_key` ("handoff:12", "booking:34").
- Only what the customer told us: the make is the lineup's brand (`knowledge/lineup.yml`) for a
  model we sell, the year is the one they gave; what we don't know is left out. A customer with
  neither a phone nor an email is no lead for a CRM (staff still get the handoff).

The email is plain text with the ADF XML as its whole body, as CRMs' lead-import mailboxes expect.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import config
from bot.booking.models import Booking
from bot.booking.talk import TRANSPORT_WORDS
from bot.crm.adf import Lead, LeadCustomer, LeadPhone, LeadVehicle, Vendor, adf_document
from bot.knowledge import VehicleRef
from bot.mail.models import EmailMessage
from bot.profile.models import HandoffRequest
from bot.profile.views import summary_view

if TYPE_CHECKING:
    from bot.dealership import Dealership
    from bot.knowledge.loader import Lineup
    from bot.services import Services

LEAD_KIND = "crm_lead"


@dataclass(frozen=True)
class SalesAsk:
    """What a sales handoff is about, in ADF's words: the `interest` in the car they want (buy,
    lease, test-drive) and whether they have a car to trade in."""

    interest: str
    trade_in: bool = False


def queue_handoff_lead(
    session: Session,
    services: Services,
    row: HandoffRequest,
    ask: SalesAsk,
    about: VehicleRef | None,
    link: str,
) -> bool:
    """Queue the lead for a new sales handoff in the caller's transaction; False when leads are
    off or the customer can't be reached."""
    settings = config.crm_leads()
    if settings is None:
        return False
    profile = summary_view(session, row.customer_id)
    customer = lead_customer(profile)
    if not customer.reachable:
        return False
    said = f': "{row.message}"' if row.message else ""
    lead = Lead(
        id=f"handoff-{row.id}",
        requested_at=services.now(),
        vehicles=wanted_vehicles(ask, about, profile["vehicles"], services.knowledge.base.lineup),
        customer=customer,
        vendor=vendor(services.dealership),
        comments=f"Asked for a person ({ask.interest}{', trade-in' if ask.trade_in else ''}) "
        f"on {row.channel}{said}\nHandoff in the staff console: {link}",
    )
    subject = f"Sales lead: handoff #{row.id}"
    return _queue(session, settings.address, subject, lead, f"handoff:{row.id}", handoff_id=row.id)


def queue_service_lead(services: Services, code: str) -> bool:
    """Queue the lead for a new service booking when the dealer wants them (CRM_LEADS_FOR_SERVICE);
    idempotent. False when off, already queued, or the customer can't be reached."""
    settings = config.crm_leads()
    if settings is None or not settings.for_service:
        return False
    schedule = services.schedule
    with services.sessions.begin() as session:
        booking = session.scalars(
            select(Booking).where(Booking.code == code, Booking.kind == "service")
        ).one()
        profile = summary_view(session, booking.customer_id)
        customer = lead_customer(profile)
        if not customer.reachable:
            return False
        car = booking.vehicle or {}
        vehicle = _owned(car, services.knowledge.base.lineup, interest=None) if car.get("model") else None
        names = [schedule.services[s].name for s in booking.services or [] if s in schedule.services]
        start = booking.starts_at.replace(tzinfo=timezone.utc).astimezone(schedule.tz)
        transport = TRANSPORT_WORDS.get(booking.transport or "", booking.transport or "")
        lead = Lead(
            id=f"booking-{booking.code}",
            requested_at=services.now(),
            vehicles=(vehicle or LeadVehicle(status="used"),),
            customer=customer,
            vendor=vendor(services.dealership),
            comments=f"Service booking {booking.code}: {', '.join(names) or 'service'} on "
            f"{start:%a %b %-d %Y, %-I:%M %p}" + (f", {transport}" if transport else "") + ".",
        )
        subject = f"Service lead: booking {booking.code}"
        return _queue(
            session, settings.address, subject, lead, f"booking:{booking.id}", booking_id=booking.id
        )


def wanted_vehicles(
    ask: SalesAsk, about: VehicleRef | None, owned: list[dict[str, Any]], lineup: Lineup
) -> tuple[LeadVehicle, ...]:
    """The car they want (the one talked about, else only our make) and, for a trade-in, the cars
    they have (an empty trade-in vehicle when we don't know which)."""
    vehicles = []
    if ask.trade_in:
        vehicles = [_owned(car, lineup, interest="trade-in") for car in owned] or [
            LeadVehicle(status="used", interest="trade-in")
        ]
    if about is not None or not ask.trade_in:
        vehicles.insert(0, _ours(about, lineup, ask.interest))
    return tuple(vehicles)


def profile_vehicles(
    owned: list[dict[str, Any]], about: VehicleRef | None, lineup: Lineup
) -> tuple[LeadVehicle, ...]:
    """A profile's cars for a lead that isn't a sales request: the ones the customer has, else the
    one they asked about; without an interest (none of ADF's five says why)."""
    if owned:
        return tuple(_owned(car, lineup, interest=None) for car in owned)
    return (_ours(about, lineup, interest=None),) if about is not None else ()


def lead_customer(profile: dict[str, Any]) -> LeadCustomer:
    """The profile's main contact: the first with a name and a way to reach them, else the first
    reachable one. A phone that texted us or agreed to texts is a cellphone."""
    contacts = [c for c in profile["contacts"] if c["phones"] or c["emails"]]
    main = next((c for c in contacts if c["name"]), contacts[0] if contacts else None)
    if main is None:
        return LeadCustomer(name=None)
    texted = {i["sender_id"] for i in profile["channels"] if i["channel"] == "sms"}
    phones = tuple(
        LeadPhone(p["e164"], "cellphone" if p["sms_consent"] or p["e164"] in texted else "voice")
        for p in main["phones"]
    )
    return LeadCustomer(main["name"], tuple(main["emails"]), phones)


def vendor(shop: Dealership) -> Vendor:
    return Vendor(shop.name, shop.phone, shop.email)


def _ours(car: VehicleRef | None, lineup: Lineup, interest: str | None) -> LeadVehicle:
    """A car we sell, as far as the customer named it (at least the make)."""
    if car is None:
        return LeadVehicle(status="new", interest=interest, make=lineup.brand or None)
    return LeadVehicle(
        status="new",
        interest=interest,
        year=car.year,
        make=_make(car.model, lineup),
        model=car.model,
        trim=car.trim,
    )


def _owned(car: dict[str, Any], lineup: Lineup, interest: str | None) -> LeadVehicle:
    """A car the customer has (a profile vehicle or a booking's)."""
    return LeadVehicle(
        status="used",
        interest=interest,
        year=car.get("year"),
        make=_make(car.get("model"), lineup),
        model=car.get("model"),
        trim=car.get("trim"),
        vin=car.get("vin"),
        mileage=car.get("mileage"),
    )


def _make(model: str | None, lineup: Lineup) -> str | None:
    """The lineup's brand for a model in it; unknown (left out) for anything else."""
    return (lineup.brand or None) if model in lineup.models else None


def _queue(
    session: Session,
    to: str,
    subject: str,
    lead: Lead,
    key: str,
    handoff_id: int | None = None,
    booking_id: int | None = None,
) -> bool:
    try:
        with session.begin_nested():
            session.add(
                EmailMessage(
                    to_address=to,
                    subject=subject,
                    body=adf_document(lead),
                    kind=LEAD_KIND,
                    handoff_id=handoff_id,
                    booking_id=booking_id,
                    lead_key=key,
                )
            )
        return True
    except IntegrityError:
        return False  # queued before (a retried step, or another process just now)
