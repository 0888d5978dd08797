"""Customer profile: the household, its contacts, members, vehicles and conversations."""

from bot.profile.contact_details import (
    InvalidContactDetail,
    email_consent_in,
    name_in_introduction,
    normalise_email,
    normalise_name,
    normalise_phone,
    texting_consent_in,
)
from bot.profile.store import ContactDetails, EngagementRecord, ProfileStore, VehicleDetails
from bot.profile.vin import InvalidVin, normalise_vin

__all__ = [
    "ContactDetails",
    "EngagementRecord",
    "InvalidContactDetail",
    "InvalidVin",
    "ProfileStore",
    "VehicleDetails",
    "email_consent_in",
    "name_in_introduction",
    "normalise_name",
    "normalise_email",
    "normalise_phone",
    "normalise_vin",
    "texting_consent_in",
]
