"""Reading who is coming to a clinic from what a customer types ("me and Leo, he's 15").

People say it every way: "me + my son jake (16)", "my two kids, 14 and 16", "just my wife and
me", "2 of us", "my daughter, she's fifteen". The message is split into parts at commas and
joining words; each part is the customer ("me"), people (a relation, a name, an age, a count:
"my two kids"), a headcount ("3 of us") or ages alone ("he's 15", "14 and 16"), which belong to
the people just before them who have none yet. A word only becomes a name when it is no pronoun,
relation, number or filler, so nobody called "He's" is ever booked or saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.knowledge.language import is_english, is_inflected

# What a relation word says about the person (the household's `relation`), singular and plural.
RELATIONS = {
    **dict.fromkeys(
        "son daughter kid child teen teenager boy girl stepson stepdaughter youngest oldest eldest".split(),
        "child",
    ),
    **dict.fromkeys(
        "wife husband hubby partner spouse fiance fiancee girlfriend boyfriend gf bf".split(), "spouse"
    ),
    **dict.fromkeys("mom mum mother dad father stepmom stepdad".split(), "parent"),
    **dict.fromkeys("grandma grandpa grandmother grandfather granny nana".split(), "grandparent"),
    **dict.fromkeys("brother sister sibling".split(), "sibling"),
    **dict.fromkeys("grandson granddaughter grandkid grandchild".split(), "grandchild"),
    **dict.fromkeys("nephew niece cousin".split(), "relative"),
    **dict.fromkeys("friend neighbor neighbour".split(), "friend"),
}
PLURALS = {
    **{word + "s": word for word in RELATIONS if word not in ("child", "grandchild")},
    "children": "child",
    "grandchildren": "grandchild",
    "twins": "kid",
}
# Relations that go into the household (a friend or a neighbour doesn't).
HOUSEHOLD = {"child", "spouse", "parent", "grandparent", "sibling", "grandchild", "relative", "family"}
GUEST = "guest"  # someone counted ("3 of us") but not described: booked, never saved
MYSELF = {"me", "myself", "i", "im", "i'm", "i'll", "ill", "i'd", "mine"}
PRONOUNS = {
    "he", "she", "they", "him", "her", "them", "his", "hers", "their", "theirs", "it", "its", "we", "us",
    "you", "your", "yours", "our", "ours", "my", "who", "whom", "whose", "that", "this", "these", "those",
    "both", "all", "each", "everyone", "everybody", "somebody", "someone", "one", "ones",
}  # fmt: skip
FILLER = {
    "a", "an", "the", "is", "are", "am", "be", "was", "were", "been", "being", "will", "would", "can",
    "could", "shall", "should", "may", "might", "must", "do", "does", "did", "have", "has", "had", "get",
    "got", "gonna", "wanna", "just", "only", "also", "too", "as", "well", "so", "then", "than", "there",
    "here", "for", "of", "to", "in", "on", "at", "by", "from", "into", "up", "out", "about", "around",
    "with", "without", "and", "or", "but", "plus", "n", "not", "no", "yes", "yeah", "yep", "yup", "ok",
    "okay", "sure", "please", "pls", "plz", "thanks", "thank", "thx", "ty", "hi", "hey", "hello", "lol",
    "um", "uh", "oh", "like", "coming", "come", "comes", "bringing", "bring", "going", "go", "goes",
    "attending", "attend", "joining", "join", "sign", "signing", "signed", "book", "booking", "register",
    "want", "wants", "need", "needs", "love", "let", "lets", "take", "taking", "tagging",
    "tag", "along", "alone", "myself", "solo", "together", "again", "year", "years", "yr", "yrs",
    "yo", "y", "o", "old", "age", "ages", "aged", "turning", "turns", "turned", "almost", "nearly",
    "roughly", "soon", "who's", "whos", "that's", "thats", "it's", "it'll", "itll",
    "there's", "theres", "he's", "hes", "she's", "shes", "they're", "theyre", "we're", "we'll",
    "u", "ur", "r", "dear", "little", "lil", "big", "older", "younger", "oldest", "new", "driver",
    "drivers", "driving", "learner", "learners", "permit", "license", "licence", "class", "clinic",
    "session", "seat", "seats", "spot", "spots", "place", "places", "person", "people", "persons",
    "adult", "adults", "guest", "guests", "family", "whole", "party", "group", "total", "us", "other",
    "others", "half", "who", "what", "which", "when", "where", "how", "if", "now", "today", "tomorrow",
    "nope", "none", "nobody", "anyone", "anybody", "kids", "each", "same", "name", "names", "named",
    "called", "cool", "great", "awesome", "right", "correct", "first", "second", "third", "last",
    "earliest", "confirm", "sounds", "good", "fine", "perfect", "exactly", "yea", "ya", "yah", "ive",
    "i've", "said", "already", "told", "mentioned", "both", "them", "one", "actually", "oops", "sorry",
    "instead", "wait", "hmm", "hm", "ah", "er", "alright", "work", "works", "suits", "suit", "best",
    "available", "free", "open", "either", "any", "anytime", "time", "times", "day", "days",
    "oclock", "o'clock", "whens", "when's", "teh", "thw", "adn", "nad", "fo", "ot", "wiht", "wit",
}  # fmt: skip
# A word that is also a common first name counts as one when written with a capital mid-message.
NAME_WORDS = {"will", "may", "sunny", "dawn", "hope", "joy", "grace", "faith", "art", "bill", "rose"}
NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "couple": 2, "pair": 2,
}  # fmt: skip
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
_COMPOUND = re.compile(rf"\b({_TENS})[\s-]({'|'.join(_UNITS)})\b", re.I)
_NUMBER_WORD = re.compile(rf"\b({'|'.join(NUMBER_WORDS)})\b", re.I)
_SPLIT = re.compile(
    r"[,;:/()\[\]]|\s-\s|\band\b|&|\+|\bplus\b|\bwith\b|\balso\b|\bn\b|\bas well as\b|\balong with\b", re.I
)
_TOKEN = re.compile(r"[0-9]+|[^\W\d_][\w'’-]*")  # ASCII digits only: "¹" is no age
_AGED = re.compile(r"^([0-9]{1,2})(?:yo|y/?o|yrs?|years?)?$", re.I)
_AGE_AFTER = {"year", "years", "yr", "yrs", "yo", "y"}
_HEADCOUNT = re.compile(
    r"\b(?:party|group|family|team|class|total) of (\d+)\b"
    r"|\b(\d+) (?:of us|people|persons|adults|guests|seats|spots|places|in total|total)\b"
    r"|\bus (\d+)\b",
    re.I,
)
_BOTH_OF_US = re.compile(r"\bboth of us\b|\bthe two of us\b|\bus two\b", re.I)


@dataclass(frozen=True)
class Attendee:
    """One person coming. `relation` None is the customer; `name` None is someone described but not
    named ("my son"), whom `label` describes instead."""

    name: str | None
    relation: str | None = None
    age: int | None = None
    said_as: str | None = None  # the relation word the customer used ("son"), for the summary

    def label(self, own: str = "you") -> str:
        who = self.name or (own if self.relation is None else "a guest" if self.relation == GUEST else "")
        who = who or f"your {self.said_as or self.relation}"
        return who + (f" ({self.age})" if self.age is not None else "")

    @property
    def saved(self) -> bool:
        """Whether this person goes into the customer's household (named family only)."""
        return self.name is not None and self.relation in HOUSEHOLD

    @property
    def needs_name(self) -> bool:
        """Family described but not named: they're saved only once we know their name."""
        return self.name is None and self.relation in HOUSEHOLD


