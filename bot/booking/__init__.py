"""Clinic and service bookings on a schedule the dealer edits (knowledge/schedule.yml)."""

from bot.booking.schedule import Clinic, Schedule, Service, load
from bot.booking.store import BookingResult, BookingStore, CancelResult, SessionInfo

__all__ = [
    "BookingResult",
    "BookingStore",
    "CancelResult",
    "Clinic",
    "Schedule",
    "Service",
    "SessionInfo",
    "load",
]
