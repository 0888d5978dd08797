"""A customer (or a handoff) as an ADF 1.0 lead: the XML most dealership CRMs import.

ADF ("Auto-lead Data Format") needs a prospect with a request date, at least one vehicle (year,
make, model), a customer contact with a name and a phone or email, and the vendor (the
dealership). Bookings and the handoff's message go in the comments.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

from bot.dealership import Dealership

SOURCE = "Mobility Concierge"


class NotALead(ValueError):
    """The profile lacks what ADF requires; the message says what to add."""


def adf_lead(
    profile: dict[str, Any],
    bookings: list[dict[str, Any]],
    dealership: Dealership,
    now: datetime,
    handoff: dict[str, Any] | None = None,
) -> str:
    contact = next(
        (c for c in profile["contacts"] if c["name"] and (c["phones"] or c["emails"])),
        None,
    )
    if contact is None:
        raise NotALead("An ADF lead needs a contact with a name and a phone or email on the profile.")
    vehicles = (
        profile["vehicles"]
        or [
            {
                "year": None,
                "make": "Corvane",
                "model": e["model"],
                "trim": e.get("trim"),
                "vin": None,
                "mileage": None,
            }
            for e in reversed(profile.get("engagement", []))
            if e.get("model")
        ][:1]
    )
    if not vehicles:
        raise NotALead("An ADF lead needs a vehicle: add one to the profile first.")

    adf = ET.Element("adf")
    prospect = ET.SubElement(adf, "prospect", status="new")
    lead_id = f"handoff-{handoff['id']}" if handoff else f"customer-{profile['id']}"
    ET.SubElement(prospect, "id", sequence="1", source=SOURCE).text = lead_id
    ET.SubElement(prospect, "requestdate").text = now.astimezone(dealership.tz).isoformat(timespec="seconds")
    interest = "buy" if handoff and handoff["reason"] == "pricing" else "service"
    for vehicle in vehicles:
        element = ET.SubElement(
            prospect, "vehicle", interest=interest, status="used" if vehicle["vin"] else "new"
        )
        _text(element, "year", vehicle["year"] or "")
        _text(element, "make", vehicle["make"] or "Corvane")
        _text(element, "model", vehicle["model"])
        if vehicle.get("vin"):
            _text(element, "vin", vehicle["vin"])
        if vehicle.get("trim"):
            _text(element, "trim", vehicle["trim"])
        if vehicle.get("mileage") is not None:
            ET.SubElement(element, "odometer", status="original", units="mi").text = str(vehicle["mileage"])

    customer = ET.SubElement(prospect, "customer")
    person = ET.SubElement(customer, "contact", primarycontact="1")
    first, _, last = contact["name"].partition(" ")
    ET.SubElement(person, "name", part="first").text = first
    if last:
        ET.SubElement(person, "name", part="last").text = last
    for email in contact["emails"]:
        _text(person, "email", email)
    for phone in contact["phones"]:
        ET.SubElement(person, "phone", type="voice", time="nopreference").text = phone["e164"]
    _text(customer, "comments", _comments(profile, bookings, handoff))

    vendor = ET.SubElement(prospect, "vendor")
    _text(vendor, "vendorname", dealership.name)
    vendor_contact = ET.SubElement(vendor, "contact", primarycontact="1")
    ET.SubElement(vendor_contact, "name", part="full").text = dealership.name
    _text(vendor_contact, "phone", dealership.phone)
    provider = ET.SubElement(prospect, "provider")
    ET.SubElement(provider, "name", part="full").text = SOURCE
    body = ET.tostring(adf, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<?adf version="1.0"?>\n{body}\n'


def _comments(profile: dict[str, Any], bookings: list[dict[str, Any]], handoff: dict[str, Any] | None) -> str:
    lines = ["Vehicles are the ones the customer owns." if profile["vehicles"] else "Vehicle asked about."]
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


def _text(parent: ET.Element, tag: str, value: object) -> None:
    ET.SubElement(parent, tag).text = str(value)
