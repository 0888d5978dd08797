"""Who's coming, read as people say it: a table of phrasings, and a property test over generated
sentences (party size and ages as generated; no pronoun or filler word ever becomes a name)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.booking.attendees import (
    FILLER,
    MYSELF,
    PRONOUNS,
    RELATIONS,
    Attendee,
    describe,
    headcount,
    name_the_unnamed,
    parse_attendees,
    unknown_count,
)

ME = (None, None, None)

# message -> everyone coming as (name, relation, age); None for the customer's own relation
TABLE = [
    ("me and Leo, he's 15", [ME, ("Leo", "family", 15)]),
    ("my two kids, 14 and 16", [(None, "child", 14), (None, "child", 16)]),
    ("just my wife and me", [(None, "spouse", None), ME]),
    ("me + my son jake (16)", [ME, ("Jake", "child", 16)]),
    ("Maya 16 and me", [("Maya", "family", 16), ME]),
    ("my daughter, she's fifteen", [(None, "child", 15)]),
    ("2 of us", [ME, (None, "guest", None)]),
    ("me and my husband", [ME, (None, "spouse", None)]),
    ("it's just for my son, 15", [(None, "child", 15)]),
    ("me and my daughter Emma, 15", [ME, ("Emma", "child", 15)]),
    ("me, my wife and our daughter Mia, 15", [ME, (None, "spouse", None), ("Mia", "child", 15)]),
    ("the kids are 14 and 16", [(None, "child", 14), (None, "child", 16)]),
    ("twins, both 15", [(None, "child", 15), (None, "child", 15)]),
    ("Emma and Jack, 15 and 16", [("Emma", "family", 15), ("Jack", "family", 16)]),
    ("it'll be me and my teenager, he is 15", [ME, (None, "child", 15)]),
    ("i will come with my son", [ME, (None, "child", None)]),
    ("the two of us, me and Ava 17", [ME, ("Ava", "family", 17)]),
    ("3 of us", [ME, (None, "guest", None), (None, "guest", None)]),
    ("me, Sam and Alex", [ME, ("Sam", "family", None), ("Alex", "family", None)]),
    ("my 16 year old son and me", [(None, "child", 16), ME]),
    ("me and Will, 16", [ME, ("Will", "family", 16)]),
    ("my son Noah 15 and me", [("Noah", "child", 15), ME]),
    ("just me", [ME]),
    ("only me lol", [ME]),
    ("me n my boy tyler 16", [ME, ("Tyler", "child", 16)]),
    ("mum and me", [(None, "parent", None), ME]),
    ("my 15yo and me", [(None, "child", 15), ME]),
    ("both of us", [ME, (None, "guest", None)]),
    ("me & my gf", [ME, (None, "spouse", None)]),
    ("my sons 15 and 17 and me", [(None, "child", 15), (None, "child", 17), ME]),
    ("just me, I'm 16", [(None, None, 16)]),
    ("ME AND MY DAUGHTER SOPHIA SIXTEEN", [ME, ("Sophia", "child", 16)]),
    ("Me and my 2 daughters (13 & seventeen)", [ME, (None, "child", 13), (None, "child", 17)]),
    ("Liam, who's sixteen, and his dad", [("Liam", "family", 16), (None, "parent", None)]),
    ("O'Brien 15 n me", [("O'Brien", "family", 15), ME]),
]


@pytest.mark.parametrize(("said", "expected"), TABLE, ids=[said for said, _ in TABLE])
def test_attendees_are_read_as_people_say_them(said: str, expected: list[tuple]) -> None:
    assert [(p.name, p.relation, p.age) for p in parse_attendees(said)] == expected


def test_the_customer_is_named_when_we_know_their_name() -> None:
    assert parse_attendees("me and Leo, he's 15", own_name="Dana")[0] == Attendee("Dana", None)


def test_people_without_a_number_are_not_guessed() -> None:
    assert unknown_count("me and the kids") and not unknown_count("me and my two kids")
    assert parse_attendees("thanks!") == [] and parse_attendees("he's 15") == []
    assert parse_attendees("¹") == [] and parse_attendees("me and Leo ¹5")[1].age is None  # not ASCII digits


def test_headcounts() -> None:
    assert [headcount(t) for t in ("a party of 40", "6 of us", "both of us", "four people", "me")] == [
        40,
        6,
        2,
        4,
        None,
    ]


def test_names_given_later_go_to_the_people_said_without_them() -> None:
    kids = parse_attendees("me and my two kids, 14 and 16")
    named = name_the_unnamed(kids, "emma's 16 and jake 14")
    assert [(p.name, p.age) for p in named] == [(None, None), ("Jake", 14), ("Emma", 16)]
    assert [p.name for p in name_the_unnamed(kids, "Jake and Emma")] == [None, "Jake", "Emma"]
    assert name_the_unnamed(kids, "just Jake") is None  # one name for two people: asked again
    assert describe(named) == "you, Jake (14) and Emma (16)"
    assert [p.saved for p in named] == [False, True, True] and not any(p.needs_name for p in named)
    assert describe(kids) == "you, your kid (14) and your kid (16)" and kids[1].needs_name
    assert describe(parse_attendees("4 of us")) == "you and 3 guests"


# --- property: generated sentences --------------------------------------------------------

NOT_NAMES = FILLER | PRONOUNS | MYSELF | set(RELATIONS)
NAME = st.from_regex(r"[A-Z][a-z]{2,8}", fullmatch=True).filter(lambda n: n.lower() not in NOT_NAMES)
AGE = st.integers(min_value=2, max_value=19)
SINGULAR = st.sampled_from(["son", "daughter", "kid", "boy", "girl", "stepson", "nephew", "niece"])
CONNECTOR = st.sampled_from([" and ", ", ", " & ", " + ", " n ", " plus ", " with ", ", and "])
PRONOUN_AGE = st.sampled_from(
    ["{age}", "he's {age}", "she's {age}", "they're {age}", "who is {age}", "age {age}", "{age} yrs old"]
)


@st.composite
def person(draw: st.DrawFn) -> tuple[str, int | None, str | None]:
    """A phrase for one person other than the customer, the age it says, and the name it gives."""
    name = draw(st.one_of(st.none(), NAME))
    age = draw(st.one_of(st.none(), AGE))
    relation = draw(st.one_of(st.none(), SINGULAR)) if name else draw(SINGULAR)
    lowercase = draw(st.booleans())
    said = " ".join(w for w in ("my" if relation else None, relation, name) if w)
    if age is not None:
        shape = draw(st.sampled_from(["inline", "parens", "clause"]))
        if shape == "inline":
            said += f" {age}"
        elif shape == "parens":
            said += f" ({age})"
        else:
            said += ", " + draw(PRONOUN_AGE).format(age=age)
    return (said.lower() if lowercase else said), age, name


@settings(max_examples=300, deadline=None)
@given(
    people=st.lists(person(), min_size=1, max_size=4),
    me=st.sampled_from([None, "me", "myself", "i", "just me"]),
    me_first=st.booleans(),
    connectors=st.lists(CONNECTOR, min_size=5, max_size=5),
)
def test_generated_parties_are_read_back(people, me, me_first, connectors) -> None:
    phrases = [said for said, _, _ in people]
    if me:
        phrases.insert(0 if me_first else len(phrases), me)
    sentence = phrases[0] + "".join(c + p for c, p in zip(connectors, phrases[1:], strict=False))
    read = parse_attendees(sentence)
    others = [p for p in read if p.relation is not None]
    assert len(read) == len(people) + (1 if me else 0), sentence
    assert [p.age for p in others] == [age for _, age, _ in people], sentence
    assert [p.name for p in others] == [n.capitalize() if n else None for _, _, n in people], sentence
    assert not any(p.name and p.name.lower().split("'")[0] in NOT_NAMES for p in read), sentence


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("just me on thursday", [(None, None, None)]),
        ("me and my husband, saturday works", [(None, None, None), (None, "spouse", None)]),
        ("me and Priya, nov 14th at 6pm", [(None, None, None), ("Priya", "family", None)]),
        ("my son Ravi 15 and me, wednesday evening", [("Ravi", "child", 15), (None, None, None)]),
    ],
)
def test_days_dates_and_times_said_with_the_party_are_nobody(said, expected):
    assert [(p.name, p.relation, p.age) for p in parse_attendees(said)] == expected


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("my son Eli is 17 and just started driving", [("Eli", "child", 17)]),
        ("I am 68 and have never driven on snow much", [(None, None, 68)]),
        ("the 5 oclock one", []),
        ("the 4 o'clock one please", []),
        ("whens the next class", []),
        ("my grandson stays with us on weekends", [(None, "grandchild", None)]),
        ("my daughter is 14, can she do the course", [(None, "child", 14)]),
        # ordinary words said as names are names: alone in a list, after a relation, with an age
        ("me and tom", [ME, ("Tom", "family", None)]),
        ("me and my husband raj", [ME, ("Raj", "spouse", None)]),
        ("me and max, he's 15", [ME, ("Max", "family", 15)]),
        ("Lily and Max, 15 and 17", [("Lily", "family", 15), ("Max", "family", 17)]),
        ("me, my wife Grace and our son Miles (16)", [ME, ("Grace", "spouse", None), ("Miles", "child", 16)]),
    ],
)
def test_ordinary_words_are_nobody_unless_said_as_a_name(said, expected):
    """ "Started", "Never Much" and "Oclock (5)" were once booked and saved to households."""
    assert [(p.name, p.relation, p.age) for p in parse_attendees(said)] == expected
