"""Customer profile: the household, its contacts, members, vehicles and conversations."""

from functools import lru_cache

from bot.db import session_factory
from bot.profile.contact_details import (
    InvalidContactDetail,
    name_in_introduction,
    normalise_email,
    normalise_name,
    normalise_phone,
    texting_consent_in,
)
from bot.profile.store import ContactDetails, EngagementRecord, ProfileStore, VehicleDetails
from bot.profile.vin import InvalidVin, normalise_vin


@lru_cache(maxsize=1)
def default_store() -> ProfileStore:
    """The store on `DATABASE_URL`, shared by everything in this process."""
    return ProfileStore(session_factory())


__all__ = [
    "ContactDetails",
    "EngagementRecord",
    "InvalidContactDetail",
    "InvalidVin",
    "ProfileStore",
    "VehicleDetails",
    "default_store",
    "name_in_introduction",
    "normalise_name",
    "normalise_email",
    "normalise_phone",
    "normalise_vin",
    "texting_consent_in",
]
