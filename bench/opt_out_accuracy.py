"""How well `bot.channels.opt_out.classify` tells requests to stop texting from ordinary messages.

Targets (issue 12): every request to stop texting that uses one of the FCC's words (stop, quit,
end, revoke, opt out, cancel, unsubscribe, or a Spanish equivalent) is an opt-out, and no ordinary
message is opted out. "Maybe" (we ask "Reply STOP to confirm") opts nothing out: for a request
it counts as missed, for an ordinary message as not opted out, and both are counted.

    .venv/bin/python -m bench.opt_out_accuracy [--messages FILE] [--channel sms|web] [--show-misses]

(as a module, so that this checkout's `bot/` is the one measured).
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import yaml

from bot.channels.opt_out import Verdict, classify

MESSAGES = Path(__file__).with_name("opt_out_messages.yml")


def main(messages: Path, channel: str, show_misses: bool) -> None:
    items = yaml.safe_load(messages.read_text())
    counts: Counter[tuple[str, Verdict]] = Counter()
    misses = []
    for item in items:
        verdict = classify(item["text"], channel)  # type: ignore[arg-type]
        counts[item["label"], verdict] += 1
        if (item["label"] == "opt_out") != (verdict is Verdict.OPT_OUT):
            misses.append((item["label"], verdict.value, item["text"]))
    requests = sum(n for (label, _), n in counts.items() if label == "opt_out")
    caught = counts["opt_out", Verdict.OPT_OUT]
    false_opt_outs = counts["not", Verdict.OPT_OUT]
    opted_out = caught + false_opt_outs
    ordinary = len(items) - requests
    print(f"messages: {len(items)} ({requests} requests to stop, {ordinary} ordinary); channel {channel}")
    print(f"precision: {caught / opted_out if opted_out else 1:.3f} ({false_opt_outs} ordinary opted out)")
    print(f"recall: {caught / requests if requests else 1:.3f} ({requests - caught} requests not opted out)")
    maybes = counts["opt_out", Verdict.MAYBE], counts["not", Verdict.MAYBE]
    print(f"maybe: {maybes[0]} requests, {maybes[1]} ordinary messages")
    if show_misses:
        for label, verdict, text in misses:
            print(f"  {label:8} -> {verdict:8} {text}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=Path, default=MESSAGES)
    parser.add_argument("--channel", choices=["sms", "web"], default="sms")
    parser.add_argument("--show-misses", action="store_true")
    arguments = parser.parse_args()
    main(arguments.messages, arguments.channel, arguments.show_misses)