@dataclass
class _Group:
    """The people one part of the message introduced ("my two kids" is one group of two)."""

    people: list[Attendee]
    open_count: bool = False  # "the kids": as many as the ages that follow say


def _numbers_as_digits(text: str) -> str:
    text = _COMPOUND.sub(lambda m: str(NUMBER_WORDS[m[1].lower()] + _UNITS[m[2].lower()]), text)
    return _NUMBER_WORD.sub(lambda m: str(NUMBER_WORDS[m[1].lower()]), text)


def _is_name(word: str, first_in_message: bool, said_as_name: bool) -> bool:
    """Whether `word` names a person. An ordinary English word ("started", "course", "snow")
    only does where it is said as a name: written with a capital mid-message ("Lily"), right
    after a relation ("my husband tom"), or with an age ("max, 15"), so that "my son just
    started driving" or "the 5 o'clock one" never puts a "Started" or an "Oclock" on a booking."""
    low = word.lower().replace("’", "'")
    contraction = re.fullmatch(r"([a-z]+)'(s|re|ll|m|d|ve|t)", low)  # "he's", "it'll", "Jake's"
    base = contraction[1] if contraction else low
    if base in MYSELF or base in PRONOUNS or low in RELATIONS or low in PLURALS or low in NUMBER_WORDS:
        return False
    capitalised_mid_message = word[:1].isupper() and not first_in_message
    if low in FILLER or base in FILLER:
        return capitalised_mid_message and low in NAME_WORDS
    letters = re.sub(r"['-]", "", base)
    if len(letters) <= 1 or not letters.isalpha():
        return False
    if is_inflected(base):  # "stays", "started": a name only as one ("my son Miles")
        return capitalised_mid_message and said_as_name
    return not is_english(base) or capitalised_mid_message or said_as_name


