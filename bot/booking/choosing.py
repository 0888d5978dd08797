"""Reading which item of a list a customer means, the way people answer a list in chat or SMS:
"the 2nd one", "last", "the earliest", "whichever", "yes" (when there is only one), and
"never mind, how do I ..." (a stop with a question still to answer).

Shared by the service times offered, the customer's own bookings and the profile's cars, so
every list in the assistant accepts the same answers.
"""

from __future__ import annotations

import re

ORDINAL_WORDS = {
    "first": 0,
    "1st": 0,
    "second": 1,
    "2nd": 1,
    "third": 2,
    "3rd": 2,
    "fourth": 3,
    "4th": 3,
    "fifth": 4,
    "5th": 4,
}
# "Any of them": the first one on the list, which is always the soonest.
ANY_OF_THEM = re.compile(
    r"\b(earliest|soonest|first (available|free|open)|next (available|free|open)|whichever|whatever"
    r"|any( one| of (them|those|these)| is (fine|ok|good))?|either( one)?|doesn'?t matter|don'?t (mind|care)"
    r"|you (pick|choose)|up to you|asap|as soon as possible)\b",
    re.I,
)
YES = re.compile(
    r"^\s*(y|ya|yes|yeah|yea|yep|yup|sure|ok|okay|k|correct|right|that'?s (it|the one|right)|that one"
    r"|this one)\b[\s!.,]*(please|pls|plz|thanks|thx|that'?s (it|the one|right)|that one)?[\s!.]*$",
    re.I,
)
STOP_THEN_MORE = re.compile(
    r"^\s*(?:oh\s+|ok\s+|okay\s+|actually\s+|hmm+\s+|no\s+|nah\s+|wait\s+)?"
    r"(?:(?:never\s*mind|nvm)(?:\s+(?:that|this|it|the booking|the appointment))?"
    r"|forget (?:it|that|about it)|scrap that|cancel that)\b"
    r"[\s,.;:!\-\u2013\u2014]*(?:and\s+|but\s+|instead\s+|just\s+)?(.*)$",
    re.I | re.S,
)
NUMBERED = re.compile(
    r"^\s*(?:the\s+)?(?:option|number|no\.?|#)?\s*(\d)\s*(?:st|nd|rd|th)?\s*(?:one|option)?[\s.!]*$", re.I
)


def position_in(text: str, count: int) -> int | None:
    """The position (0-based) a short answer picks from a list of `count`: "second", "2nd one",
    "#2", "option 3", "the last one", "the earliest", "whichever", or "yes" when there is one item.
    None when the answer names no position (or one past the end)."""
    said = text.lower().strip()
    if not said or count == 0:
        return None
    words = re.findall(r"[a-z0-9']+", said)
    named = {ORDINAL_WORDS[w] for w in words if w in ORDINAL_WORDS}
    if re.search(r"\b(last|latest|latter|final)\b", said) and len(words) <= 6:
        named.add(count - 1)
    number = NUMBERED.match(said)
    if number:
        named.add(int(number[1]) - 1)
    if not named and (ANY_OF_THEM.search(said) or (count == 1 and YES.match(said))):
        named.add(0)
    if len(named) != 1:
        return None
    index = named.pop()
    return index if 0 <= index < count else None


def is_yes(text: str) -> bool:
    """A plain yes ("yep", "that one", "ok thanks")."""
    return bool(YES.match(text))


def question_after_stop(text: str) -> str | None:
    """What follows "never mind" / "forget it" in the same message, if it's more than a word or
    two ("never mind, how do I pair my phone?" -> "how do I pair my phone?")."""
    found = STOP_THEN_MORE.match(text)
    if not found:
        return None
    rest = found[1].strip()
    return rest if len(re.findall(r"[A-Za-z0-9']+", rest)) >= 3 else None
