"""What we learn about a household as it talks to us: its members, its vehicles, the topics it
asks about and the questions we couldn't answer outright."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.profile.models import HouseholdMember, Interest, KnowledgeGap, OwnedVehicle, utcnow


@dataclass(frozen=True)
class VehicleDetails:
    """A household's car as the profile store takes and gives it (an `OwnedVehicle` row's values)."""

    model: str
    trim: str | None = None
    year: int | None = None
    make: str = "Corvane"
    vin: str | None = None
    mileage: int | None = None


class Household:
    """Adds to the household's record; what is already known is kept, not duplicated."""

    _sessions: sessionmaker[Session]

    def vehicles_of(self, customer_id: int) -> list[VehicleDetails]:
        with self._sessions() as session:
            rows = session.scalars(
                select(OwnedVehicle).where(OwnedVehicle.customer_id == customer_id).order_by(OwnedVehicle.id)
            )
            return [VehicleDetails(v.model, v.trim, v.year, v.make, v.vin, v.mileage) for v in rows]

    def add_vehicle(self, customer_id: int, vehicle: VehicleDetails) -> None:
        """Add a vehicle unless the household already has it (same VIN, or same year/model/trim)."""
        with self._sessions.begin() as session:
            for known in session.scalars(select(OwnedVehicle).where(OwnedVehicle.customer_id == customer_id)):
                same_vin = vehicle.vin and known.vin == vehicle.vin
                same_car = (known.model, known.trim, known.year) == (
                    vehicle.model,
                    vehicle.trim,
                    vehicle.year,
                )
                if same_vin or (not vehicle.vin and same_car):
                    return
            session.add(OwnedVehicle(customer_id=customer_id, **vehicle.__dict__))

    def add_household_member(
        self, customer_id: int, name: str, relation: str | None, birth_year: int | None
    ) -> None:
        """Add someone to the household, or fill in what we learn about them (same name)."""
        with self._sessions.begin() as session:
            known = session.scalar(
                select(HouseholdMember).where(
                    HouseholdMember.customer_id == customer_id,
                    func.lower(HouseholdMember.name) == name.lower(),
                )
            )
            if known is None:
                session.add(
                    HouseholdMember(
                        customer_id=customer_id, name=name, relation=relation, birth_year=birth_year
                    )
                )
            else:
                known.relation = known.relation or relation
                known.birth_year = known.birth_year or birth_year

    def record_interest(self, customer_id: int, topic: str) -> None:
        """Count a feature question on the customer's interests."""
        with self._sessions.begin() as session:
            interest = session.scalar(
                select(Interest).where(Interest.customer_id == customer_id, Interest.topic == topic)
            )
            if interest is None:
                session.add(Interest(customer_id=customer_id, topic=topic, count=1))
            else:
                interest.count += 1
                interest.last_at = utcnow()

    def record_knowledge_gap(self, customer_id: int, sender_id: str, text: str, outcome: str) -> None:
        with self._sessions.begin() as session:
            session.add(
                KnowledgeGap(customer_id=customer_id, sender_id=sender_id, text=text, outcome=outcome)
            )
