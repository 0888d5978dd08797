"""A customer (or a handoff) as an ADF 1.0 lead for staff to download: the same document the CRM
gets by email (`bot/crm`), with the customer's bookings and interests in the comments.

ADF needs a vehicle and a customer contact with a name and a phone or email; without them the
export says what to add to the profile.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.crm import Lead, adf_document, lead_customer, profile_vehicles, vendor, wanted_vehicles
from bot.dealership import Dealership
from bot.knowledge import VehicleRef
from bot.knowledge.loader import Lineup
from bot.profile.reach import sales_ask


class NotALead(ValueError):
    """The profile lacks what ADF requires; the message says what to add."""


def adf_lead(
    profile: dict[str, Any],
    bookings: list[dict[str, Any]],
    dealership: Dealership,
    lineup: Lineup,
    now: datetime,
    handoff: dict[str, Any] | None = None,
) -> str:
    customer = lead_customer(profile)
    if not (customer.name and customer.reachable):
        raise NotALead("An ADF lead needs a contact with a name and a phone or email on the profile.")
    asked = next(
        (
            VehicleRef(e["model"], e.get("trim"))
            for e in reversed(profile.get("engagement", []))
            if e.get("model")
        ),
        None,
    )
    ask = sales_ask(handoff["reason"], handoff["message"]) if handoff else None
    if ask is not None:
        vehicles = wanted_vehicles(ask, asked, profile["vehicles"], lineup)
    else:
        vehicles = profile_vehicles(profile["vehicles"], asked, lineup)
    if not vehicles:
        raise NotALead("An ADF lead needs a vehicle: add one to the profile first.")
    lead = Lead(
        id=f"handoff-{handoff['id']}" if handoff else f"customer-{profile['id']}",
        requested_at=now.astimezone(dealership.tz),
        vehicles=vehicles,
        customer=customer,
        vendor=vendor(dealership),
        comments=_comments(profile, bookings, handoff),
    )
    return adf_document(lead)


def _comments(profile: dict[str, Any], bookings: list[dict[str, Any]], handoff: dict[str, Any] | None) -> str:
    lines = []
    if handoff:
        lines.append(
            f"Handoff ({handoff['reason']}, {handoff['channel']}): {handoff['message'] or ''}".strip()
        )
    for b in bookings:
        what = b["clinic"] if b["kind"] == "clinic" else ", ".join(b["services"] or [])
        lines.append(f"Booking {b['code']}: {b['kind']} {what} on {b['start']} ({b['status']})")
    if profile["interests"]:
        lines.append("Asked about: " + ", ".join(i["topic"] for i in profile["interests"][:5]))
    return "\n".join(lines)
