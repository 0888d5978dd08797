"""Booking-flow turn latency against plain small-talk turns, through the REST channel, same run.

Target (issue 4): the p95 of booking turns (form steps with a slot search) is within 1.5x of the
p95 of a plain greet/goodbye turn.

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
# A service booking, piece by piece, whose steps search for free slots, then a clinic booking.
SERVICE = [
    "I need an oil change for my 2023 Lumen next Tuesday morning",
    "<first button>",
    "loaner",
    "skip",
    "actually make it Thursday afternoon",
    "<first button>",
    "no",
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


async def measure(url: str, rounds: int) -> tuple[list[float], list[float]]:
    plain: list[float] = []
    booking: list[float] = []
    async with aiohttp.ClientSession() as http:
        for n in range(rounds):  # interleaved, so both see the same machine load
            last: list = []
            for k in range(PLAIN_CONVERSATIONS):
                for text in PLAIN:
                    plain.append(await _turn(http, url, f"plain-{n}-{k}", text, last))
            for script, name in ((SERVICE, "service"), (CLINIC, "clinic")):
                for text in script:
                    booking.append(await _turn(http, url, f"{name}-{n}", text, last))
                    if not last:
                        raise SystemExit(f"no reply to {text!r}: is the booking flow broken?")
    return plain, booking


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def main(rounds: int) -> None:
    model = config.model_path()
    train(model)
    with tempfile.TemporaryDirectory() as tmp, start_stack(Path(tmp), model) as stack:
        asyncio.run(measure(stack.rest_url, 2))  # warm-up: first-use costs (spaCy, dateparser)
        plain, booking = asyncio.run(measure(stack.rest_url, rounds))
    ratio = p95(booking) / p95(plain)
    print(
        json.dumps(
            {
                "plain_turns": len(plain),
                "booking_turns": len(booking),
                "plain_p50_ms": round(statistics.median(plain), 1),
                "plain_p95_ms": round(p95(plain), 1),
                "booking_p50_ms": round(statistics.median(booking), 1),
                "booking_p95_ms": round(p95(booking), 1),
                "ratio_p95": round(ratio, 2),
                "target": "ratio_p95 <= 1.5",
                "met": ratio <= 1.5,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    main(parser.parse_args().rounds)
