"""Clinic and service bookings on a schedule the dealer edits (knowledge/schedule.yml)."""

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
    "load",
    "mentions_time",
    "read_preference",
]
