"""Booking-flow turn latency against plain greet/goodbye turns, through the REST channel, same run.

Target (issue 4): the p95 of booking turns (form steps with a slot search) is within 1.5x of the
p95 of a plain greet/goodbye turn. Two baselines are reported: greet/goodbye in fresh two-turn
conversations, and a goodbye at the end of each booking conversation (the same conversation
length, so the same cost of loading and saving the conversation; what's left is the booking).

.venv/bin/python bench/booking_latency.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp

from bot import config
from bot.launch import start_stack
from bot.training import train

PLAIN = ["hi", "bye"]
PLAIN_CONVERSATIONS = 3  # per round: enough plain turns for a steady p95
# A service booking, piece by piece, whose steps search for free slots, booked in the end (so the
# shop fills up as rounds go by); then a clinic booking, declined at the confirmation.
SERVICE = [
    "I need an oil change for my 2023 Lumen next Tuesday morning",
    "<first button>",
    "loaner",
    "skip",
    "actually make it Thursday afternoon",
    "<first button>",
    "yes",
]
CLINIC = ["sign me up for the tech clinic", "<first button>", "just me", "no"]


async def _turn(http: aiohttp.ClientSession, url: str, sender: str, text: str, last: list) -> float:
    if text == "<first button>":
        text = next((r["buttons"][0]["payload"] for r in reversed(last) if r.get("buttons")), "1")
    started = time.perf_counter()
    async with http.post(url, json={"sender": sender, "message": text}) as response:
        response.raise_for_status()
        last[:] = await response.json()
    return (time.perf_counter() - started) * 1000


async def measure(
    url: str, rounds: int, by_step: dict[str, list[float]] | None = None, tag: str = ""
) -> tuple[list[float], list[float], list[float]]:
    """Plain, booking and goodbye-after-booking turn times; `by_step` collects each step's.
    Conversations are named by `tag`, round and kind, so every run starts new ones."""
    plain: list[float] = []
    booking: list[float] = []
    goodbye_after_booking: list[float] = []
    by_step = {} if by_step is None else by_step
    async with aiohttp.ClientSession() as http:
        for n in range(rounds):  # interleaved, so both see the same machine load
            last: list = []
            for k in range(PLAIN_CONVERSATIONS):
                for text in PLAIN:
                    plain.append(await _turn(http, url, f"{tag}plain-{n}-{k}", text, last))
                    by_step.setdefault(f"plain: {text}", []).append(plain[-1])
            for script, name in ((SERVICE, "service"), (CLINIC, "clinic")):
                for step, text in enumerate(script, 1):
                    booking.append(await _turn(http, url, f"{tag}{name}-{n}", text, last))
                    by_step.setdefault(f"{name} {step}: {text}", []).append(booking[-1])
                    if not last:
                        raise SystemExit(f"no reply to {text!r}: is the booking flow broken?")
                goodbye_after_booking.append(await _turn(http, url, f"{tag}{name}-{n}", "bye", last))
                by_step.setdefault(f"{name}: bye", []).append(goodbye_after_booking[-1])
    return plain, booking, goodbye_after_booking


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def main(rounds: int) -> None:
    model = config.model_path()
    train(model)
    with tempfile.TemporaryDirectory() as tmp, start_stack(Path(tmp), model) as stack:
        # Warm-up, in conversations of its own: first-use costs (spaCy, dateparser).
        asyncio.run(measure(stack.rest_url, 2, tag="warm-up-"))
        by_step: dict[str, list[float]] = {}
        plain, booking, goodbye_after_booking = asyncio.run(measure(stack.rest_url, rounds, by_step))
    summary: dict[str, object] = {"booking_turns": len(booking)}
    summary.update(_stats("booking", booking))
    for name, baseline in (("fresh", plain), ("same_conversation", goodbye_after_booking)):
        summary.update(_stats(f"plain_{name}", baseline))
        ratio = p95(booking) / p95(baseline)
        summary[f"ratio_p95_vs_{name}"] = round(ratio, 2)
        summary[f"met_vs_{name} (<= 1.5)"] = ratio <= 1.5
    summary["by_step_p50_p95_ms"] = {
        step: f"{statistics.median(times):.0f} / {p95(times):.0f}" for step, times in by_step.items()
    }
    print(json.dumps(summary, indent=2))


def _stats(name: str, values: list[float]) -> dict[str, float]:
    return {
        f"{name}_turns": len(values),
        f"{name}_p50_ms": round(statistics.median(values), 1),
        f"{name}_p95_ms": round(p95(values), 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    main(parser.parse_args().rounds)
