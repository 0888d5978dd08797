"""Clinic and service bookings on a schedule the dealer edits (knowledge/schedule.yml)."""

from functools import lru_cache

from bot import config, dealership
from bot.booking.schedule import Clinic, Schedule, Service, load
from bot.booking.store import (
    BookingResult,
    BookingStore,
    CancelResult,
    ServiceOffer,
    SessionInfo,
    UpcomingBooking,
)
from bot.booking.when import Preference, UnreadableTime, day_in, mentions_time, read_preference
from bot.db import session_factory


@lru_cache(maxsize=1)
def default_bookings() -> BookingStore:
    """Bookings on `DATABASE_URL` with the schedule in `KNOWLEDGE_DIR` (problems are left out)."""
    schedule, _ = load(config.knowledge_dir() / "schedule.yml", dealership.current().tz)
    return BookingStore(session_factory(), schedule)


__all__ = [
    "BookingResult",
    "BookingStore",
    "CancelResult",
    "Clinic",
    "Schedule",
    "Service",
    "Preference",
    "ServiceOffer",
    "SessionInfo",
    "UnreadableTime",
    "day_in",
    "UpcomingBooking",
    "default_bookings",
    "load",
    "mentions_time",
    "read_preference",
]