def said_as_name(tokens: list[str], position: int) -> bool:
    """Alone in its part ("me and tom"), right after a relation word ("my son max"), or in a
    part that gives an age ("max, 15")."""
    before = tokens[position - 1].lower() if position else ""
    return len(tokens) == 1 or before in RELATIONS or before in PLURALS or any(_AGED.match(t) for t in tokens)


def _tidy(name: str) -> str:
    """ "jake's" and "JAKE" are Jake; a name typed with its own capitals ("McKenzie") is kept."""
    name = re.sub(r"['’]s$", "", name)
    return "-".join(
        piece.capitalize() if piece.isupper() or piece.islower() else piece for piece in name.split("-")
    )


def parse_attendees(text: str, own_name: str | None = None) -> list[Attendee]:
    """Everyone coming, in the order said (the customer is the one with relation None). Empty if
    the message names nobody; see `unknown_count` for "the kids" with no number or ages."""
    return _parse(text, own_name)[0]


def unknown_count(text: str) -> bool:
    """Whether the message mentions people without saying how many ("me and the kids")."""
    return _parse(text, None)[1]


def _waiting(groups: list[_Group]) -> list[tuple[_Group, int]]:
    """Who an age said on its own may belong to: the others without one, else the customer."""
    ageless = [(g, i) for g in groups for i, p in enumerate(g.people) if p.age is None]
    return [(g, i) for g, i in ageless if g.people[i].relation] or ageless


# When, not who: days, dates and times said with the party ("me and my wife on saturday", "just
# me, dec 5th at 6pm") must not become people named Saturday or "December Th" aged 5.
_WHEN = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|weds|thu|thur|thurs"
    r"|fri|sat|sun)s?\b"
    r"|\b(?:january|february|march|april|june|july|august|september|october|november|december|jan|feb|mar"
    r"|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?\s*\d{1,2}(?:st|nd|rd|th)?\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)\b|\b\d{1,2}(?::\d\d)?\s*(?:am|pm|a\.m\.|p\.m\.|o'?\s?clock)|\b\d{1,2}:\d\d\b"
    r"|\b(?:morning|afternoon|evening|tonight|weekend|noon)s?\b",
    re.IGNORECASE,
)


