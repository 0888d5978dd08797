"""What every table shares: one declarative base, naive-UTC timestamps and the customer key.

It lives outside `bot.profile` on purpose: importing that package loads the profile store, which
uses the booking and SMS tables, so if those tables took their base from `bot.profile` each side
would import the other. `bot.schema` gathers every table.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Column, ForeignKey, Integer
from sqlalchemy.orm import declarative_base

Base = declarative_base()


def utcnow() -> datetime:
    """Timestamps are stored as naive UTC so SQLite and PostgreSQL compare them alike."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def iso_utc(moment: datetime | None) -> str | None:
    """A stored (naive UTC) time as the API shows it: ISO 8601 with a Z."""
    return None if moment is None else moment.isoformat(timespec="milliseconds") + "Z"


def owned_by_customer() -> Column:
    """The customer_id of a row that belongs to one customer (deleted with it, moved by merges)."""
    return Column(Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True)
