"""Every response a custom action says is in domain.yml, with every value its text needs passed
by the action: a dealer edits the wording there, and a response missing (or a value not passed)
would otherwise only show as a silent or half-filled reply in a live conversation.

Read from the code itself (actions/ and bot/), so a new `utter_message(response=...)` is checked
without listing it here."""

from __future__ import annotations

import ast
import re

import pytest

from actions.booking_changes import ValidateBookingChangeForm
from actions.clinics import ValidateClinicForm
from actions.contact import ValidateContactForm
from actions.service import ValidateServiceForm
from bot import config
from tests.replies import responses

ROOT = config.PROJECT_ROOT
CODE = sorted([*(ROOT / "actions").rglob("*.py"), *(ROOT / "bot").rglob("*.py")])
NAME = re.compile(r"^utter_[a-z0-9_]*[a-z0-9]$")
NOT_RESPONSES = {"utter_action"}  # the key Rasa names a bot message's response by, in its metadata
VARIABLE = re.compile(r"{([^\n{}]+?)}")  # as Rasa's interpolator reads them


def _calls() -> list[tuple[str, int, list[str], set[str]]]:
    """(file, line, response names, values passed) of each `utter_message(response=...)`; the names
    are every literal the argument can be (`"a" if x else "b"`, a dict of them)."""
    found = []
    for path in CODE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "utter_message"):
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            if "response" not in keywords:
                continue
            names = [c.value for c in ast.walk(keywords["response"]) if isinstance(c, ast.Constant)]
            where = str(path.relative_to(ROOT))
            found.append(
                (
                    where,
                    node.lineno,
                    [n for n in names if isinstance(n, str) and NAME.match(n)],
                    set(keywords),
                )
            )
    return found


def _literal_names() -> set[str]:
    """Every string in the code that is a response name ("utter_bot_challenge" in a table)."""
    return {
        node.value
        for path in CODE
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and NAME.match(node.value)
    }


def _spread_keys(where: str, line: int) -> list[ast.Constant]:
    """The keys of the dict literals assigned in the function around a call (`facts = {...}`)."""
    tree = ast.parse((ROOT / where).read_text(encoding="utf-8"))
    function = next(
        f
        for f in ast.walk(tree)
        if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
        and f.lineno <= line <= (f.end_lineno or 0)
        and not any(
            isinstance(g, (ast.FunctionDef, ast.AsyncFunctionDef))
            and g is not f
            and g.lineno <= line <= (g.end_lineno or 0)
            for g in ast.walk(f)
        )
    )
    return [
        k
        for node in ast.walk(function)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
        for k in node.value.keys
        if isinstance(k, ast.Constant)
    ]


CALLS = _calls()


def test_the_code_says_responses():
    assert len(CALLS) > 40


def test_every_response_named_in_the_code_is_in_the_domain():
    missing = sorted(_literal_names() - NOT_RESPONSES - responses().keys())
    assert not missing, f"not in domain.yml responses: {missing}"


@pytest.mark.parametrize(("where", "line", "names", "passed"), CALLS, ids=[f"{w}:{n}" for w, n, *_ in CALLS])
def test_each_response_gets_every_value_its_text_needs(where, line, names, passed):
    if None in passed:  # `**facts`: the keys of the dict built in the same function
        passed = passed | {k.value for k in _spread_keys(where, line)}
    for name in names:
        assert name in responses(), f"{where}:{line}: {name} is not in domain.yml"
        for variation in responses()[name]:
            needed = set(VARIABLE.findall(variation.get("text") or ""))
            assert needed <= passed, f"{where}:{line}: {name} needs {sorted(needed - passed)}"


def test_computed_questions_have_no_response_rasa_would_also_ask():
    """A form asks its computed questions itself; an `utter_ask_<slot>` response for one of them
    would make Rasa ask the same question a second time."""
    clashing = {
        f"utter_ask_{slot}"
        for form in (ValidateServiceForm, ValidateClinicForm, ValidateBookingChangeForm, ValidateContactForm)
        for slot in form.questions(None)  # type: ignore[arg-type]
    } & responses().keys()
    assert not clashing
