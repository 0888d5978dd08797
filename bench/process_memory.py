"""Resident memory (RSS) of each process of a running assistant, after real conversations.

.venv/bin/python bench/process_memory.py [--conversations 20]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

import aiohttp

from bot import config
from bot.launch import children_of, start_stack
from bot.training import train

SCRIPT = [
    "hi",
    "what can you do?",
    "I'd like to leave my details",
    "Sam Lee",
    "555 010 4545",
    "skip",
    "no",
    "can I talk to a person?",
    "thanks, bye",
]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def converse(url: str, conversations: int) -> None:
    async with aiohttp.ClientSession() as http:
        for n in range(conversations):
            for text in SCRIPT:
                async with http.post(url, json={"sender": f"mem-{n}", "message": text}) as response:
                    response.raise_for_status()


def main(conversations: int) -> None:
    model = config.model_path()
    train(model)
    with tempfile.TemporaryDirectory() as tmp:
        with start_stack(Path(tmp), model) as stack:
            asyncio.run(converse(stack.rest_url, conversations))
            print(f"after {conversations} conversations of {len(SCRIPT)} turns:")
            print(f"  supervisor: {rss_mib(stack.process.pid):7.1f} MiB")
            for pid, command in sorted(children_of(stack.process.pid), key=lambda c: c[1]):
                print(f"  {command.split(' -m bot ')[-1].strip():10s}: {rss_mib(pid):7.1f} MiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20)
    main(parser.parse_args().conversations)
