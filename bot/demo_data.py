"""`python -m bot demo-data`: a made-up year of a dealership (households, their cars and people,
conversations, feature answers, clinics, service visits, reminders, handoffs, emails opened and
clicked, website visits) so a newcomer sees the console, the dashboard and the revenue model filled.

Everything is plainly fictional: each customer is flagged `demo` and named "(demo)", phones are in
the 555 area code, emails at example.com. It goes only into a database without customers: one
holding a real customer (or earlier demo data) is refused and left as it was.

The engagement has a real effect built in, so the revenue model has something to find: each
week a household's chance of booking service rises after a clinic it attended (the 13 weeks
after), with each email link it clicked and each feature question answered; website visits
and opened emails have no effect of their own (they go with a household's activity).
Rows are written in bulk, in one transaction.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from bot.booking import texts
from bot.booking.models import Booking, ClinicSession, ServiceSlot
from bot.booking.store import CODE_ALPHABET, CODE_LENGTH, HOLDS_CAPACITY
from bot.channels.sms.models import OutboxMessage
from bot.profile.models import (
    ChannelIdentity,
    Contact,
    Customer,
    Email,
    EngagementEvent,
    HandoffRequest,
    HouseholdMember,
    Interest,
    KnowledgeGap,
    OwnedVehicle,
    Phone,
)
from bot.profile.vin import check_digit
from bot.services import Services

DAYS_PER_MONTH = 30.44
RECENT = timedelta(weeks=13)  # how long an engagement's effect on booking service lasts
FIRST_NAMES = (
    "Avery Blake Casey Dana Eli Frankie Gray Harper Indy Jordan Kai Logan Morgan Noel Oakley Parker "
    "Quinn Reese Sage Taylor Uma Val Wren Yael Zion Rowan Skyler Emerson Hayden Jamie"
).split()
LAST_NAMES = (
    "Alder Birch Cedar Dunmore Ellison Fairweather Gable Hollis Ingram Juniper Kestrel Lindqvist "
    "Marlow Northcott Okafor Pemberton Quill Rivera Sato Thorne Underhill Vance Whitlock Yarrow Zeller"
).split()
SERVICE_CHANNELS = ("socketio", "sms")
GAP_QUESTIONS = (
    "can I get the Tessa in a two-tone paint?",
    "does the Forge come with a bed liner from the factory?",
    "what is the warranty on the Ion's charging cable?",
    "do you sell roof boxes for the Brio?",
    "is there a loaner car while mine is in service?",
)
NEWSLETTERS = ("Winter care checklist", "New owner tips", "Clinic dates this month", "Service specials")


class DemoRefused(RuntimeError):
    """The database isn't empty: demo data would mix with what is there. The message says why."""


@dataclass
class DemoSummary:
    households: int = 0
    engagement_events: int = 0
    service_visits: int = 0
    clinic_seats: int = 0
    reminders: int = 0
    handoffs: int = 0


@dataclass
class _Household:
    customer_id: int
    name: str
    phone: str | None
    consents: bool
    email: str | None
    model: str
    teen: bool
    joined: datetime
    activity: float  # how much this household engages, relative to others
    base: float  # its own log-odds of booking service in a week
    web_sender: str
    last_visit: datetime | None = None
    booked_until: datetime | None = None  # the start of its latest service booking
    recent: dict[str, list[datetime]] = field(default_factory=lambda: defaultdict(list))

    def recent_count(self, kind: str, now: datetime) -> int:
        return sum(1 for at in self.recent[kind] if now - RECENT <= at < now)


def generate(services: Services, households: int = 1000, months: int = 12, seed: int = 0) -> DemoSummary:
    """Fill an empty database with a made-up dealership's last `months` months; see the module."""
    if households < 1 or not 1 <= months <= 36:
        raise ValueError("households must be 1 or more and months from 1 to 36")
    with services.sessions.begin() as session:
        _refuse_unless_empty(session)
        return _Generator(services, session, random.Random(seed), households, months).run()


def _refuse_unless_empty(session: Session) -> None:
    counts = dict(session.execute(select(Customer.demo, func.count()).group_by(Customer.demo)).all())
    real, demo = counts.get(False, 0), counts.get(True, 0)
    if real:
        raise DemoRefused(
            f"This database holds {real} real customer(s); demo data goes only into an empty database "
            "(e.g. DATABASE_URL=sqlite:///var/demo.db). Nothing was added."
        )
    if demo:
        raise DemoRefused(
            f"This database already holds demo data ({demo} demo customers). Nothing was added."
        )


