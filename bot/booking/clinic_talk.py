"""Reading what customers say about clinics while booking one: which clinic (typos too: "tech
clas", "teen drivng class"), which clinic the conversation was just about ("book it" after its
facts), whether a message asks about a clinic rather than books it ("what's the ev 101 class?",
"can my son do the teen clinic?"), what it asks ("what do I bring?", "is it free?", "how long is
it?") and whether it says yes at the confirmation ("confirm", "sounds good", "do it").

Plain functions of the schedule and the text, so the clinic form, the booking-change form and
tests share one reading.
"""

from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher

from bot.booking.schedule import Schedule
from bot.booking.when import mentions_time

# Words shared by clinic names and aliases that say nothing about which clinic is meant.
GENERIC = {
    "clinic", "class", "course", "session", "the", "and", "for", "a", "an", "my", "of", "to", "driver",
    "driving", "drivers", "safety", "new", "car", "check", "vehicle", "installed", "installation",
    "inspection", "101", "workshop", "teens", "owners",
}  # fmt: skip
BOOKING = re.compile(
    r"\b(book|booking|sign(ing)? (me|us|them|him|her|my)|sign (up|on)|signup|register|enrol+|reserve|"
    r"save (me|us) (a|some)|put (me|us|him|her|them) (down|in)|grab (me|us)|get (me|us) (in|a)|"
    r"i'?d like|i want|we want|i wanna|we'?d like|interested in (doing|joining|attending)|"
    r"want to (do|join|attend|come|go)|sign me|sign us|count (me|us) in|add (me|us)|like to (attend|join|do)|"
    r"can (we|i|my \w+ and i|me and my \w+)( both| all)? (do|join|attend|come|go|take|get in))\b",
    re.I,
)
QUESTION_START = re.compile(
    r"^\s*(what|what's|whats|how|when|where|who|which|why|is|are|does|do|can|could|will|would|should|"
    r"tell me|explain|info|details|any info)\b",
    re.I,
)
# What a question about a clinic asks, in the order they're checked.
FACT_KINDS: list[tuple[str, re.Pattern[str]]] = [
    ("bring", re.compile(r"\b(bring|brings|take with|need to have|should i have|wear)\b", re.I)),
    ("cost", re.compile(r"\b(free|cost|costs|price|pay|charge|how much|fee|fees)\b", re.I)),
    ("length", re.compile(r"\bhow long\b|\b(duration|last|lasts|length|minutes|hours?)\b", re.I)),
    (
        "ages",
        re.compile(r"\b(age|ages|old enough|how old|too young|too old|can (my|he|she|they|a|i))\b", re.I),
    ),
    ("where", re.compile(r"\b(where|address|location|located|directions|park|parking)\b", re.I)),
    ("when", re.compile(r"\b(when|what time|which day|what day|date|dates|schedule|start|starts)\b", re.I)),
    ("what", re.compile(r"\b(what|about|cover|covers|learn|teach|involve|happens|details)\b", re.I)),
]
YES_WORDS = re.compile(
    r"^\s*(yes|yeah|yea|yep|yup|ya|y|sure|ok|okay|k|correct|confirm(ed)?|confirmed|right|that'?s right|"
    r"sounds good|sounds great|looks good|looks right|perfect|great|good|fine|do it|go ahead|go for it|"
    r"book it|book that|book us|book me|sign (me|us) up|please do|absolutely|definitely|all good|"
    r"that'?s (it|correct|fine|good|perfect|all)|lets do it|let'?s do it|yes please|please)\b"
    r"[\w\s,.!']*$",
    re.I,
)
NO_WORDS = re.compile(r"^\s*(no|nope|nah|not really|don'?t|do not|cancel|wrong|that'?s wrong)\b", re.I)
# At the session question: take whichever session has room (the first offered).
TAKE_ANY = re.compile(
    r"\b(book it|book that|book me|book us|sign (me|us) up|that works|that one|this one|"
    r"i'?ll take it|whichever|"
    r"has room|is open|any (one|session|time|slot)|first (available|free|open)|sounds good|do it)\b",
    re.I,
)
_WORD = re.compile(r"[a-z0-9]+")


