"""Record quality: how complete and usable a customer's record is, and what is missing.

Five checks, 20 points each, so a score reads as a percentage. Computed with a handful of
set-based queries, so one customer and the whole dealership go through the same code.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.profile.models import Contact, Customer, Email, HouseholdMember, OwnedVehicle, Phone

CHECKS = {
    "reachable": "a way to reach them (a phone that hasn't opted out, or an email)",
    "email": "an email address",
    "household": "who is in the household",
    "vehicles": "their vehicles, each with VIN and mileage",
    "consent": "SMS consent (yes or no) for every phone",
}
POINTS = 100 // len(CHECKS)


@dataclass(frozen=True)
class Quality:
    score: int  # 0-100
    missing: tuple[str, ...]  # keys of CHECKS

    def as_dict(self) -> dict[str, Any]:
        return {"score": self.score, "missing": [{"check": m, "what": CHECKS[m]} for m in self.missing]}


def record_quality(
    sessions: sessionmaker[Session], customer_ids: list[int] | None = None
) -> dict[int, Quality]:
    """Quality per customer: the given ones, or every customer with at least one contact.

    Anonymous visitors (no contact yet) aren't records yet and are left out of the default.
    """
    with sessions() as session:

        def owners(query: Any) -> set[int]:
            if customer_ids is not None:
                query = query.where(query.selected_columns[0].in_(customer_ids))
            return set(session.scalars(query.distinct()))

        ids = owners(select(Customer.id) if customer_ids is not None else select(Contact.customer_id))
        phoned = owners(select(Contact.customer_id).join(Phone))
        passed = {
            "reachable": owners(select(Contact.customer_id).join(Phone).where(Phone.opted_out_at.is_(None)))
            | owners(select(Contact.customer_id).join(Email)),
            "email": owners(select(Contact.customer_id).join(Email)),
            "household": owners(select(HouseholdMember.customer_id)),
            "vehicles": owners(select(OwnedVehicle.customer_id))
            - owners(
                select(OwnedVehicle.customer_id).where(
                    or_(OwnedVehicle.vin.is_(None), OwnedVehicle.mileage.is_(None))
                )
            ),
            "consent": phoned
            - owners(select(Contact.customer_id).join(Phone).where(Phone.sms_consent.is_(None))),
        }
    result = {}
    for customer_id in ids:
        missing = tuple(check for check in CHECKS if customer_id not in passed[check])
        result[customer_id] = Quality(POINTS * (len(CHECKS) - len(missing)), missing)
    return result


def distribution(qualities: dict[int, Quality]) -> dict[str, Any]:
    """Dealership-wide: how many records at each score, and what is most often missing."""
    scores = Counter(q.score for q in qualities.values())
    missing = Counter(m for q in qualities.values() for m in q.missing)
    return {
        "customers": len(qualities),
        "average": round(sum(q.score for q in qualities.values()) / len(qualities), 1) if qualities else None,
        "by_score": [{"score": s, "customers": scores.get(s, 0)} for s in range(0, 101, POINTS)],
        "missing": [
            {"check": check, "what": CHECKS[check], "customers": missing.get(check, 0)} for check in CHECKS
        ],
    }
