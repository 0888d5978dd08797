"""Retrieval latency: answering a question at the sample size and with 10,000 synthetic articles.

Target (issues 3 and 13): p95 under 20 ms at both sizes. Synthetic articles are built from the
sample's own vocabulary (random titles, aliases and bodies), so the index has realistic word
frequencies; the sample articles are kept, and the questions are the labelled set's plus
questions about the dealership, clinics, prices and maintenance. Each question goes through the
whole search the action runs (bot/knowledge/router.py with the `ask_info` intent: dealership
facts, clinics, prices, maintenance, then the vehicle knowledge); clinic sessions, a database
read, are left out.

    .venv/bin/python bench/knowledge_latency.py [--articles 10000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

import yaml

from bot import config, dealership
from bot.booking.schedule import load as load_schedule
from bot.knowledge import Knowledge, load
from bot.knowledge.loader import Article
from bot.knowledge.router import Question, Router

QUESTIONS = Path(__file__).with_name("knowledge_questions.yml")
DEALERSHIP_QUESTIONS = [
    "what time do you close today",
    "are you open on sundays",
    "what's your number",
    "where do i park for service",
    "what happens at the ev class",
    "how much is a tire rotation",
    "how often does my brio need new oil",
    "what's due at 30,000 miles",
    "how much is the tessa platinum",
    "do you have loaners",
]


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


def measure(knowledge: Knowledge, questions: list[str], rounds: int = 3) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per question: on a shared machine the wall clock's tail
    is other processes' turn on the CPU, which the thread's CPU time leaves out."""
    shop = dealership.load(config.knowledge_dir() / "dealership.yml")
    schedule, _ = load_schedule(config.knowledge_dir() / "schedule.yml", shop.tz)
    router = Router(knowledge, shop, schedule, lambda clinic: [])
    now = datetime.now(timezone.utc)
    wall, cpu = [], []
    for _ in range(rounds):
        for question in questions:
            started, started_cpu = time.perf_counter(), time.thread_time()
            router.answer(Question(question, knowledge.entities.extract(question), now, "ask_info"))
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
    return wall, cpu


def report(label: str, timings: tuple[list[float], list[float]]) -> None:
    for kind, values in zip(("wall", "CPU"), timings, strict=True):
        ordered = sorted(values)
        p95 = ordered[int(0.95 * len(ordered))]
        median = statistics.median(ordered)
        print(
            f"{label} {kind}: n={len(ordered)} p50 {median:.2f} ms  p95 {p95:.2f} ms"
            f"  max {ordered[-1]:.2f} ms"
        )
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")


def main(size: int) -> None:
    questions = [item["q"] for item in yaml.safe_load(QUESTIONS.read_text())] + DEALERSHIP_QUESTIONS
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