def _names(schedule: Schedule) -> dict[str, tuple[str, ...]]:
    return {c.id: (c.name, *c.aliases) for c in schedule.clinics.values()}


def keywords(schedule: Schedule) -> dict[str, set[str]]:
    """Each clinic's own words: those of its name and aliases that no other clinic uses."""
    words = {
        cid: {w for n in names for w in _WORD.findall(n.lower())} - GENERIC
        for cid, names in _names(schedule).items()
    }
    shared = Counter(w for ws in words.values() for w in ws)
    return {cid: {w for w in ws if shared[w] == 1} for cid, ws in words.items()}


def clinic_named(schedule: Schedule, text: str) -> str | None:
    """The clinic a message names: by name or alias, else by one of its own words, typos
    forgiven ("tech clas", "teeen driving", "winter driving"); None when none or several fit."""
    exact = schedule.clinic_in(text)
    if exact:
        return exact
    said = _WORD.findall(text.lower())
    found = {
        cid
        for cid, own in keywords(schedule).items()
        for token in said
        for word in own
        if token == word or (len(word) >= 4 and len(token) >= 4 and _close(token, word))
    }
    return found.pop() if len(found) == 1 else None


def _close(token: str, word: str) -> bool:
    return SequenceMatcher(None, token, word).ratio() >= 0.8


def clinics_mentioned(schedule: Schedule, text: str) -> set[str]:
    """Every clinic a text (say, a reply of ours) names by its name or an alias."""
    said = f" {' '.join(_WORD.findall(text.lower()))} "
    return {
        cid
        for cid, names in _names(schedule).items()
        if any(f" {' '.join(_WORD.findall(n.lower()))} " in said for n in names)
    }


def without_clinic_names(schedule: Schedule, text: str) -> str:
    """The text with clinic names and aliases taken out, so "the teen clinic" isn't read as a
    teenager coming along."""
    names = sorted({n for ns in _names(schedule).values() for n in ns}, key=len, reverse=True)
    for name in names:
        text = re.sub(rf"\b{re.escape(name)}\b", " ", text, flags=re.I)
    vocabulary = {w for ns in _names(schedule).values() for n in ns for w in _WORD.findall(n.lower())}
    vocabulary |= {"thing", "things", "stuff", "program", "event"}

    def clinic_word(word: str) -> bool:
        low = word.lower()
        return low in vocabulary or len(low) >= 4 and any(len(v) >= 4 and _close(low, v) for v in vocabulary)

    return re.sub(r"[A-Za-z0-9]+", lambda m: " " if clinic_word(m[0]) else m[0], text)


def asks_about_clinic(text: str) -> bool:
    """A question about a clinic rather than a request to book one ("what's the ev 101 class?",
    "can my son do the teen clinic? he's 15", "how long is the tech clinic")."""
    said = text.strip()
    if BOOKING.search(said):
        return False
    if mentions_time(said) and not QUESTION_START.match(said):
        return False  # "car seat check wednesday?": which sessions that day, to book one
    return bool(QUESTION_START.match(said) or "?" in said)


def fact_asked(text: str) -> str | None:
    """What a question about the clinic being booked asks: "bring", "cost", "length", "ages",
    "where", "when" or "what"; None when it isn't such a question."""
    said = text.strip()
    if not (QUESTION_START.match(said) or "?" in said or re.search(r"\b(free|cost|bring)\b", said, re.I)):
        return None
    return next((kind for kind, words in FACT_KINDS if words.search(said)), None)


def says_yes(text: str) -> bool:
    """A yes at a confirmation, as people say it ("confirm", "yep", "sounds good", "do it")."""
    said = text.strip().lower().replace("’", "'")
    return bool(YES_WORDS.match(said)) and not NO_WORDS.match(said)


def says_no(text: str) -> bool:
    return bool(NO_WORDS.match(text.strip().lower().replace("’", "'")))


def takes_any_session(text: str) -> bool:
    """ "book it", "whichever has room", "sign me up" at the session question: the first open one."""
    return bool(TAKE_ANY.search(text))
