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
    open_sessions = [s for s in sessions if s.seats_left > 0][:SHOWN_SESSIONS]
    if open_sessions:
        parts.append(
            "Next sessions: "
            + "; ".join(
                f"{s.starts_at:%a %b %-d, %-I:%M %p} ({s.seats_left} seats left)" for s in open_sessions
            )
            + "."
        )
    elif sessions:
        parts.append("The next sessions are full; you can join the waitlist.")
    else:
        parts.append("There are no sessions in the next three weeks.")
    return " ".join(parts)
