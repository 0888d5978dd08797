"""Relevant next steps ("next best engagement"): invitations and messages that fit a household.

`suggest` is a pure function of a customer's profile, bookings, today's date and the schedule,
so the conversation can offer the same things the console suggests. `NextSteps` adds what staff
decided: a suggestion sent (through the SMS outbox, only with consent) or dismissed is recorded
and never suggested again.

Rules (each suggestion says why):
- someone in the household aged 15-17 this year -> Teen Driver Safety Clinic
- an Ion in the household, or asking about the Ion now, or its pages on the website viewed twice or
  more (a path naming the model, e.g. /vehicles/ion) -> EV 101 (`MODEL_CLINICS`)
- three or more feature questions -> New Owner Tech Clinic
- a driver aged 16-19 in winter-clinic season -> Winter Driving Clinic
- a vehicle with known mileage of 5,000 or more and no service booked in 6 months -> service
  reminder (once per 5,000 miles)
Suppressed: households with an opted-out phone, clinics already booked or attended, clinics out
of season (their `months` in knowledge/schedule.yml), and anything staff already sent or dismissed.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.booking import BookingStore, Schedule
from bot.channels.sms.models import OutboxMessage
from bot.profile import ProfileStore
from bot.profile.models import (
    EngagementEvent,
    HouseholdMember,
    Interest,
    OwnedVehicle,
    SuggestionDecision,
    utcnow,
)
from bot.profile.visits import PAGE_VIEW, visited_paths

TEEN_AGES = (15, 17)
NEW_DRIVER_AGES = (16, 19)
MANY_QUESTIONS = 3
SERVICE_MILES = 5000
SERVICE_MONTHS = 6
ACTIVE = ("confirmed", "waitlisted", "attended")
QUEUE_LIMIT = 200
_WORDS = re.compile(r"[a-z0-9]+")
SMS_CHANNEL = "sms"
# The clinic for a model's owners and shoppers; the signals are owning one, asking about it in the
# conversation, and viewing its pages on the website PAGE_VISITS times or more.
MODEL_CLINICS = {"Ion": "ev-101"}
PAGE_VISITS = 2


@dataclass(frozen=True)
class Suggestion:
    key: str  # stable: the same suggestion has the same key tomorrow
    kind: str  # clinic | service_reminder
    title: str
    reason: str
    message: str  # the SMS staff can send


def suggest(
    profile: dict[str, Any],
    bookings: list[dict[str, Any]],
    today: date,
    schedule: Schedule,
    sender: str,
    decided: frozenset[str] = frozenset(),
    asked_about: frozenset[str] = frozenset(),
) -> list[Suggestion]:
    """What to offer this household now, most specific first; `sender` signs the messages.
    `asked_about` are models the customer is asking about right now (a shopper's signal)."""
    if any(phone["opted_out_at"] for c in profile["contacts"] for phone in c["phones"]):
        return []
    booked = {b["clinic"] for b in bookings if b["kind"] == "clinic" and b["status"] in ACTIVE}
    found: list[Suggestion] = []

    def clinic(clinic_id: str, reason: str, invite: str) -> None:
        details = schedule.clinics.get(clinic_id)
        if details is None or clinic_id in booked or not _in_season(schedule, clinic_id, today):
            return
        found.append(
            Suggestion(
                f"clinic:{clinic_id}",
                "clinic",
                details.name,
                reason,
                f"{sender}: {invite} Our free {details.name} ({details.minutes} min) has seats: "
                "reply here to book. Reply STOP to opt out.",
            )
        )

    ages = [(m["name"], today.year - m["birth_year"]) for m in profile["household"] if m.get("birth_year")]
    teens = [(name, age) for name, age in ages if TEEN_AGES[0] <= age <= TEEN_AGES[1]]
    if teens:
        who = ", ".join(f"{name} ({age} this year)" for name, age in teens)
        clinic("teen-driver-safety", f"teen in the household: {who}", f"{teens[0][0]} is nearly driving age.")
    visited = visited_paths(profile)
    for model, clinic_id in MODEL_CLINICS.items():
        views = [path for path in visited if mentions_model(path, model)]
        if any(v["model"].lower() == model.lower() for v in profile["vehicles"]):
            clinic(clinic_id, f"drives a Corvane {model}", f"Getting the most from your {model}?")
        elif model in asked_about:
            clinic(clinic_id, f"asking about the {model}", f"Thinking about the {model}?")
        elif len(views) >= PAGE_VISITS:
            pages = ", ".join(dict.fromkeys(views))
            clinic(
                clinic_id,
                f"viewed {model} pages {len(views)} times on the website ({pages})",
                f"Looking at the {model}?",
            )
    asked = sum(i["count"] for i in profile["interests"])
    if asked >= MANY_QUESTIONS:
        topics = ", ".join(i["topic"] for i in profile["interests"][:3])
        clinic(
            "new-owner-tech",
            f"asked {asked} feature questions ({topics})",
            "Lots of questions about features?",
        )
    new_drivers = [name for name, age in ages if NEW_DRIVER_AGES[0] <= age <= NEW_DRIVER_AGES[1]]
    if new_drivers:
        clinic(
            "winter-driving",
            f"new driver in the household in winter: {', '.join(new_drivers)}",
            "Winter roads are coming.",
        )
    serviced = any(
        b["kind"] == "service"
        and b["status"] in ACTIVE
        and datetime.fromisoformat(b["start"]).date() > today - timedelta(days=30 * SERVICE_MONTHS)
        for b in bookings
    )
    for vehicle in profile["vehicles"]:
        miles = vehicle.get("mileage")
        if serviced or miles is None or miles < SERVICE_MILES:
            continue
        name = " ".join(str(part) for part in (vehicle.get("year"), vehicle["model"]) if part)
        found.append(
            Suggestion(
                f"service:{vehicle['id']}:{miles // SERVICE_MILES}",
                "service_reminder",
                f"Service reminder: {name}",
                f"{miles:,} miles and no service booked in {SERVICE_MONTHS} months",
                f"{sender}: your {name} is due for service ({miles:,} miles). Reply here to book a time. "
                "Reply STOP to opt out.",
            )
        )
    return [s for s in found if s.key not in decided]


def mentions_model(path: str, model: str) -> bool:
    """Whether a page's path names the model as a word of its own: /vehicles/ion, /ion-2026 or
    /forge-trail/specs, but not /promotions."""
    words = _WORDS.findall(unquote(path).lower())
    wanted = _WORDS.findall(model.lower())
    return any(words[i : i + len(wanted)] == wanted for i in range(len(words) - len(wanted) + 1))


def _in_season(schedule: Schedule, clinic_id: str, today: date) -> bool:
    return any(
        rule.months is None or today.month in rule.months for rule in schedule.clinics[clinic_id].rules
    )


class NextStepProblem(ValueError):
    """Why a suggestion can't be sent or dismissed, in words for staff."""


class NextSteps:
    def __init__(self, store: ProfileStore, bookings: BookingStore, sender: str) -> None:
        self._store = store
        self._bookings = bookings
        self._sessions: sessionmaker[Session] = store.sessions
        self._sender = sender

    def for_customer(self, customer_id: int, today: date) -> list[dict[str, Any]] | None:
        """The customer's suggestions with who to text; None for an unknown customer."""
        profile = self._store.profile(customer_id)
        if profile is None:
            return None
        with self._sessions() as session:
            decided = frozenset(
                session.scalars(
                    select(SuggestionDecision.key).where(SuggestionDecision.customer_id == customer_id)
                )
            )
        found = suggest(
            profile,
            self._bookings.bookings_of(customer_id),
            today,
            self._bookings.schedule,
            self._sender,
            decided,
        )
        name = next((c["name"] for c in profile["contacts"] if c["name"]), None)
        can_text = _textable(profile) is not None
        return [
            {**asdict(s), "customer_id": customer_id, "customer_name": name, "can_text": can_text}
            for s in found
        ]

    def queue(self, today: date, limit: int = QUEUE_LIMIT) -> list[dict[str, Any]]:
        """Dealership-wide: suggestions for every customer with a signal, newest customers first."""
        oldest_teen, youngest = today.year - NEW_DRIVER_AGES[1], today.year - TEEN_AGES[0]
        with self._sessions() as session:
            signals = [
                select(HouseholdMember.customer_id).where(
                    HouseholdMember.birth_year.between(oldest_teen, youngest)
                ),
                select(OwnedVehicle.customer_id).where(
                    or_(func.lower(OwnedVehicle.model) == "ion", OwnedVehicle.mileage >= SERVICE_MILES)
                ),
                select(Interest.customer_id)
                .group_by(Interest.customer_id)
                .having(func.sum(Interest.count) >= MANY_QUESTIONS),
                # A superset (any path containing the name); suggest() reads the paths exactly.
                select(EngagementEvent.customer_id)
                .where(
                    EngagementEvent.action == PAGE_VIEW,
                    or_(*(func.lower(EngagementEvent.text).contains(m.lower()) for m in MODEL_CLINICS)),
                )
                .group_by(EngagementEvent.customer_id)
                .having(func.count() >= PAGE_VISITS),
            ]
            ids = sorted({i for query in signals for i in session.scalars(query)}, reverse=True)[:limit]
        return [s for customer_id in ids for s in self.for_customer(customer_id, today) or []]

    def decide(self, customer_id: int, key: str, decision: str, staff: str, today: date) -> str:
        """Send (SMS outbox, consent only) or dismiss a current suggestion; returns what happened."""
        if decision not in ("send", "dismiss"):
            raise NextStepProblem("decision must be send or dismiss")
        current = {s["key"]: s for s in self.for_customer(customer_id, today) or []}
        if key not in current:
            raise NextStepProblem(
                "That suggestion no longer applies (already decided, booked or out of season)."
            )
        suggestion = current[key]
        phone = None
        if decision == "send":
            phone = _textable(self._store.profile(customer_id) or {"contacts": []})
            if phone is None:
                raise NextStepProblem("No phone with SMS consent on this profile; call or email instead.")
        try:
            with self._sessions.begin() as session:
                session.add(
                    SuggestionDecision(
                        customer_id=customer_id,
                        key=key,
                        kind=suggestion["kind"],
                        outcome="sent" if phone else "dismissed",
                        staff=staff,
                        text=suggestion["message"] if phone else None,
                    )
                )
                if phone:
                    session.add(
                        OutboxMessage(
                            customer_id=customer_id,
                            phone=phone,
                            body=suggestion["message"],
                            kind="suggestion",
                        )
                    )
                    session.add(
                        EngagementEvent(
                            customer_id=customer_id,
                            sender_id=phone,
                            ts=utcnow(),
                            channel=SMS_CHANNEL,
                            direction="out",
                            text=suggestion["message"],
                            action=f"suggestion:{suggestion['kind']}",
                            data={"suggestion": key, "staff": staff},
                        )
                    )
        except IntegrityError:
            raise NextStepProblem("Someone already decided on this suggestion.") from None
        return f"{suggestion['title']}: {'queued as SMS' if phone else 'dismissed'}."


def _textable(profile: dict[str, Any]) -> str | None:
    """The first phone that said yes to SMS and never opted out."""
    for contact in profile["contacts"]:
        for phone in contact["phones"]:
            if phone["sms_consent"] and not phone["opted_out_at"]:
                return phone["e164"]
    return None
