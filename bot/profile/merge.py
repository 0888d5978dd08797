"""Folding one customer profile into another, when a phone or email shows they are one household.

Every table that points at a customer gets an explicit rule here. The rules are looked up from
the schema itself (`customer_tables`), a test fails when a table has no rule, and before the
absorbed profile is deleted the merge checks that nothing points at it any more, so a table
added later can neither be forgotten silently nor lose its rows to `ON DELETE CASCADE`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.orm import Session

from bot import schema
from bot.profile.models import (
    Contact,
    Customer,
    Email,
    HouseholdMember,
    Interest,
    OwnedVehicle,
    Phone,
    SuggestionDecision,
)
from bot.rewards.models import IssuedReward

# Tables with a customer_id that deliberately is no foreign key (history that outlives profiles);
# they follow the customer too.
_HISTORY_TABLES = ("staff_audit",)


class MergeLeftRows(RuntimeError):
    """Rows still point at the profile being absorbed: deleting it would lose them."""


def customer_tables() -> list[Table]:
    """Every table with a column that refers to a customer (a foreign key, or kept history)."""
    return [
        table
        for table in schema.metadata.sorted_tables
        if table.name in _HISTORY_TABLES
        or any(fk.column.table.name == Customer.__tablename__ for fk in table.foreign_keys)
    ]


def merge_customers(session: Session, survivor: int, absorbed: int) -> None:
    """Move everything of `absorbed` to `survivor`, dropping true duplicates, then delete it."""
    # Lock the absorbed profile first: a row being written for it elsewhere (the engagement
    # writer, an action) holds a key-share lock on it until it commits, so this waits for those,
    # and later ones wait for this merge, then fail on the deleted key and are retried onto the
    # survivor. (SQLite has one writer at a time anyway.)
    session.execute(select(Customer.id).where(Customer.id == absorbed).with_for_update())
    for table in customer_tables():
        _RULES.get(table.name, _move)(session, table, survivor, absorbed)
    session.flush()
    left = {
        table.name: count
        for table in customer_tables()
        if (count := session.scalar(select(func.count()).where(table.c.customer_id == absorbed)))
    }
    if left:
        raise MergeLeftRows(f"merging customer {absorbed} into {survivor} left rows behind: {left}")
    # A choice of channel for booking messages made on either profile is kept (the survivor's first).
    chosen = session.scalar(select(Customer.booking_messages).where(Customer.id == absorbed))
    session.execute(
        update(Customer)
        .where(Customer.id == survivor, Customer.booking_messages.is_(None))
        .values(booking_messages=chosen)
    )
    session.execute(delete(Customer).where(Customer.id == absorbed))


def _move(session: Session, table: Table, survivor: int, absorbed: int) -> None:
    """History (conversations, engagement, bookings, handoffs, ...) belongs to the survivor now."""
    session.execute(update(table).where(table.c.customer_id == absorbed).values(customer_id=survivor))


def _merge_contacts(session: Session, _: Table, survivor: int, absorbed: int) -> None:
    """A contact with the survivor's contact's name is the same person: their phones and emails
    join that contact; other contacts move as they are."""
    survivor_contacts = {
        (c.name or "").casefold(): c
        for c in session.scalars(select(Contact).where(Contact.customer_id == survivor))
    }
    for contact in session.scalars(select(Contact).where(Contact.customer_id == absorbed)).all():
        twin = survivor_contacts.get((contact.name or "").casefold())
        if twin is None:
            contact.customer_id = survivor
            continue
        for model in (Phone, Email):
            session.execute(update(model).where(model.contact_id == contact.id).values(contact_id=twin.id))
        session.delete(contact)
    session.flush()


def _merge_interests(session: Session, _: Table, survivor: int, absorbed: int) -> None:
    """A topic both asked about: counts add up, the earliest first and latest last ask are kept."""
    kept = {i.topic: i for i in session.scalars(select(Interest).where(Interest.customer_id == survivor))}
    for interest in session.scalars(select(Interest).where(Interest.customer_id == absorbed)).all():
        twin = kept.get(interest.topic)
        if twin is None:
            interest.customer_id = survivor
            continue
        twin.count += interest.count
        twin.first_at = min(twin.first_at, interest.first_at)
        twin.last_at = max(twin.last_at, interest.last_at)
        session.delete(interest)
    session.flush()


def _merge_suggestion_decisions(session: Session, _: Table, survivor: int, absorbed: int) -> None:
    """One decision per suggestion: the survivor's stands; the absorbed profile's others move."""
    decided = set(
        session.scalars(select(SuggestionDecision.key).where(SuggestionDecision.customer_id == survivor))
    )
    for decision in session.scalars(
        select(SuggestionDecision).where(SuggestionDecision.customer_id == absorbed)
    ).all():
        if decision.key in decided:
            session.delete(decision)
        else:
            decision.customer_id = survivor
    session.flush()


def _unless_known(*identities: tuple[str, ...]) -> Callable[[Session, Table, int, int], None]:
    """Move rows to the survivor unless it already has one equal on any identity key
    (the same household member, the same car)."""

    def keys(row: Any) -> set[tuple]:
        found = set()
        for fields in identities:
            values = tuple(
                str(getattr(row, f)).casefold() if getattr(row, f) is not None else None for f in fields
            )
            if all(v is not None for v in values):
                found.add((fields, values))
        return found

    def merge(session: Session, table: Table, survivor: int, absorbed: int) -> None:
        model = _MODELS[table.name]
        known = set().union(
            *(keys(row) for row in session.scalars(select(model).where(model.customer_id == survivor)))
        )
        for row in session.scalars(select(model).where(model.customer_id == absorbed)).all():
            if keys(row) & known:
                session.delete(row)
            else:
                row.customer_id = survivor
                known |= keys(row)
        session.flush()

    return merge


_MODELS = {
    HouseholdMember.__tablename__: HouseholdMember,
    OwnedVehicle.__tablename__: OwnedVehicle,
    IssuedReward.__tablename__: IssuedReward,
}

# How each table's rows follow the customer. Every table in `customer_tables()` is listed, even
# those that simply move, so that adding a table means deciding its rule (a test checks).
_RULES: dict[str, Callable[[Session, Table, int, int], None]] = {
    "contacts": _merge_contacts,
    "household_members": _unless_known(("name", "relation")),
    "vehicles": _unless_known(("vin",), ("year", "model", "trim")),
    "interests": _merge_interests,
    "suggestion_decisions": _merge_suggestion_decisions,
    "channel_identities": _move,
    "engagement_events": _move,
    "handoff_requests": _move,
    "knowledge_gaps": _move,
    "bookings": _move,
    "outbox_messages": _move,
    "email_outbox": _move,
    "wanted_service_days": _move,
    "staff_audit": _move,
    "issued_rewards": _unless_known(("reward_id",)),  # one of each reward per household: the survivor's
}


def merge_rules() -> dict[str, Callable[[Session, Table, int, int], None]]:
    """Table name -> rule, for the test that every customer table has one."""
    return dict(_RULES)
