"""Reading a booking conversation's free-text replies the way people write them: how they'll get
around while the car is in ("ill wait", "need a loaner", "can I get the shuttle"), and whether a
message is a question on the side ("what time do you close on saturday?") rather than an answer.

Plain rules, not the classifier: the same message must be read the same way at every question,
and "wait, make it thursday" is not an answer to how they'll get around.
"""

from __future__ import annotations

import re

# How each way of getting around is said back (confirmations, CRM leads).
TRANSPORT_WORDS = {"loaner": "a loaner car", "shuttle": "a shuttle ride", "wait": "waiting at the dealership"}
_NEGATION = re.compile(r"\b(no|not|don'?t|dont|without|never|nah)\b(\s+\w+){0,2}\s*$")
# Said anywhere in any message, these answer the transport question.
_TRANSPORT = {
    "loaner": re.compile(
        r"\b(loaners?|loaner cars?|courtesy cars?|rentals?|rental cars?|borrow a car|another car"
        r"|car to drive|replacement car|spare car)\b"
    ),
    "shuttle": re.compile(
        r"\b(shuttle|shuttles|a ride( home| back| to work)?|ride home|drop me( off)?|drive me|give me a lift"
        r"|a lift)\b"
    ),
    "wait": re.compile(
        r"\b((i'?ll|ill|i will|i can|i'd|id|i would|i'm going to|im going to|i'm gonna|im gonna|gonna"
        r"|will|happy to|can|i'll just|ill just|i will just|just)\s+(wait|stay|hang out|hang around)"
        r"|wait(ing)? (for it|for the car|there|on it|around|in the lounge"
        r"|at the (dealer|dealership|shop|store))"
        r"|in the (lounge|waiting room|waiting area)|i'?ll be waiting|stay and wait"
        r"|no need for a (loaner|ride))\b"
    ),
}
# Only as the answer to the transport question: "wait", "lounge", "ride", "stay".
_TRANSPORT_WHEN_ASKED = {
    "loaner": re.compile(r"\b(loaner|courtesy|rental|borrow)\b"),
    "shuttle": re.compile(r"\b(ride|lift)\b"),
    "wait": re.compile(r"\b(wait|waiting|stay|lounge|hang out)\b"),
}
_FILLER_WAIT = re.compile(
    r"^\s*(oh\s+)?wait\s*[,.!:;\-\u2013\u2014]+\s*(?=\S)|^\s*wait\s+(a\s+(sec|second|minute)|actually)\b"
)


def transport_in(text: str, asked: bool = False) -> str | None:
    """ "loaner", "shuttle" or "wait" if the message says how the customer gets around, else None.
    `asked`: it answers the transport question, so a bare "wait" or "a ride" counts too. A
    negated choice ("no loaner needed, I'll wait") doesn't count; the first one said that isn't
    negated wins."""
    said = " ".join(text.lower().replace("’", "'").split())
    said = _FILLER_WAIT.sub(" ", said)  # "wait, make it thursday" is no answer
    found: list[tuple[int, str]] = []
    for patterns in (_TRANSPORT, _TRANSPORT_WHEN_ASKED) if asked else (_TRANSPORT,):
        for choice, pattern in patterns.items():
            for match in pattern.finditer(said):
                if not _NEGATION.search(said[: match.start()]):
                    found.append((match.start(), choice))
                    break
    return min(found)[1] if found else None


_OPENERS = (
    r"^\s*(?:(?:oh|ok|okay|also|and|btw|by the way|quick question|one more thing|sorry|hey|hi|um+|uh+|hmm+"
    r"|wait|actually|oh wait|hold on|real quick)"
    r"[\s,.:;!-]+)*"
)
_WH = re.compile(_OPENERS + r"(what|what's|whats|when|where|where's|wheres|how|how's|why|who|which|whose)\b")
_AUX = re.compile(
    _OPENERS + r"(do|does|did|is|are|was|were|will|would|could|can|should|have|has|may|might)\s+(\w+)\b"
)
# Questions that are really answers: proposing a time or asking for one's own choice.
_PROPOSAL = re.compile(
    r"^\W*(?:\w+\W+){0,3}?(how about|what about|what if|how's|hows)\b"
    r"|\b(can|could|may|might)\s+(i|we)\b|\b(can|could|would)\s+you\s+(do|fit|squeeze|take|book|get|put|make|schedule|give|look)\b"
    r"|\b(do|does|have|has)\s+(you|u)\s+(have|got)\s+(anything|any(thing)?\s*(time|times|slots?|openings?|availability|room|space)"
    r"|something|room|space|openings?|time|availability)\b"
    r"|^which\b.*\b(earliest|soonest|first|latest|last|best)\b"
    r"|\b(is|are|does|would|will)\s+.{0,30}"
    r"\b(free|available|open for|ok|okay|possible|work|works|fine)\s*\??\s*$"
)


def is_side_question(text: str) -> bool:
    """Whether a message asks something on the side ("do you have loaner cars?", "what time do you
    close on saturday?", "does the Tessa have heated seats?") rather than answering: a question
    by its form, that isn't proposing or asking for something being booked ("can I get the
    shuttle?", "how about friday?", "do you have anything saturday?", "is 10 free?")."""
    said = " ".join(text.lower().replace("’", "'").split())
    if not said or _PROPOSAL.search(said):
        return False
    if _WH.match(said):
        return True
    aux = _AUX.match(said)
    return bool(aux) and aux[2] in {
        "you",
        "u",
        "the",
        "there",
        "it",
        "your",
        "a",
        "an",
        "they",
        "i",
        "my",
        "we",
        "this",
        "that",
        "these",
        "those",
        "any",
    }
