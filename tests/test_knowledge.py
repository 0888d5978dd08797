"""The knowledge base: checking dealer-edited files, finding articles, and answering."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot import config
from bot.knowledge import Context, Knowledge, VehicleRef

SAMPLE = config.PROJECT_ROOT / "knowledge"


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return Knowledge.build(SAMPLE)


@pytest.fixture
def editable(tmp_path: Path) -> Path:
    """A copy of the sample knowledge a test can break."""
    copy = tmp_path / "knowledge"
    shutil.copytree(SAMPLE, copy)
    return copy


def problems_in(directory: Path) -> list[str]:
    return [str(p) for p in Knowledge.build(directory).base.problems]


def test_the_sample_dealership_has_no_problems(kb):
    assert kb.base.problems == []
    assert len(kb.base.articles) >= 45
    assert set(kb.base.lineup.models) == {"Lumen", "Brio", "Tessa", "Forge", "Ion"}


@pytest.mark.processes
def test_check_knowledge_command_passes_on_the_sample():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check-knowledge"],
        capture_output=True,
        text=True,
        cwd=config.PROJECT_ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no problems found" in result.stdout


@pytest.mark.processes
def test_check_knowledge_command_fails_with_file_line_and_field(editable):
    lineup = editable / "lineup.yml"
    lineup.write_text(
        lineup.read_text().replace(
            "{models: [Tessa], trims: [Platinum]}", "{models: [Tessa], trims: [Platnum]}", 1
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check-knowledge"],
        capture_output=True,
        text=True,
        cwd=config.PROJECT_ROOT,
        env={**__import__("os").environ, "KNOWLEDGE_DIR": str(editable)},
    )
    assert result.returncode == 1
    line = next(n for n, text in enumerate(lineup.read_text().splitlines(), 1) if "Platnum" in text)
    assert (
        f"{lineup}:{line}: features.surround-view-camera.available.0.trims: unknown trim 'Platnum'"
        in result.stdout
    )


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda d: (d / "features" / "valet-mode.md").write_text("no front matter here"),
            "valet-mode.md:1: front matter",
        ),
        (
            lambda d: _replace(d / "features" / "valet-mode.md", "title: ", "titel: "),
            "valet-mode.md:2: title: missing",
        ),
        (
            lambda d: _replace(d / "features" / "valet-mode.md", "id: valet-mode", "id: parking"),
            "valet-mode.md:2: id: must",
        ),
        (lambda d: _cut_body(d / "features" / "valet-mode.md"), "valet-mode.md:7: body: empty answer"),
        (
            lambda d: _replace(
                d / "features" / "valet-mode.md", "aliases: [", "aliases: [blind spot monitoring, "
            ),
            "is also used by 'blind-spot-monitoring'",
        ),
        (
            lambda d: _replace(d / "lineup.yml", "{models: [Forge, Tessa]}", "{models: [Forge, Tesla]}"),
            "features.tow-haul-mode.available.0.models: unknown model 'Tesla'",
        ),
        (
            lambda d: (d / "lineup.yml").write_text(
                (d / "lineup.yml").read_text() + "  sunroof:\n    available:\n      - all: true\n"
            ),
            "features.sunroof: no article knowledge/features/sunroof.md",
        ),
        (
            lambda d: (d / "lineup.yml").write_text("models: [unclosed"),
            "lineup.yml:1: lineup: not valid YAML",
        ),
    ],
)
def test_each_problem_names_file_line_and_field(editable, edit, expected):
    edit(editable)
    problems = problems_in(editable)
    assert any(expected in p for p in problems), problems


def test_a_broken_article_is_left_out_and_the_rest_still_answer(editable):
    (editable / "features" / "valet-mode.md").write_text("---\nid: valet-mode\n---\n")
    broken = Knowledge.build(editable)
    assert "valet-mode" not in broken.base.articles
    assert broken.answer("how do I turn on adaptive cruise").topic == "adaptive-cruise-control"


def test_a_new_article_and_alias_are_found_without_retraining(editable):
    (editable / "features" / "sunroof.md").write_text(
        "---\nid: sunroof\ntitle: Panoramic sunroof\naliases: [moonroof, glass roof]\n"
        "category: comfort\n---\nSlide the switch above the mirror back to open the sunroof.\n"
    )
    grown = Knowledge.build(editable)
    answer = grown.answer("how do i open the moonroof")
    assert (answer.kind, answer.topic) == ("howto", "sunroof")
    assert "Slide the switch" in answer.text
    assert any(e.value == "sunroof" for e in grown.entities.extract("does it have a glass roof"))


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("how do I turn on adaptve cruise", "adaptive-cruise-control"),
        ("my tire pressure light is on", "tire-pressure-monitoring"),
        ("what does lane keep assist do", "lane-keeping-assist"),
        ("how do i use carplay", "apple-carplay-android-auto"),
        ("heads up display too bright", "head-up-display"),
        ("tpms light reset", "tire-pressure-monitoring"),
    ],
)
def test_how_to_questions_find_their_article_despite_typos_and_slang(kb, question, topic):
    answer = kb.answer(question)
    assert (answer.kind, answer.topic) == ("howto", topic)
    assert kb.base.articles[topic].title in answer.text  # names its source for staff audits
    assert "$" not in answer.text


def test_long_answers_fit_an_sms_and_the_rest_comes_on_more(kb):
    answer = kb.answer("how do I turn on adaptive cruise control")
    assert len(answer.text) < 700 and "\n\n" not in answer.text
    assert answer.more and 'Reply "more"' in answer.text


@pytest.mark.parametrize(
    ("question", "verdict", "must_say"),
    [
        ("does the Tessa XLE have a head-up display?", "no", "Tessa Platinum"),
        ("does the tessa platinum have a heads up display", "yes", "Yes"),
        ("which Lumen trims have blind spot monitoring?", "some", "SE and Limited (not the LE)"),
        ("does the 2023 lumen have wireless carplay", "no", "wired (USB) only"),
        ("does the 2024 lumen have carplay", "yes", "wireless"),
        ("can I remote start my forge", "yes", "key fob"),
    ],
)
def test_availability_is_a_straight_yes_or_no_from_the_lineup(kb, question, verdict, must_say):
    answer = kb.answer(question)
    assert (answer.kind, answer.verdict) == ("availability", verdict)
    assert must_say in answer.text


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("how much can the forge trail tow", "11,000 lb"),
        ("lumen towing capacity", "not rated for towing"),
        ("whats the range on the ion long range", "320 miles"),
        ("how long does the ion take to charge", "about 30 minutes"),
        ("is the brio awd", "AWD optional"),
    ],
)
def test_specs_are_exact_figures_from_the_lineup(kb, question, figure):
    answer = kb.answer(question)
    assert answer.kind == "spec" and figure in answer.text


def test_follow_ups_use_the_conversation_context(kb):
    first = kb.answer("how much can the forge trail tow")
    follow = kb.answer("what about the Summit?", first.context)
    assert follow.kind == "spec" and "12,500 lb" in follow.text
    hud = kb.answer("does the Tessa XLE have a head-up display?")
    platinum = kb.answer("what about the Platinum?", hud.context)
    assert (platinum.verdict, platinum.trim) == ("yes", "Platinum")
    how = kb.answer("how do I use it?", platinum.context)
    assert (how.kind, how.topic) == ("howto", "head-up-display")


def test_my_car_uses_the_profile_vehicle_or_asks_for_it(kb):
    assert kb.answer("does my car have heated seats?").kind == "need_vehicle"
    answer = kb.answer("does my car have heated seats?", vehicles=[VehicleRef("Brio", "Base", 2024)])
    assert (answer.kind, answer.verdict, answer.model, answer.trim) == ("availability", "no", "Brio", "Base")
    pick = kb.answer(
        "does mine have remote start", vehicles=[VehicleRef("Brio"), VehicleRef("Forge", "Work")]
    )
    assert pick.kind == "pick_vehicle" and len(pick.buttons) == 2


@pytest.mark.parametrize("question", ["what's the cargo volume of the brio", "does the lumen come in red"])
def test_questions_the_knowledge_base_cannot_answer_are_never_answered_confidently(kb, question):
    answer = kb.answer(question)
    assert not answer.answered
    assert answer.kind in ("clarify", "unknown")


@pytest.mark.parametrize(
    "question", ["the light on my dash", "something with the seats", "how do i charge it"]
)
def test_unclear_questions_offer_two_or_three_topics_as_buttons(kb, question):
    answer = kb.answer(question)
    assert answer.kind == "clarify"
    assert 2 <= len(answer.buttons) <= 3
    assert all(b["payload"].startswith('/ask_vehicle{"feature": ') for b in answer.buttons)


def test_context_survives_a_clarifying_question(kb):
    clarify = kb.answer("does the forge have the key thing", Context())
    assert clarify.kind == "clarify" and clarify.context.model == "Forge"


def _replace(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text().replace(old, new, 1))


def _cut_body(path: Path) -> None:
    text = path.read_text()
    path.write_text(text[: text.index("---", 4) + 4])
