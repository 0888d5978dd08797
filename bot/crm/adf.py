"""An ADF 1.0 ("Auto-lead Data Format") document: the XML most dealership CRMs import.

Built with ElementTree, so names and messages with `<`, `>` or `&` are escaped by the library.
Elements come in the order the ADF 1.0 DTD gives, and only with what is known: an element we
have no value for is left out, never filled with a guess. ADF 1.0 knows five vehicle interests
(buy, lease, sell, trade-in, test-drive) and none for a service visit, so a service lead's car
carries no `interest` (the document has no DTD, so no default applies); what the visit is for
is in the comments.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime

PROVIDER = "Mobility Concierge"
INTERESTS = ("buy", "lease", "sell", "trade-in", "test-drive")
# What XML 1.0 can't carry at all (control characters, lone surrogates, U+FFFE/U+FFFF): dropped.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class LeadVehicle:
    """A car in a lead: `status` is "new" (one we sell) or "used" (one the customer has)."""

    status: str
    interest: str | None = None  # one of INTERESTS; None for a service visit
    year: int | None = None
    make: str | None = None
    model: str | None = None
    trim: str | None = None
    vin: str | None = None
    mileage: int | None = None

    def __post_init__(self) -> None:
        if self.interest is not None and self.interest not in INTERESTS:
            raise ValueError(f"ADF 1.0 has no vehicle interest {self.interest!r}")
        if self.status not in ("new", "used"):
            raise ValueError(f"ADF 1.0 vehicle status is new or used, not {self.status!r}")


@dataclass(frozen=True)
class LeadPhone:
    number: str  # E.164
    kind: str = "voice"  # ADF's voice | cellphone


@dataclass(frozen=True)
class LeadCustomer:
    name: str | None
    emails: tuple[str, ...] = ()
    phones: tuple[LeadPhone, ...] = ()

    @property
    def reachable(self) -> bool:
        return bool(self.emails or self.phones)


@dataclass(frozen=True)
class Vendor:
    """The dealership the lead is for."""

    name: str
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Lead:
    id: str  # ours, unique per lead: "handoff-12", "booking-H7K2QP"
    requested_at: datetime  # timezone-aware
    vehicles: tuple[LeadVehicle, ...]
    customer: LeadCustomer
    vendor: Vendor
    comments: str = ""


def adf_document(lead: Lead) -> str:
    """The lead as ADF 1.0 XML, one element per line (short lines travel as plain 7-bit email)."""
    adf = ET.Element("adf")
    prospect = ET.SubElement(adf, "prospect", status="new")
    ET.SubElement(prospect, "id", sequence="1", source=PROVIDER).text = lead.id
    ET.SubElement(prospect, "requestdate").text = lead.requested_at.isoformat(timespec="seconds")
    for vehicle in lead.vehicles:
        _vehicle(prospect, vehicle)
    customer = ET.SubElement(prospect, "customer")
    _contact(customer, lead.customer.name, lead.customer.emails, lead.customer.phones)
    _optional(customer, "comments", lead.comments)
    vendor = ET.SubElement(prospect, "vendor")
    ET.SubElement(vendor, "vendorname").text = lead.vendor.name
    phones = (LeadPhone(lead.vendor.phone),) if lead.vendor.phone else ()
    emails = (lead.vendor.email,) if lead.vendor.email else ()
    _contact(vendor, lead.vendor.name, emails, phones)
    provider = ET.SubElement(prospect, "provider")
    ET.SubElement(provider, "name", part="full").text = PROVIDER
    ET.indent(adf)
    body = ET.tostring(adf, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<?adf version="1.0"?>\n{body}\n'


def _vehicle(prospect: ET.Element, vehicle: LeadVehicle) -> None:
    attributes = {"interest": vehicle.interest} if vehicle.interest else {}
    element = ET.SubElement(prospect, "vehicle", attributes, status=vehicle.status)
    for tag in ("year", "make", "model", "vin", "trim"):  # the DTD's order
        _optional(element, tag, getattr(vehicle, tag))
    if vehicle.mileage is not None:
        ET.SubElement(element, "odometer", status="original", units="mi").text = str(vehicle.mileage)


def _contact(
    parent: ET.Element, name: str | None, emails: tuple[str, ...], phones: tuple[LeadPhone, ...]
) -> None:
    contact = ET.SubElement(parent, "contact", primarycontact="1")
    name = xml_text(name or "").strip()
    if name:
        first, _, last = name.rpartition(" ")
        if first:  # "Mary Ann Smith": first "Mary Ann", last "Smith"
            ET.SubElement(contact, "name", part="first").text = first
            ET.SubElement(contact, "name", part="last").text = last
        else:
            ET.SubElement(contact, "name", part="full").text = last
    for email in emails:
        ET.SubElement(contact, "email").text = email
    for phone in phones:
        ET.SubElement(contact, "phone", type=phone.kind).text = phone.number


def _optional(parent: ET.Element, tag: str, value: object) -> None:
    text = "" if value is None else xml_text(str(value))
    if text:
        ET.SubElement(parent, tag).text = text


def xml_text(text: str) -> str:
    """`text` as an XML parser will read it back: without what XML can't carry, and with every
    line end a newline (parsers make a raw carriage return one anyway). Escaping is ElementTree's."""
    return NOT_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