class _Generator:
    def __init__(
        self, services: Services, session: Session, rng: random.Random, households: int, months: int
    ) -> None:
        self.services, self.session, self.rng = services, session, rng
        self.schedule = services.schedule
        self.tz = self.schedule.tz
        self.end = services.clock().astimezone(timezone.utc).replace(tzinfo=None, microsecond=0)
        self.start = self.end - timedelta(days=round(months * DAYS_PER_MONTH))
        self.count = households
        self.summary = DemoSummary(households=households)
        self.events: list[dict[str, Any]] = []
        self.bookings: list[tuple[Booking, _Household, str | None]] = []  # with the clinic id
        self.handoffs: list[dict[str, Any]] = []
        self.gaps: list[dict[str, Any]] = []
        self.bays: Counter[datetime] = Counter()
        self.seats: Counter[tuple[str, datetime]] = Counter()
        self.codes: set[str] = set()
        self.articles = sorted(services.knowledge.base.articles.values(), key=lambda a: a.id)
        lineup = services.knowledge.base.lineup
        self.lineup = lineup
        self.clinic_starts = {
            clinic_id: [
                _naive_utc(s)
                for s in self.schedule.clinic_starts(clinic_id, _aware(self.start), _aware(self.end) + RECENT)
            ]
            for clinic_id in self.schedule.clinics
        }

    def run(self) -> DemoSummary:
        people = self._households()
        for household in people:
            self._live(household)
        self._write()
        return self.summary

    # --- households --------------------------------------------------------------------------

    def _households(self) -> list[_Household]:
        rng, years = self.rng, self.lineup.years or [self.end.year]
        customers = []
        for i in range(self.count):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            name = f"{first} {last} (demo)"
            model_name = rng.choice(sorted(self.lineup.models))
            model = self.lineup.models[model_name]
            joined = (
                self.start - timedelta(days=rng.randint(30, 900))
                if rng.random() < 0.75
                else self.start + timedelta(days=rng.uniform(0, (self.end - self.start).days))
            )
            contact = Contact(name=name, created_at=joined)
            phone = f"+1555{i:07d}" if rng.random() < 0.9 else None
            consents = phone is not None and rng.random() < 0.85
            if phone:
                opted_out = consents and rng.random() < 0.03
                contact.phones.append(
                    Phone(
                        e164=phone,
                        sms_consent=consents,
                        sms_consent_at=joined if consents else None,
                        sms_consent_source="demo",
                        opted_out_at=joined + (self.end - joined) * rng.random() if opted_out else None,
                        opt_out_source="demo" if opted_out else None,
                    )
                )
                consents = consents and not opted_out
            email = f"{first}.{last}.{i}@example.com".lower() if rng.random() < 0.8 else None
            if email:
                contact.emails.append(Email(address=email))
            customer = Customer(created_at=joined, demo=True, contacts=[contact])
            year = rng.choice(years) - rng.choice((0, 0, 1, 2, 4))
            customer.vehicles.append(
                OwnedVehicle(
                    year=year,
                    make=self.lineup.brand or "Corvane",
                    model=model_name,
                    trim=rng.choice(sorted(model.trims)) if model.trims else None,
                    vin=self._vin() if rng.random() < 0.7 else None,
                    mileage=rng.randint(1, 12) * 1000 * max(1, self.end.year - year),
                )
            )
            teen = rng.random() < 0.2
            if teen:
                customer.household.append(
                    HouseholdMember(
                        name=f"{rng.choice(FIRST_NAMES)} {last} (demo)",
                        relation="child",
                        birth_year=self.end.year - rng.randint(15, 17),
                    )
                )
            web_sender = f"demo-web-{i}"
            customer.identities.append(
                ChannelIdentity(channel="socketio", sender_id=web_sender, created_at=joined)
            )
            if phone:
                customer.identities.append(ChannelIdentity(channel="sms", sender_id=phone, created_at=joined))
            customers.append((customer, name, phone, consents, email, model_name, teen, joined, web_sender))
        self.session.add_all([c[0] for c in customers])
        self.session.flush()
        return [
            _Household(
                customer.id,
                name,
                phone,
                consents,
                email,
                model_name,
                teen,
                joined,
                activity=rng.lognormvariate(0, 0.5),
                base=rng.gauss(-4.0, 0.5),
                web_sender=web_sender,
            )
            for customer, name, phone, consents, email, model_name, teen, joined, web_sender in customers
        ]

    def _vin(self) -> str:
        body = "".join(self.rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(16))
        vin = f"1CV{body[:5]}0{body[5:13]}"
        return vin[:8] + check_digit(vin) + vin[9:]

    # --- a household's year --------------------------------------------------------------------

    def _live(self, h: _Household) -> None:
        rng = self.rng
        week = max(self.start, h.joined)
        index = 0
        while week < self.end:
            index += 1
            for _ in range(_poisson(rng, 0.08 * h.activity)):
                self._question(h, self._moment(week))
            for _ in range(_poisson(rng, 0.3 * h.activity)):
                path = rng.choice(("/", "/service", "/specials", "/clinics", f"/vehicles/{h.model.lower()}"))
                self._event(h, self._moment(week), "web", h.web_sender, "page_view", path)
            if h.email and index % 2 == 0 and rng.random() < min(0.9, 0.3 * h.activity):
                sent = self._moment(week)
                subject = rng.choice(NEWSLETTERS)
                self._event(h, sent, "email", h.email, "email_opened", subject)
                if rng.random() < 0.3:
                    self._event(h, sent + timedelta(minutes=2), "email", h.email, "email_clicked", subject)
            if rng.random() < 0.02 * h.activity:
                self._clinic(h, self._moment(week))
            if rng.random() < 0.005 * h.activity:
                self._handoff(h, self._moment(week))
            if self._books_service(h, week):
                self._service(h, self._moment(week))
            week += timedelta(weeks=1)

    def _books_service(self, h: _Household, week: datetime) -> bool:
        """The built-in effect: clinics, clicked emails and answered questions raise the odds."""
        if h.booked_until is not None and h.booked_until >= week:
            return False
        due = h.last_visit is None or week - h.last_visit > timedelta(weeks=20)
        log_odds = (
            h.base
            + 1.5 * min(h.recent_count("clinic_attended", week), 1)
            + 0.8 * min(h.recent_count("email_clicked", week), 3)
            + 0.2 * min(h.recent_count("answer", week), 5)
            + 0.8 * due
        )
        return self.rng.random() < 1 / (1 + math.exp(-log_odds))

    def _moment(self, week: datetime) -> datetime:
        """A daytime moment (dealership time) in the week, an hour before now at the latest: what
        follows it (an answer, a click, a handoff taken and closed) is over by now too."""
        local = _aware(week).astimezone(self.tz) + timedelta(days=self.rng.randint(0, 6))
        moment = datetime.combine(
            local.date(), time(self.rng.randint(8, 20), self.rng.randint(0, 59)), tzinfo=self.tz
        )
        return min(_naive_utc(moment), self.end - timedelta(hours=1))

    def _event(
        self,
        h: _Household,
        ts: datetime,
        channel: str,
        sender: str,
        action: str | None,
        text: str | None,
        direction: str = "in",
        **extra: Any,
    ) -> None:
        self.events.append(
            {
                "customer_id": h.customer_id,
                "sender_id": sender,
                "ts": ts,
                "channel": channel,
                "direction": direction,
                "text": text,
                "action": action,
                **extra,
            }
        )
        if action and direction == "in":
            h.recent[action].append(ts)

    def _conversation(self, h: _Household) -> tuple[str, str]:
        return (
            ("sms", h.phone)
            if h.phone and h.consents and self.rng.random() < 0.5
            else ("socketio", h.web_sender)
        )

    def _question(self, h: _Household, ts: datetime) -> None:
        channel, sender = self._conversation(h)
        if self.rng.random() < 0.1:
            question = self.rng.choice(GAP_QUESTIONS)
            self._event(h, ts, channel, sender, None, question, intent="ask_vehicle", confidence=0.62)
            self.gaps.append(
                {
                    "customer_id": h.customer_id,
                    "sender_id": sender,
                    "text": question,
                    "outcome": "unknown",
                    "created_at": ts,
                }
            )
            return
        article = self.rng.choice(self.articles)
        self._event(
            h,
            ts,
            channel,
            sender,
            None,
            f"does my {h.model} have {article.title.lower()}?",
            intent="ask_vehicle",
            confidence=0.93,
        )
        self._event(
            h,
            ts + timedelta(seconds=2),
            channel,
            sender,
            "action_answer_question",
            article.direct_answer,
            direction="out",
            topic=article.id,
            model=h.model,
        )
        h.recent["answer"].append(ts)

    def _handoff(self, h: _Household, ts: datetime) -> None:
        channel, sender = self._conversation(h)
        self._event(
            h,
            ts,
            channel,
            sender,
            None,
            "can I talk to a person about a trade-in?",
            intent="human_handoff",
            confidence=0.97,
        )
        taken = ts + timedelta(minutes=self.rng.randint(2, 40))
        self.handoffs.append(
            {
                "customer_id": h.customer_id,
                "sender_id": sender,
                "channel": channel,
                "reason": "asked",
                "message": "can I talk to a person about a trade-in?",
                "status": "closed",
                "created_at": ts,
                "wait_from": ts,
                "taken_by": "Dana (demo)",
                "taken_at": taken,
                "closed_by": "Dana (demo)",
                "closed_at": taken + timedelta(minutes=15),
                "department": "sales",
                "alerts": 1,
            }
        )
        self.summary.handoffs += 1

    def _clinic(self, h: _Household, asked: datetime) -> None:
        clinics = self.schedule.clinics
        wanted = [c for c in ("teen-driver-safety",) if h.teen and c in clinics]
        wanted += [c for c in ("ev-101",) if h.model == "Ion" and c in clinics]
        clinic_id = self.rng.choice(wanted or sorted(clinics))
        clinic = clinics[clinic_id]
        starts = self.clinic_starts[clinic_id]
        party = self.rng.choice((1, 1, 2))
        for start in starts[bisect_left(starts, asked + timedelta(days=2)) :][:4]:
            if self.seats[clinic_id, start] + party <= clinic.seats:
                break
        else:
            return
        status = "confirmed" if start >= self.end else ("attended" if self.rng.random() < 0.8 else "no_show")
        self.seats[clinic_id, start] += party
        booking = self._booking("clinic", h, status, start, start + timedelta(minutes=clinic.minutes), asked)
        booking.party_size = party
        booking.attendees = [{"name": h.name}] * party
        self.bookings.append((booking, h, clinic_id))
        self._booking_talk(h, asked, f"I'd like to book the {clinic.name}", f"clinic:{clinic_id}")
        if status == "attended":
            h.recent["clinic_attended"].append(start)
        self.summary.clinic_seats += party

    def _service(self, h: _Household, asked: datetime) -> None:
        ids = self._services_for(h)
        minutes = self.services.bookings.service_minutes(ids)
        start = self._free_service_start(asked, minutes)
        if start is None:
            return
        roll = self.rng.random()
        if start >= self.end:
            status = "confirmed"
        else:
            status = "attended" if roll < 0.9 else ("no_show" if roll < 0.96 else "cancelled")
        booking = self._booking("service", h, status, start, start + timedelta(minutes=minutes), asked)
        booking.services = ids
        booking.vehicle = {"model": h.model}
        booking.transport = self.rng.choice(("wait", "drop_off"))
        if status in HOLDS_CAPACITY:
            for slot in self._slots(start, minutes):
                self.bays[slot] += 1
        self.bookings.append((booking, h, None))
        h.booked_until = start
        self._booking_talk(h, asked, "I need to book service", "service")
        if status == "attended":
            h.last_visit = start
            self.summary.service_visits += 1

    def _services_for(self, h: _Household) -> list[str]:
        menu, rng = self.schedule.services, self.rng
        if rng.random() < 0.04 and "recall-repair" in menu:
            return ["recall-repair"]  # paid by the manufacturer: worth nothing to the dealership
        first = "ev-battery-health-check" if h.model == "Ion" else "oil-change"
        ids = [first] if first in menu and self.schedule.fits(first, h.model) else []
        for extra, chance in (("tire-rotation", 0.4), ("brake-inspection", 0.1), ("wheel-alignment", 0.05)):
            if extra in menu and rng.random() < chance:
                ids.append(extra)
        return ids or [next(iter(menu))]

    def _free_service_start(self, asked: datetime, minutes: int) -> datetime | None:
        """A start in the service hours of the next two weeks with a bay free throughout."""
        grid = self.schedule.slot_minutes
        for _ in range(20):
            day = (_aware(asked).astimezone(self.tz) + timedelta(days=self.rng.randint(1, 14))).date()
            hours = self.schedule.hours.get(day.weekday())
            if hours is None:
                continue
            opens = datetime.combine(day, hours[0], tzinfo=self.tz)
            latest = datetime.combine(day, hours[1], tzinfo=self.tz) - timedelta(minutes=minutes)
            steps = int((latest - opens).total_seconds() // 60 // grid)
            if steps < 0:
                continue
            start = _naive_utc(opens + timedelta(minutes=grid * self.rng.randint(0, steps)))
            if all(self.bays[slot] < self.schedule.bays for slot in self._slots(start, minutes)):
                return start
        return None

    def _slots(self, start: datetime, minutes: int) -> list[datetime]:
        grid = self.schedule.slot_minutes
        return [start + timedelta(minutes=grid * n) for n in range(math.ceil(minutes / grid))]

    def _booking(
        self, kind: str, h: _Household, status: str, start: datetime, end: datetime, asked: datetime
    ) -> Booking:
        return Booking(
            code=self._code(),
            kind=kind,
            customer_id=h.customer_id,
            status=status,
            starts_at=start,
            ends_at=end,
            party_size=1,
            created_at=asked,
            updated_at=min(end, self.end),
        )

    def _booking_talk(self, h: _Household, ts: datetime, said: str, topic: str) -> None:
        channel, sender = self._conversation(h)
        intent = "book_service" if topic == "service" else "book_clinic"
        self._event(h, ts, channel, sender, None, said, intent=intent, confidence=0.95)
        self._event(
            h,
            ts + timedelta(seconds=2),
            channel,
            sender,
            "utter_service_booked" if topic == "service" else "utter_clinic_booked",
            "You're booked.",
            direction="out",
            topic=topic,
        )

    def _code(self) -> str:
        while True:
            code = "".join(self.rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            if code not in self.codes:
                self.codes.add(code)
                return code

    # --- writing ---------------------------------------------------------------------------------

    def _write(self) -> None:
        session = self.session
        clinic_rows = {
            key: ClinicSession(
                clinic=key[0],
                starts_at=key[1],
                ends_at=key[1] + timedelta(minutes=self.schedule.clinics[key[0]].minutes),
                capacity=self.schedule.clinics[key[0]].seats,
                booked=seats,
            )
            for key, seats in self.seats.items()
        }
        session.add_all(clinic_rows.values())
        session.flush()
        for booking, _, clinic_id in self.bookings:
            if clinic_id:
                booking.clinic_session_id = clinic_rows[clinic_id, booking.starts_at].id
        session.add_all(b for b, _, _ in self.bookings)
        session.flush()
        if self.bays:
            session.execute(
                insert(ServiceSlot),
                [{"starts_at": slot, "bays_used": n} for slot, n in sorted(self.bays.items())],
            )
        reminders = self._reminders()
        if reminders:
            session.execute(insert(OutboxMessage), reminders)
        self.events.sort(key=lambda e: e["ts"])
        session.execute(insert(EngagementEvent), [_event_row(e) for e in self.events])
        if self.handoffs:
            session.execute(insert(HandoffRequest), self.handoffs)
        if self.gaps:
            session.execute(insert(KnowledgeGap), self.gaps)
        interests = self._interests()
        if interests:
            session.execute(insert(Interest), interests)
        self.summary.engagement_events = len(self.events)
        self.summary.reminders = len(reminders)

    def _reminders(self) -> list[dict[str, Any]]:
        """The 24-hour reminder of each booking to a phone that may be texted, sent on time; half
        the customers replied C."""
        dealership = self.services.dealership.name
        rows = []
        for booking, h, clinic_id in self.bookings:
            sent = booking.starts_at - timedelta(hours=24)
            if not (h.phone and h.consents) or booking.status == "cancelled" or sent >= self.end:
                continue
            if self.rng.random() < 0.5:
                booking.confirmed_at = sent + timedelta(hours=1)
            rows.append(
                {
                    "customer_id": h.customer_id,
                    "phone": h.phone,
                    "body": texts.reminder(booking, clinic_id, self.schedule, dealership),
                    "kind": "reminder_24h",
                    "booking_id": booking.id,
                    "status": "sent",
                    "attempts": 1,
                    "created_at": sent,
                    "sent_at": sent,
                    "next_attempt_at": None,
                    "replied_at": booking.confirmed_at,
                }
            )
        self.session.flush()  # the confirmations
        return rows

    def _interests(self) -> list[dict[str, Any]]:
        seen: dict[tuple[int, str], list[datetime]] = defaultdict(list)
        for event in self.events:
            if event["direction"] == "out" and event.get("topic") in self.services.knowledge.base.articles:
                seen[event["customer_id"], event["topic"]].append(event["ts"])
        return [
            {"customer_id": c, "topic": t, "count": len(ts), "first_at": min(ts), "last_at": max(ts)}
            for (c, t), ts in seen.items()
        ]


EVENT_COLUMNS = ("intent", "confidence", "topic", "model")


def _event_row(event: dict[str, Any]) -> dict[str, Any]:
    """Every row with the same keys, as one bulk insert needs."""
    return {**{column: None for column in EVENT_COLUMNS}, **event}


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: plenty for the small weekly means here."""
    limit, product, n = math.exp(-mean), rng.random(), 0
    while product > limit:
        product *= rng.random()
        n += 1
    return n


def _aware(stored: datetime) -> datetime:
    return stored.replace(tzinfo=timezone.utc)


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)