def _parse(text: str, own_name: str | None) -> tuple[list[Attendee], bool]:
    text = _WHEN.sub(" ", _numbers_as_digits(text or ""))
    groups: list[_Group] = []
    total = None
    ages_run: list[int] = []
    first_word = True
    clause = ""  # the last part that gave ages alone ("both 15")

    def settle_ages() -> None:
        """Ages said on their own go, in order, to the last people still without one."""
        if not ages_run:
            return
        waiting = _waiting(groups)
        if len(waiting) < len(ages_run) and groups and groups[-1].open_count:
            growing = groups[-1]
            for _ in range(len(ages_run) - len(waiting)):
                growing.people.append(replace(growing.people[-1], age=None))
            waiting = _waiting(groups)
        if len(ages_run) == 1 and len(waiting) > 1 and re.search(r"\b(both|all|each)\b", clause):
            targets = waiting
            ages = ages_run * len(waiting)
        else:
            targets = waiting[-len(ages_run) :] if waiting else []
            ages = ages_run[-len(targets) :] if targets else []
        for (group, index), age in zip(targets, ages, strict=True):
            group.people[index] = replace(group.people[index], age=age)
        for group in groups:
            group.open_count = False
        ages_run.clear()

    for part in _SPLIT.split(text):
        part = part.strip(" .!?\"'")
        if not part:
            continue
        headcount_match = _HEADCOUNT.search(part)
        if headcount_match:
            total = int(next(g for g in headcount_match.groups() if g))
            part = part[: headcount_match.start()] + " " + part[headcount_match.end() :]
        elif _BOTH_OF_US.search(part):
            total = 2
            part = _BOTH_OF_US.sub(" ", part)
        tokens = _TOKEN.findall(part)
        me = False
        relation = said_as = None
        count: int | None = None
        open_count = False
        names: list[str] = []
        ages: list[int] = []
        for position, token in enumerate(tokens):
            low = token.lower().replace("’", "'")
            following = tokens[position + 1].lower() if position + 1 < len(tokens) else ""
            aged = _AGED.match(token)
            if aged or token.isascii() and token.isdigit():
                number = int(aged[1] if aged else token)
                singular = PLURALS.get(following) or (following if following in RELATIONS else None)
                if following in PLURALS and following not in _AGE_AFTER and 1 < number <= 20:
                    count = number  # "2 kids", "my 3 daughters"
                elif 1 <= number <= 99 and not (singular and number > 20):
                    ages.append(number)
            elif low in MYSELF:
                me = True
            elif low in RELATIONS and relation is None:
                relation, said_as = RELATIONS[low], low
            elif low in PLURALS and relation is None:
                relation, said_as = RELATIONS[PLURALS[low]], PLURALS[low]
                open_count = count is None
                count = count or (2 if low == "twins" else None)
            elif _is_name(token, first_word and position == 0, said_as_name(tokens, position)):
                names.append(token)
        first_word = False
        if ages and not me and relation is None and not names and re.search(r"\b(my|our)\b", part, re.I):
            relation = "child"  # "my 15yo": someone's child, by their age
        if not me and relation is None and not names:
            if ages:
                clause = part.lower()
                ages_run.extend(ages)
            continue
        settle_ages()
        if me:  # "I'm 16": the customer's own age, when the part is about nobody else
            own_age = ages[0] if ages and relation is None and not names else None
            known = next((g for g in groups if g.people[0].relation is None), None)
            if known is None:
                groups.append(_Group([Attendee(own_name or None, None, own_age)]))
            elif own_age is not None:
                known.people[0] = replace(known.people[0], age=own_age)
        if relation is not None or names:
            if names:
                name = " ".join(_tidy(n) for n in names[:2])
                people = [Attendee(name, relation or "family", ages[0] if ages else None, said_as)]
            elif count:
                people = [Attendee(None, relation, None, said_as) for _ in range(count)]
                for index, age in enumerate(ages[:count]):
                    people[index] = replace(people[index], age=age)
            elif open_count:
                people = [Attendee(None, relation, age, said_as) for age in ages] or [
                    Attendee(None, relation, None, said_as)
                ]
            else:
                people = [Attendee(None, relation, ages[0] if ages else None, said_as)]
            groups.append(_Group(people, open_count=open_count))
    settle_ages()
    people = [p for g in groups for p in g.people]
    unclear = any(g.open_count and all(p.age is None for p in g.people) for g in groups)
    if total and total > len(people):
        if not any(p.relation is None for p in people):
            people.insert(0, Attendee(own_name or None, None))
        people += [Attendee(None, GUEST) for _ in range(total - len(people))]
    return people, unclear


def headcount(text: str) -> int | None:
    """A number of people said outright ("a party of 40", "6 of us"), which names don't tell."""
    text = _numbers_as_digits(text or "")
    if _BOTH_OF_US.search(text):
        return 2
    found = _HEADCOUNT.search(text)
    return int(next(g for g in found.groups() if g)) if found else None


def as_records(people: list[Attendee]) -> list[dict[str, object]]:
    """The party as stored on the booking (and carried in the conversation between turns)."""
    return [{"name": p.name, "relation": p.relation, "age": p.age, "said_as": p.said_as} for p in people]


