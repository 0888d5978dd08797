"""Retrieval latency: answering a question at the sample size and with 10,000 synthetic articles.

Target (issue 3): p95 under 20 ms at both sizes. Synthetic articles are built from the sample's
own vocabulary (random titles, aliases and bodies), so the index has realistic word
frequencies; the sample articles are kept, and the questions are the labelled set's.

    .venv/bin/python bench/knowledge_latency.py [--articles 10000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

import yaml

from bot import config
from bot.knowledge import Knowledge, load
from bot.knowledge.loader import Article

QUESTIONS = Path(__file__).with_name("knowledge_questions.yml")


def synthetic(knowledge: Knowledge, count: int, seed: int = 7) -> dict[str, Article]:
    rng = random.Random(seed)
    words = sorted(
        {w for a in knowledge.base.articles.values() for w in a.body.lower().split() if w.isalpha()}
    )
    articles = dict(knowledge.base.articles)
    for n in range(count - len(articles)):
        title = " ".join(rng.choices(words, k=3))
        aliases = [" ".join(rng.choices(words, k=rng.randint(2, 3))) + f" {n}" for _ in range(4)]
        body = " ".join(rng.choices(words, k=rng.randint(80, 200)))
        articles[f"synthetic-{n}"] = Article(f"synthetic-{n}", title, aliases, "technology", body, Path("-"))
    return articles


def measure(knowledge: Knowledge, questions: list[str], rounds: int = 3) -> list[float]:
    timings = []
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            knowledge.answer(question)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def report(label: str, timings: list[float]) -> None:
    ordered = sorted(timings)
    p95 = ordered[int(0.95 * len(ordered))]
    median = statistics.median(ordered)
    print(f"{label}: n={len(ordered)} p50 {median:.2f} ms  p95 {p95:.2f} ms  max {ordered[-1]:.2f} ms")


def main(size: int) -> None:
    questions = [item["q"] for item in yaml.safe_load(QUESTIONS.read_text())]
    sample = Knowledge.build(config.knowledge_dir())
    report(f"sample ({len(sample.base.articles)} articles)", measure(sample, questions))
    base = load(config.knowledge_dir())
    base.articles = synthetic(sample, size)
    started = time.perf_counter()
    big = Knowledge.from_base(base)
    print(f"built an index of {len(big.base.articles)} articles in {time.perf_counter() - started:.1f} s")
    report(f"large ({len(big.base.articles)} articles)", measure(big, questions))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    main(parser.parse_args().articles)
