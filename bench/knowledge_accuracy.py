"""Answer accuracy on the project's own labelled questions (bench/knowledge_questions.yml).

Targets (issue 3): at least 90% answered correctly, and under 3% answered confidently but
wrongly ("I'm not sure" and a clarifying question are not wrong; a wrong fact is). The
questions are separate from the NLU training data; they go through the same entity extraction
and answering code as the assistant's action.

    .venv/bin/python bench/knowledge_accuracy.py [--questions FILE] [--show-misses]

`knowledge_questions.yml` (207) was used while building the answerer; `knowledge_questions_unseen.yml`
(90) was written blind afterwards and is never tuned against: report both.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import yaml

from bot import config
from bot.knowledge import Answer, Knowledge

QUESTIONS = Path(__file__).with_name("knowledge_questions.yml")


def judge(item: dict, answer: Answer) -> str:
    """'right', 'unsure' (clarified or declined) or 'wrong' (answered confidently but wrongly)."""
    if "availability" in item:
        expected = item["availability"]
        if not answer.answered or (answer.kind == "availability" and answer.verdict is None):
            return "unsure"
        ok = (
            answer.kind == "availability"
            and answer.topic == expected["topic"]
            and answer.verdict == str(expected["answer"])
        )
        return "right" if ok else "wrong"
    if "spec" in item:
        if not answer.answered:
            return "unsure"
        return (
            "right"
            if answer.kind == "spec" and item["spec"]["expect"].lower() in answer.text.lower()
            else "wrong"
        )
    if item.get("topic") is None:
        return "unsure" if not answer.answered else "wrong"
    if not answer.answered:
        return "unsure"
    return "right" if answer.topic == item["topic"] else "wrong"


def main(questions: Path, show_misses: bool) -> None:
    items = yaml.safe_load(questions.read_text())
    knowledge = Knowledge.build(config.knowledge_dir())
    verdicts: Counter[str] = Counter()
    misses = []
    for item in items:
        answer = knowledge.answer(item["q"])
        verdict = judge(item, answer)
        # A question the knowledge base can't answer is handled right when we don't answer it.
        if item.get("topic", "") is None and verdict == "unsure":
            verdict = "right"
        verdicts[verdict] += 1
        if verdict != "right":
            misses.append((verdict, item, answer))
    total = len(items)
    print(f"questions: {total}")
    print(
        f"right: {verdicts['right']} ({verdicts['right'] / total:.1%})   "
        f"unsure: {verdicts['unsure']} ({verdicts['unsure'] / total:.1%})   "
        f"wrong-confident: {verdicts['wrong']} ({verdicts['wrong'] / total:.1%})"
    )
    if show_misses:
        for verdict, item, answer in misses:
            label = {k: v for k, v in item.items() if k != "q"}
            print(
                f"- {verdict}: {item['q']!r} expected {label}\n"
                f"    got {answer.kind} {answer.topic} {answer.verdict} | {answer.text[:90]!r}"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=QUESTIONS, help="a labelled question file")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    main(args.questions, args.show_misses)
