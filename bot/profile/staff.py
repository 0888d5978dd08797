"""Staff edits to a profile, each audited: who, when, what (before and after)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.profile.consent import BOOKING_CHOICES
from bot.profile.contact_details import InvalidContactDetail
from bot.profile.household import Household
from bot.profile.models import Contact, Customer, Phone, StaffAudit, iso_utc


class StaffEdits(Household):
    """Changes staff make by hand (built on the household's own writes), and the audit trail."""

    def staff_fix_phone(self, staff: str, customer_id: int, old: str, new: str) -> None:
        """Replace a contact's phone number (both already normalised); consent doesn't carry over.

        Raises InvalidContactDetail when the old number isn't this customer's or the new one is taken.
        """
        with self._sessions.begin() as session:
            phone = session.scalar(
                select(Phone).join(Contact).where(Phone.e164 == old, Contact.customer_id == customer_id)
            )
            if phone is None:
                raise InvalidContactDetail("That number isn't on this customer's profile.")
            if old == new:
                return
            if session.scalar(select(Phone.id).where(Phone.e164 == new)) is not None:
                raise InvalidContactDetail("That number already belongs to a customer; search for it.")
            phone.e164 = new
            phone.sms_consent = phone.sms_consent_at = phone.sms_consent_source = None
            session.add(
                StaffAudit(
                    staff=staff,
                    customer_id=customer_id,
                    action="phone_fixed",
                    detail={"from": old, "to": new},
                )
            )

    def staff_add_household_member(
        self, staff: str, customer_id: int, name: str, relation: str | None, birth_year: int | None
    ) -> None:
        self.add_household_member(customer_id, name, relation, birth_year)
        self.audit(
            staff,
            customer_id,
            "household_added",
            {"name": name, "relation": relation, "birth_year": birth_year},
        )

    def staff_set_booking_messages(self, staff: str, customer_id: int, choice: str | None) -> None:
        """What the customer told staff about how to get booking messages (sms, email, both; None:
        whatever they consented to). Raises ValueError for anything else."""
        if choice is not None and choice not in BOOKING_CHOICES:
            raise ValueError(f"booking messages go by sms, email or both, not {choice!r}")
        with self._sessions.begin() as session:
            customer = session.get(Customer, customer_id)
            if customer is None:
                raise ValueError("no such customer")
            before, customer.booking_messages = customer.booking_messages, choice
            session.add(
                StaffAudit(
                    staff=staff,
                    customer_id=customer_id,
                    action="booking_messages",
                    detail={"from": before, "to": choice},
                )
            )

    def audit(self, staff: str, customer_id: int | None, action: str, detail: dict[str, Any]) -> None:
        with self._sessions.begin() as session:
            session.add(StaffAudit(staff=staff, customer_id=customer_id, action=action, detail=detail))

    def audit_trail(self, customer_id: int) -> list[dict[str, Any]]:
        """Staff changes to a customer, newest first."""
        with self._sessions() as session:
            rows = session.scalars(
                select(StaffAudit).where(StaffAudit.customer_id == customer_id).order_by(StaffAudit.id.desc())
            )
            return [
                {"at": iso_utc(a.at), "staff": a.staff, "action": a.action, "detail": a.detail} for a in rows
            ]
