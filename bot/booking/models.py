"""The booking tables: clinic sessions and their seats, service bays per slot, and bookings.

They share one metadata with every other table (`bot.tables.Base`): a booking belongs to a
customer, and merges, migrations and data checks see every table through `bot.schema`.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint

from bot.tables import Base, owned_by_customer, utcnow


class ClinicSession(Base):
    """One scheduled clinic session; `booked` only changes by a conditional UPDATE (capacity)."""

    __tablename__ = "clinic_sessions"
    __table_args__ = (UniqueConstraint("clinic", "starts_at"),)

    id = Column(Integer, primary_key=True)
    clinic = Column(String(60), nullable=False)
    starts_at = Column(DateTime, nullable=False, index=True)
    ends_at = Column(DateTime, nullable=False)
    capacity = Column(Integer, nullable=False)
    booked = Column(Integer, nullable=False, default=0)


class ServiceSlot(Base):
    """Bays in use during one slot of the service grid (e.g. 15 minutes)."""

    __tablename__ = "service_slots"

    id = Column(Integer, primary_key=True)
    starts_at = Column(DateTime, nullable=False, unique=True)
    bays_used = Column(Integer, nullable=False, default=0)


class Booking(Base):
    __tablename__ = "bookings"

    id = Column(Integer, primary_key=True)
    code = Column(String(8), nullable=False, unique=True)
    kind = Column(String(10), nullable=False)  # clinic | service
    customer_id = owned_by_customer()
    status = Column(String(12), nullable=False)  # confirmed | waitlisted | cancelled | attended | no_show
    starts_at = Column(DateTime, nullable=False, index=True)
    ends_at = Column(DateTime, nullable=False)
    clinic_session_id = Column(Integer, ForeignKey("clinic_sessions.id"), index=True)
    party_size = Column(Integer, nullable=False, default=1)
    attendees = Column(JSON)
    services = Column(JSON)
    vehicle = Column(JSON)
    transport = Column(String(10))
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    confirmed_at = Column(DateTime)  # when the customer replied C to a reminder: they mean to come


class WantedDay(Base):
    """A day a customer asked for a service appointment on and found nothing free: when a service
    booking that day is cancelled, they are offered the freed time by text."""

    __tablename__ = "wanted_service_days"

    id = Column(Integer, primary_key=True)
    customer_id = owned_by_customer()
    day = Column(Date, nullable=False, index=True)  # dealership-local
    asked_at = Column(DateTime, nullable=False, default=utcnow)
