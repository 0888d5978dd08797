"""Reading who is coming to a clinic from what a customer types ("me and my daughter Emma, 15")."""

from __future__ import annotations

import re
from dataclasses import dataclass

RELATIONS = {
    "daughter": "child", "son": "child", "kid": "child", "child": "child", "teen": "child", "boy": "child",
    "girl": "child", "wife": "spouse", "husband": "spouse", "partner": "spouse", "spouse": "spouse",
    "mom": "parent", "mother": "parent", "dad": "parent", "father": "parent", "friend": "friend",
}  # fmt: skip
MYSELF = {"me", "myself", "i", "i'll", "me too", "just me", "myself too"}
_SPLIT = re.compile(r",|\band\b|&|\+|\bplus\b|\bwith\b", re.I)
_AGE = re.compile(r"\b(\d{1,2})\b")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_HEADCOUNT = re.compile(
    r"\b(?:party|group|family|team|class) of (\d+)\b"
    r"|\b(\d+) (?:of us|people|persons|adults|kids|guests|seats)\b",
    re.I,
)
_FILLER = {
    "my",
    "our",
    "the",
    "a",
    "is",
    "who",
    "she",
    "he",
    "s",
    "years",
    "year",
    "old",
    "yo",
    "age",
    "aged",
    "just",
}


@dataclass(frozen=True)
class Attendee:
    name: str
    relation: str | None = None  # None: the customer themself
    age: int | None = None


def parse_attendees(text: str, own_name: str | None = None) -> list[Attendee]:
    """One attendee per comma/"and"-separated part; "me" is the customer. Empty if unreadable."""
    attendees = []
    for part in _SPLIT.split(text or ""):
        part = part.strip(" .!?")
        if not part:
            continue
        if part.lower() in MYSELF:
            attendees.append(Attendee(own_name or "You"))
            continue
        ages = [int(a) for a in _AGE.findall(part) if 1 <= int(a) <= 99]
        words = _WORD.findall(part)
        relation = next((RELATIONS[w.lower()] for w in words if w.lower() in RELATIONS), None)
        names = [
            w
            for w in words
            if w.lower() not in RELATIONS and w.lower() not in _FILLER and w.lower() not in MYSELF
        ]
        if not names and relation is None:
            if ages and attendees and attendees[-1].age is None:  # "Emma, 15": the age of the one before
                attendees[-1] = Attendee(attendees[-1].name, attendees[-1].relation, ages[0])
            continue
        name = " ".join(n[:1].upper() + n[1:] for n in names[:2]) or next(
            w for w in words if w.lower() in RELATIONS
        )
        attendees.append(Attendee(name, relation or "family", ages[0] if ages else None))
    return attendees


def headcount(text: str) -> int | None:
    """A number of people said outright ("a party of 40", "6 of us"), which names don't tell."""
    found = _HEADCOUNT.search(text or "")
    return int(found[1] or found[2]) if found else None
