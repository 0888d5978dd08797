"""The dealership's CRM: leads as ADF 1.0 documents, emailed to `CRM_LEAD_EMAIL` through the
email outbox (sales handoffs, and new service bookings when the dealer wants them)."""

from bot.crm.adf import Lead, LeadCustomer, LeadPhone, LeadVehicle, Vendor, adf_document
from bot.crm.leads import (
    LEAD_KIND,
    SalesAsk,
    lead_customer,
    profile_vehicles,
    queue_handoff_lead,
    queue_service_lead,
    vendor,
    wanted_vehicles,
)

__all__ = [
    "LEAD_KIND",
    "Lead",
    "LeadCustomer",
    "LeadPhone",
    "LeadVehicle",
    "SalesAsk",
    "Vendor",
    "adf_document",
    "lead_customer",
    "profile_vehicles",
    "queue_handoff_lead",
    "queue_service_lead",
    "vendor",
    "wanted_vehicles",
]
