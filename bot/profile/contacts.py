"""How to reach a customer: names, phones and emails they give us, SMS and email consent,
opt-outs, unsubscribes and bounces, and where booking messages go.

Details that belong to another profile (the same phone or email) merge the two into the older
one (`merge.py` has each table's rule). Consent and opt-out belong to the number, as carriers
see it; email consent, the unsubscribe and a bounce belong to the address.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot.profile.merge import merge_customers
from bot.profile.models import Contact, Email, Phone, utcnow


@dataclass(frozen=True)
class ContactDetails:
    """What a customer told us about themselves; values are already validated and normalised."""

    name: str | None = None
    phone: str | None = None  # E.164
    email: str | None = None  # lower-case
    sms_consent: bool | None = None
    email_consent: bool | None = None  # to booking emails at this address
    source: str = "chat"  # where consent was given, e.g. the channel name


class Contacts:
    """Contact details as the customer gives them, and each number's consent and opt-out."""

    _sessions: sessionmaker[Session]

    def record_contact_details(self, customer_id: int, details: ContactDetails) -> int:
        """Save name/phone/email/consent; merges profiles that turn out to be one household.

        Returns the surviving customer id (the oldest profile that shares the phone or email).
        """
        with self._sessions.begin() as session:
            matches = []
            if details.phone:
                matches.append(Phone.e164 == details.phone)
            if details.email:
                matches.append(Email.address == details.email)
            owners = set()
            if matches:
                owners = set(
                    session.scalars(
                        select(Contact.customer_id).outerjoin(Phone).outerjoin(Email).where(or_(*matches))
                    )
                )
            survivor = min(owners | {customer_id})
            for absorbed in sorted((owners | {customer_id}) - {survivor}):
                merge_customers(session, survivor, absorbed)
            contact = _contact_for(session, survivor, details)
            if details.name and (contact.name or "").casefold() != details.name.casefold():
                contact.name = details.name
            if details.phone:
                phone = session.scalar(select(Phone).where(Phone.e164 == details.phone))
                if phone is None:
                    phone = Phone(e164=details.phone)
                    contact.phones.append(phone)
                if details.sms_consent is not None:
                    phone.sms_consent = details.sms_consent
                    phone.sms_consent_at = utcnow()
                    phone.sms_consent_source = details.source
            if details.email:
                email = session.scalar(select(Email).where(Email.address == details.email))
                if email is None:
                    email = Email(address=details.email)
                    contact.emails.append(email)
                if details.email_consent is not None:
                    email.email_consent = details.email_consent
                    email.email_consent_at = utcnow()
                    email.email_consent_source = details.source
            return survivor

    def reachable_phone(self, customer_id: int) -> str | None:
        """A mobile number on the profile that hasn't opted out (so we needn't ask for one)."""
        with self._sessions() as session:
            return session.scalar(
                select(Phone.e164)
                .join(Contact)
                .where(Contact.customer_id == customer_id, Phone.opted_out_at.is_(None))
                .order_by(Phone.id)
                .limit(1)
            )

    def opt_out(self, phone: str, source: str, message: str | None = None) -> bool:
        """Record an SMS opt-out on the number, with the message that asked for it if there was one.

        False if it was already opted out (nothing changes: the first request is the one kept).
        """
        with self._sessions.begin() as session:
            changed = session.execute(
                update(Phone)
                .where(Phone.e164 == phone, Phone.opted_out_at.is_(None))
                .values(opted_out_at=utcnow(), opt_out_source=source, opt_out_message=message)
            ).rowcount
            return changed == 1

    def phones_of(self, customer_id: int) -> list[str]:
        """Every mobile number on the profile, opted out or not (a website opt-out covers them all)."""
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(Phone.e164)
                    .join(Contact)
                    .where(Contact.customer_id == customer_id)
                    .order_by(Phone.id)
                )
            )

    def opt_in(self, phone: str, source: str) -> bool:
        """Undo an opt-out (the customer texted START); texting it is consent to texts again."""
        with self._sessions.begin() as session:
            changed = session.execute(
                update(Phone)
                .where(Phone.e164 == phone, Phone.opted_out_at.is_not(None))
                .values(
                    opted_out_at=None,
                    opt_out_source=None,
                    opt_out_message=None,
                    sms_consent=True,
                    sms_consent_at=utcnow(),
                    sms_consent_source=source,
                )
            ).rowcount
            return changed == 1

    def is_opted_out(self, phone: str) -> bool:
        with self._sessions() as session:
            return session.scalar(select(Phone.opted_out_at).where(Phone.e164 == phone)) is not None


def _contact_for(session: Session, customer_id: int, details: ContactDetails) -> Contact:
    """The household contact these details belong to (by phone, email, name, or a blank one)."""
    contacts = list(
        session.scalars(
            select(Contact)
            .where(Contact.customer_id == customer_id)
            .options(selectinload(Contact.phones), selectinload(Contact.emails))
            .order_by(Contact.id)
        )
    )
    for contact in contacts:
        if details.phone and details.phone in {p.e164 for p in contact.phones}:
            return contact
        if details.email and details.email in {e.address for e in contact.emails}:
            return contact
    for contact in contacts:
        if details.name and contact.name and contact.name.casefold() == details.name.casefold():
            return contact
    for contact in contacts:
        if contact.name is None or details.name is None:
            return contact
    contact = Contact(customer_id=customer_id)
    session.add(contact)
    return contact
