"""What the dealership offers, answered from `knowledge/`: clinic facts (what it covers, who it's
for, length, cost, what to bring, the next sessions) and published prices (the service menu's
`price`/`price_from` in schedule.yml, `msrp_from` in lineup.yml).

Every amount comes from those files, with the dealer's note; anything else about money (deals,
out-the-door prices, leases, trade-ins) is for a person, never a figure made up here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.booking.schedule import Clinic, Service
from bot.booking.store import SessionInfo
from bot.knowledge.loader import Lineup

PRICE = re.compile(
    r"\b(prices?|priced|pricing|cost|costs|msrp|sticker|fees?|start(s|ing)? at|expensive|cheap|free)\b"
    r"|\bhow much\b(?! (data|time|weight|room|space|range|power|battery|charge|oil|air|pressure|fuel|gas"
    r"|can|could|will|does it (weigh|tow|hold|pull|take)))"
    r"|\b(do|does|will|would) (you|u|they|y'?all) charge\b|\b(a|the|any|extra) charge (for|to)\b"
    r"|\bcharge for\b|\bwhat do (you|u) charge\b",
    re.I,
)
# "Can you do better on the price?", "any wiggle room": bargaining, always a person's to answer.
NEGOTIATION = re.compile(
    r"\b(negotiat\w*|haggle|haggling|best price|lowest price|bottom line|rock bottom|knock \S+ off"
    r"|price match|match (a|the|their|another) (price|offer|quote)"
    r"|beat (this|that|their|a|the) (price|offer|quote)"
    r"|better (price|deal|offer|number)|discount\w*)\b",
    re.I,
)
# Said right after a price (or with a price word), these are bargaining too.
BARGAIN = re.compile(
    r"\b(do better|wiggle room|(any|some) room|flexib\w+|come down|go lower|go down|lower (it|the price|that)"
    r"|cheaper|work with me|move on (the )?price|(take|knock) (some|a bit|a little|anything) off|budge)\b",
    re.I,
)
CLINIC_WORDS = re.compile(r"\b(clinic|class|course|session|check|inspection|workshop|101)\b", re.I)
SHOWN_SESSIONS = 3


def money(amount: float) -> str:
    """$29.95, $23,450 (cents only when there are some)."""
    return f"${amount:,.2f}" if amount != int(amount) else f"${int(amount):,}"


def service_price(service: Service) -> str | None:
    """ "Tire rotation: $29.95." / "Oil change: from $69.95 (full synthetic ...)." / None."""
    note = f" ({service.price_note})" if service.price_note else ""
    if service.price is not None:
        amount = "free" if service.price == 0 else money(service.price)
        return f"{service.name}: {amount}{note}."
    if service.price_from is not None:
        return f"{service.name}: from {money(service.price_from)}{note}."
    return None


def service_prices(services: Sequence[Service]) -> tuple[str, list[Service]]:
    """The published prices of the services asked about, and which had one (to offer booking)."""
    lines, priced = [], []
    for service in services:
        line = service_price(service)
        if line:
            lines.append(line)
            priced.append(service)
        else:
            lines.append(f"{service.name}: I don't have a published price; our service team quotes it.")
    return "\n".join(lines) + "\n(From our published service prices; taxes extra.)", priced


def model_price(lineup: Lineup, model: str, trim: str | None) -> str:
    """The published starting MSRP of a model (by trim) or one trim, with the dealer's note."""
    spec = lineup.models[model]
    trims = [trim] if trim else list(spec.trims)
    figures = {t: spec.trims[t].msrp_from or spec.msrp_from for t in trims}
    known = {t: v for t, v in figures.items() if v is not None}
    note = f" ({lineup.msrp_note})" if lineup.msrp_note else ""
    name = f"{model} {trim}" if trim else model
    if not known:
        return (
            f"I don't have a published price for the {name}, so I won't guess. "
            "Our sales team can give you one."
        )
    if trim or len(set(known.values())) == 1:
        text = f"The {name} starts at {money(next(iter(known.values())))} MSRP{note}."
    else:
        text = (
            f"Starting MSRP for the {model} by trim: "
            + "; ".join(f"{t} {money(v)}" for t, v in known.items())
            + f"{note}."
        )
    return text + " For an out-the-door price, a deal or financing, our sales team will help."