def from_records(records: list[dict[str, object]]) -> list[Attendee]:
    return [
        Attendee(
            r.get("name") or None,  # type: ignore[arg-type]
            r.get("relation") or None,  # type: ignore[arg-type]
            r.get("age") if isinstance(r.get("age"), int) else None,  # type: ignore[arg-type]
            r.get("said_as") or None,  # type: ignore[arg-type]
        )
        for r in records
    ]


def describe(people: list[Attendee]) -> str:
    """ "you and Leo (15)", "you, your son (15) and 2 guests": who is coming, as the summary says it."""
    guests = sum(p.relation == GUEST for p in people)
    labels = [p.label() for p in people if p.relation != GUEST]
    labels += ["a guest"] if guests == 1 else [f"{guests} guests"] if guests else []
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def name_the_unnamed(people: list[Attendee], text: str) -> list[Attendee] | None:
    """The party with the names just given to those who had none ("Jake and Emma", "jake's 14,
    emma 16"); None unless there is exactly one name for each of them. Given ages pair names
    with the right person; otherwise names go in the order the people were said."""
    given = [p for p in parse_attendees(text) if p.name]
    unnamed = [i for i, p in enumerate(people) if p.needs_name]
    if not unnamed or len(given) != len(unnamed):
        return None
    named = list(people)
    left = list(given)
    for index in unnamed:
        person = people[index]
        match = next((g for g in left if person.age is not None and g.age == person.age), left[0])
        left.remove(match)
        age = person.age if person.age is not None else match.age
        named[index] = replace(person, name=match.name, age=age)
    return named


_BARE_AGE = re.compile(r"\b([0-9]{1,2})\b")


def complete(heard: list[Attendee], text: str, own_name: str | None = None) -> list[Attendee]:
    """The party said so far (`heard`) with what the latest answer adds: a restatement with the
    customer in it replaces it ("me and my daughter Emma, 15"); names and ages fill in the people
    described before ("Ava, she's 17" for "my daughter"; "Noah is the 15 year old and Emma is 17"
    for "my two kids, 15 and 17"; "her name's Dana" for "my wife"); ages alone go to those without
    one ("she's 15"); anyone else said is added. Empty when the answer adds nothing."""
    now = parse_attendees(text, own_name)
    if not heard or any(p.relation is None for p in now):
        return now
    if not now:
        ages = [int(a) for a in _BARE_AGE.findall(_numbers_as_digits(text)) if 0 < int(a) < 100]
        waiting = [i for i, p in enumerate(heard) if p.age is None and p.relation is not None] or [
            i for i, p in enumerate(heard) if p.age is None
        ]
        if not ages or len(ages) > len(waiting):
            return []
        party = list(heard)
        for index, age in zip(waiting, ages):  # noqa: B905 - fewer ages than people is fine
            party[index] = replace(party[index], age=age)
        return party
    ages = [int(a) for a in _BARE_AGE.findall(_numbers_as_digits(text))]
    if len(now) == 1 and now[0].age is None and len(ages) == 1:
        now = [replace(now[0], age=ages[0])]  # "she's 17, her name is Ava"
    named = name_the_unnamed(heard, text) if len(now) == sum(p.needs_name for p in heard) else None
    if named is not None:
        return [
            replace(p, age=now[0].age) if len(now) == 1 and p.name == now[0].name and p.age is None else p
            for p in named
        ]
    party = list(heard)
    for person in now:
        index = _fits(party, person)
        if index is None:
            party.append(person)
            continue
        before = party[index]
        party[index] = replace(
            before,
            name=person.name or before.name,
            age=before.age if before.age is not None else person.age,
            relation=before.relation if person.relation in ("family", None) else person.relation,
            said_as=before.said_as or person.said_as,
        )
    return party


def _fits(party: list[Attendee], person: Attendee) -> int | None:
    """Which earlier-described, unnamed person a newly named one is: the same relation (or none
    said), an age that doesn't contradict; the exact age first."""
    candidates = [
        i
        for i, p in enumerate(party)
        if p.relation is not None
        and p.name is None
        and (person.relation in ("family", p.relation) or p.relation == GUEST)
        and (person.age is None or p.age is None or p.age == person.age)
    ]
    exact = [i for i in candidates if person.age is not None and party[i].age == person.age]
    return (exact or candidates or [None])[0]