def clinic_facts(clinic: Clinic, sessions: Sequence[SessionInfo]) -> str:
    """What a customer asking about a clinic wants to know before booking it."""
    length = f"{clinic.minutes} minutes"
    head = f"{clinic.name} ({length}" + (f", {clinic.cost}" if clinic.cost else "") + ")"
    parts = [f"{head}: for {clinic.audience}." if clinic.audience else f"{head}."]
    if clinic.ages:
        parts.append(f"Ages {clinic.ages[0]}-{clinic.ages[1]}.")
    if clinic.covers:
        parts.append(f"It covers {clinic.covers}.")
    if clinic.bring:
        parts.append(f"What to bring: {clinic.bring}.")
    parts.extend(filter(None, (_runs_line(clinic), _sessions_line(sessions))))
    return " ".join(parts)


# What a customer asks about a clinic already named: "how long is it?", "what should we bring?".
CLINIC_ASPECTS = {
    "length": re.compile(r"\bhow long\b|\blength\b|\bminutes\b|\bhours?\b|\blasts?\b|\btakes?\b", re.I),
    "bring": re.compile(r"\bbring\w*\b|\bwear\b|\bprepare\b|\bneed to have\b", re.I),
    "cost": re.compile(r"\bcosts?\b|\bfree\b|\bprices?\b|\bhow much\b|\bcharge\b|\bpay\b|\bfee\b", re.I),
    "audience": re.compile(
        r"\bwho\b|\bages?\b|\bhow old\b|\bkids?\b|\bteens?\b|\bchildren\b|\bparents?\b"
        r"|\bfor (me|us|him|her)\b",
        re.I,
    ),
    "covers": re.compile(
        r"\bcover\w*\b|\blearn\b|\bteach\w*\b|\bwhat happens\b|\bwhat (do|will) (we|you|they|i) do\b"
        r"|\btopics?\b",
        re.I,
    ),
    "sessions": re.compile(
        r"\bwhen\b|\bnext (one|session|class)\b|\bdates?\b|\bwhat time\b|\btimes\b|\bsessions?\b|\bseats?\b"
        r"|\bspots?\b|\bopenings?\b|\bavailab\w*\b|\bwhat days?\b",
        re.I,
    ),
}


def clinic_detail(clinic: Clinic, sessions: Sequence[SessionInfo], text: str) -> str | None:
    """The part of a clinic's facts a follow-up asks about, or None if it asks none of them."""
    asked = [aspect for aspect, words in CLINIC_ASPECTS.items() if words.search(text)]
    if not asked:
        return None
    parts = []
    for aspect in asked:
        if aspect == "length":
            parts.append(f"The {clinic.name} takes {clinic.minutes} minutes.")
        elif aspect == "bring":
            parts.append(
                f"What to bring: {clinic.bring}."
                if clinic.bring
                else f"I don't have a list of what to bring to the {clinic.name}; our team can tell you."
            )
        elif aspect == "cost":
            parts.append(
                f"The {clinic.name} is {clinic.cost}."
                if clinic.cost
                else f"I don't have a price listed for the {clinic.name}; our team can tell you."
            )
        elif aspect == "audience":
            ages = f"ages {clinic.ages[0]}-{clinic.ages[1]}" if clinic.ages else ""
            if clinic.audience:
                extra = f" ({ages})" if ages and ages not in clinic.audience else ""
                parts.append(f"It's for {clinic.audience}{extra}.")
            else:
                parts.append(f"It's for {ages}." if ages else "Our team can tell you who it's for.")
        elif aspect == "covers" and clinic.covers:
            parts.append(f"It covers {clinic.covers}.")
        elif aspect == "sessions":
            parts.extend(filter(None, (_runs_line(clinic), _sessions_line(sessions))))
    return " ".join(parts) if parts else None


def _runs_line(clinic: Clinic) -> str | None:
    return f"It runs {clinic.runs()}." if clinic.rules else None


def _sessions_line(sessions: Sequence[SessionInfo]) -> str:
    open_sessions = [s for s in sessions if s.seats_left > 0][:SHOWN_SESSIONS]
    if open_sessions:
        return (
            "Next sessions: "
            + "; ".join(
                f"{s.starts_at:%a %b %-d, %-I:%M %p} ({s.seats_left} seats left)" for s in open_sessions
            )
            + "."
        )
    if sessions:
        return "The next sessions are full; you can join the waitlist."
    return "There are no sessions in the next three weeks."
