"""The assistant on a blind set: single-turn routing and multi-turn goals, per category.

A blind set (bench/blind/<date>/) is written by someone who never saw data/, tests/ or the NLU
files, from README.md and knowledge/ only; its expectations are in product terms ("answers the
hours without starting a form", "books the teen clinic for two"). This script starts the real
stack (the trained model, the action server, the web app) on a fresh SQLite database, sends every
message over REST (or as signed Twilio webhooks for SMS items and conversations), reads what
happened from Rasa's tracker and the staff API, and judges each item:

- right: what the customer wanted happened;
- wrong: an answer given as fact that is wrong (another article, a wrong yes/no, a wrong figure);
- miss: anything else (a form not started, a fallback, a handoff when an answer was due).

Never copy a blind message into training data; once a set was used to tune, have a new one written.

    .venv/bin/python bench/conversation_eval.py [--set bench/blind/2026-12-01-b] [--show-misses]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import secrets
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import aiohttp
import yaml
from twilio.request_validator import RequestValidator

from bot import config, dealership
from bot.launch import Stack, start_stack

BLIND = Path(__file__).with_name("blind") / "2026-12-01-b"
TZ = dealership.load(config.knowledge_dir() / "dealership.yml").tz
TWILIO_TOKEN = "bench-twilio-token"
PUBLIC_URL = "https://concierge.example.com"
FORMS_FOR = {"book_clinic": "clinic_form", "book_service": "service_form", "contact_details": "contact_form"}
SMALLTALK = {"greet": "greet", "thanks": "thank", "bye": "goodbye", "bot_challenge": "bot_challenge"}
SMALLTALK["capabilities"] = "capabilities"
HANDOFF_ACTIONS = {"action_handoff"}
FALLBACK_MARKERS = (
    "didn't quite get that",
    "lost the thread",
    "outside what i can help with",
    "i don't have an answer",
)
ANSWER_ROUTES = {"feature_howto", "symptom"}
NO_FORM_ROUTES = {
    "dealership_info",
    "clinic_info",
    "price",
    "maintenance",
    "spec",
    "booking_question",
    "out_of_scope",
    "smalltalk",
}
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


@dataclass
class Turn:
    """What one customer message caused, read from the tracker."""

    intent: str | None = None
    actions: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    active_loop: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def handed_off(self) -> bool:
        return bool(HANDOFF_ACTIONS & set(self.actions))

    @property
    def fell_back(self) -> bool:
        lowered = self.text.lower()
        return "action_default_fallback" in self.actions or any(m in lowered for m in FALLBACK_MARKERS)


class Assistant:
    """The running stack, spoken to over REST and signed SMS webhooks."""

    def __init__(self, stack: Stack, http: aiohttp.ClientSession) -> None:
        self.stack, self.http = stack, http
        self.rasa = f"http://127.0.0.1:{stack.rasa_port}"

    async def send(self, channel: str, sender: str, text: str) -> Turn:
        seen = len(await self._events(sender))
        if channel == "sms":
            await self._sms(sender, text)
        else:
            async with self.http.post(self.stack.rest_url, json={"sender": sender, "message": text}) as r:
                r.raise_for_status()
                await r.read()
        return _turn((await self._events(sender))[seen:], await self._tracker(sender))

    async def _sms(self, phone: str, body: str) -> None:
        form = {
            "From": phone,
            "To": "+15550109999",
            "Body": body,
            "MessageSid": f"SM{secrets.token_hex(16)}",
            "NumMedia": "0",
            "AccountSid": "AC" + "0" * 32,
        }
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(
            f"{PUBLIC_URL}/webhooks/sms/webhook", form
        )
        async with self.http.post(
            f"{self.rasa}/webhooks/sms/webhook", data=form, headers={"X-Twilio-Signature": signature}
        ) as r:
            r.raise_for_status()
            ElementTree.fromstring(await r.text())

    async def _tracker(self, sender: str) -> dict[str, Any]:
        async with self.http.get(
            f"{self.rasa}/conversations/{sender}/tracker", params={"token": self.stack.env["RASA_TOKEN"]}
        ) as r:
            r.raise_for_status()
            return await r.json()

    async def _events(self, sender: str) -> list[dict[str, Any]]:
        return (await self._tracker(sender)).get("events") or []

    async def staff(self, path: str, **params: str) -> Any:
        async with self.http.get(
            f"{self.stack.web_url}{path}", params=params, headers=self.stack.staff_headers
        ) as r:
            r.raise_for_status()
            return await r.json()

    async def profile(self, channel: str, sender: str) -> dict[str, Any] | None:
        found = await self.staff(
            "/api/customers", **({"phone": sender} if channel == "sms" else {"sender_id": sender})
        )
        return await self.staff(f"/api/customers/{found[0]['id']}") if found else None


def _turn(events: list[dict[str, Any]], tracker: dict[str, Any]) -> Turn:
    turn = Turn(active_loop=(tracker.get("active_loop") or {}).get("name"), slots=tracker.get("slots") or {})
    for event in events:
        if event["event"] == "user" and turn.intent is None:
            turn.intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        elif event["event"] == "action":
            turn.actions.append(event.get("name") or "")
        elif event["event"] == "bot":
            turn.texts.append(event.get("text") or "")
            topic = (event.get("metadata") or {}).get("topic")
            if topic:
                turn.topics.append(topic)
    return turn


def _mentions(expect: dict[str, Any], text: str) -> bool:
    lowered = text.lower()
    groups = expect.get("mentions_all") or []
    if not all(any(str(option).lower() in lowered for option in group) for group in groups):
        return False
    return not any(str(bad).lower() in lowered for bad in expect.get("must_not_mention") or [])


def judge(
    expect: dict[str, Any], turn: Turn, opted_out: bool | None = None, form_before: str | None = None
) -> str:
    """right, wrong (a wrong fact given as an answer) or miss. `form_before`: the form a
    conversation was in before this turn; a side question answered inside it may leave it going."""
    route = expect["route"]
    if route == "opt_out":
        return "right" if opted_out else "miss"
    if opted_out:
        return "wrong"  # an ordinary message must never opt anyone out
    wanted = expect.get("article")
    if route in ANSWER_ROUTES:
        if wanted in turn.topics:
            return "right" if _mentions(expect, turn.text) else "miss"
        return "wrong" if turn.topics else "miss"
    if route == "feature_availability":
        if not turn.topics:
            return "miss"
        if wanted is not None and wanted not in turn.topics:  # the article, when the set names one
            return "wrong"
        verdict = {
            "yes": r"\byes\b",
            "no": r"\bno\b|doesn't have|isn't offered",
            "some_trims": r"comes on|trims?\b",
        }
        said = re.search(verdict[str(expect.get("answer"))], turn.text, re.IGNORECASE)
        return "right" if said and _mentions(expect, turn.text) else "wrong"
    if route in ("human", "negotiation"):
        return "right" if turn.handed_off else "miss"
    if route in FORMS_FOR:
        if turn.active_loop != FORMS_FOR[route]:
            return "miss"
        clinic = expect.get("clinic")
        return "right" if not clinic or turn.slots.get("clinic") in (clinic, None) else "wrong"
    if route in ("cancel_booking", "reschedule_booking"):
        return "right" if turn.intent == route or turn.active_loop == "booking_change_form" else "miss"
    if route == "smalltalk":
        kind = expect.get("kind")  # a set may name the kind of small talk, or leave it open
        ok = turn.intent == SMALLTALK.get(kind, "") if kind else turn.intent in SMALLTALK.values()
        return "right" if ok and not turn.active_loop and not turn.handed_off else "miss"
    if route in NO_FORM_ROUTES:
        if (turn.active_loop and turn.active_loop != form_before) or turn.handed_off:
            return "miss"
        if route == "out_of_scope":
            return "wrong" if turn.topics else "right"
        if route == "spec" and turn.topics and not _mentions(expect, turn.text):
            return "wrong"
        return "right" if not turn.fell_back and _mentions(expect, turn.text) else "miss"
    raise ValueError(f"unknown route {route!r}")


async def phone_opted_out(assistant: Assistant, phone: str) -> bool:
    profile = await assistant.profile("sms", phone)
    phones = [p for c in (profile or {}).get("contacts", []) for p in c["phones"] if p["e164"] == phone]
    return any(p.get("opted_out_at") for p in phones)


async def single_turn(assistant: Assistant, item: dict[str, Any], n: int) -> tuple[str, Turn]:
    expect = item["expect"]
    if "article" not in expect and item.get("feature"):  # a set may name the feature beside `expect`
        expect = {**expect, "article": item["feature"]}
    on_sms = expect["route"] == "opt_out" or item["category"] == "stop_words_not_opt_out"
    sender = f"+155502{n:05d}" if on_sms else f"blind-{item['id']}-{secrets.token_hex(3)}"
    turn = await assistant.send("sms" if on_sms else "rest", sender, item["text"])
    opted_out = await phone_opted_out(assistant, sender) if on_sms else None
    return judge(expect, turn, opted_out), turn


async def conversation(assistant: Assistant, item: dict[str, Any], n: int) -> tuple[str, list[str]]:
    """'right' when every turn's expectation and the outcome hold; the reasons otherwise."""
    channel = item.get("channel", "rest")
    sender = f"+155501{n:05d}" if channel == "sms" else f"blind-{item['id']}-{secrets.token_hex(3)}"
    started = datetime.now(TZ) - timedelta(minutes=1)
    problems = []
    transcript = []
    form_before = None
    for number, step in enumerate(item["turns"], 1):
        turn = await assistant.send(channel, sender, str(step["say"]))
        transcript.append(f"  > {step['say']}\n    {turn.text[:300]!r}")
        opted_out = await phone_opted_out(assistant, sender) if channel == "sms" else None
        verdict = judge(step["expect"], turn, opted_out, form_before) if "expect" in step else "right"
        form_before = turn.active_loop
        if verdict != "right":
            problems.append(f"turn {number} {verdict}: {step['say']!r} -> {turn.text[:160]!r}")
    problems += await _outcome_problems(assistant, channel, sender, item.get("outcome") or {}, started)
    return ("right" if not problems else "miss"), problems + (transcript if problems else [])


async def _outcome_problems(
    assistant: Assistant, channel: str, sender: str, outcome: dict[str, Any], since: datetime
) -> list[str]:
    profile = await assistant.profile(channel, sender)
    if profile is None:
        return ["no profile"]
    until = (since + timedelta(days=70)).date().isoformat()
    listed = await assistant.staff("/api/bookings", **{"from": since.date().isoformat(), "to": until})
    mine = [b for b in listed if b["customer_id"] == profile["id"]]
    live = [b for b in mine if b["status"] == "confirmed"]
    problems = []
    if wanted := outcome.get("booking"):
        if not any(_booking_matches(b, wanted) for b in live):
            problems.append(f"no confirmed booking like {wanted}; has {[_short(b) for b in mine]}")
    if outcome.get("no_booking") and live:
        problems.append(f"booked although they backed out: {[_short(b) for b in live]}")
    if outcome.get("cancelled") and (not mine or live):
        problems.append(f"not cancelled: {[_short(b) for b in mine]}")
    if wanted := outcome.get("rescheduled"):
        moved = [b for b in live if _weekday(b) == str(wanted.get("weekday", "")).lower()]
        if not moved or not any(b["status"] == "cancelled" for b in mine):
            problems.append(f"not moved to {wanted}: {[_short(b) for b in mine]}")
    year = datetime.now().year
    for person in outcome.get("household_includes") or []:
        found = [
            m
            for m in profile["household"]
            if m["name"].lower() == str(person["name"]).lower()
            and (
                not person.get("age")
                or (m["birth_year"] or 0) in (year - person["age"], year - person["age"] - 1)
            )
        ]
        if not found:
            problems.append(f"household lacks {person}: {profile['household']}")
    wanted_cars = outcome.get("vehicle_includes") or []
    for wanted in [wanted_cars] if isinstance(wanted_cars, dict) else wanted_cars:  # one car, or a list
        if not any(
            v["model"].lower() == str(wanted["model"]).lower()
            and (not wanted.get("year") or v["year"] == wanted["year"])
            for v in profile["vehicles"]
        ):
            problems.append(f"vehicles lack {wanted}: {profile['vehicles']}")
    if outcome.get("handoff") and not profile["handoffs"]:
        problems.append("no handoff")
    return problems


def _weekday(booking: dict[str, Any]) -> str:
    return WEEKDAYS[datetime.fromisoformat(booking["start"]).weekday()]


def _short(booking: dict[str, Any]) -> str:
    what = booking["clinic"] or "+".join(booking["services"] or [])
    return f"{what} {booking['start'][:16]} x{booking['party_size']} {booking['status']}"


def _booking_matches(booking: dict[str, Any], wanted: dict[str, Any]) -> bool:
    start = datetime.fromisoformat(booking["start"])
    checks = [
        booking["kind"] == wanted.get("kind", booking["kind"]),
        not wanted.get("clinic") or booking["clinic"] == wanted["clinic"],
        not wanted.get("party_size") or booking["party_size"] == wanted["party_size"],
        not wanted.get("weekday") or _weekday(booking) == str(wanted["weekday"]).lower(),
        not wanted.get("services") or set(wanted["services"]) <= set(booking["services"] or []),
        not wanted.get("time") or f"{start:%H:%M}" == wanted["time"],
        not wanted.get("part_of_day") or (start.hour < 12) == (wanted["part_of_day"] == "morning"),
    ]
    return all(checks)


def _table(title: str, rows: dict[str, Counter[str]]) -> str:
    lines = [f"\n{title}", f"{'category':28} {'n':>4} {'right':>7} {'wrong':>7} {'miss':>7}"]
    total: Counter[str] = Counter()
    for category in sorted(rows):
        counts = rows[category]
        total += counts
        lines.append(_row(category, counts))
    lines.append(_row("ALL", total))
    return "\n".join(lines)


def _row(name: str, counts: Counter[str]) -> str:
    n = sum(counts.values())
    pct = {k: f"{100 * counts[k] / n:.1f}%" if n else "-" for k in ("right", "wrong", "miss")}
    return f"{name:28} {n:>4} {pct['right']:>7} {pct['wrong']:>7} {pct['miss']:>7}"


async def evaluate(blind: Path, show_misses: bool, only: str | None) -> None:
    singles = yaml.safe_load((blind / "single_turn.yml").read_text()) if only != "conversations" else []
    conversations = yaml.safe_load((blind / "conversations.yml").read_text()) if only != "single" else []
    env = {
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "PUBLIC_URL": PUBLIC_URL,
        "RASA_TOKEN": secrets.token_urlsafe(16),
    }
    with (
        tempfile.TemporaryDirectory() as var,
        start_stack(Path(var), config.model_path(), extra_env=env) as stack,
    ):
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http:
            assistant = Assistant(stack, http)
            started = time.monotonic()
            gate = asyncio.Semaphore(4)

            async def bounded(coroutine: Any) -> Any:
                async with gate:
                    return await coroutine

            single_results = await asyncio.gather(
                *(bounded(single_turn(assistant, item, n)) for n, item in enumerate(singles))
            )
            conversation_results = []
            for n, item in enumerate(conversations):  # one at a time: bookings compete for seats
                conversation_results.append(await conversation(assistant, item, n))
    by_category: dict[str, Counter[str]] = defaultdict(Counter)
    for item, (verdict, turn) in zip(singles, single_results, strict=True):
        by_category[item["category"]][verdict] += 1
        if show_misses and verdict != "right":
            print(
                f"{verdict:5} [{item['category']}] {item['text']!r} -> intent={turn.intent} "
                f"loop={turn.active_loop} topics={turn.topics} {turn.text[:140]!r}"
            )
    goals: dict[str, Counter[str]] = defaultdict(Counter)
    for item, (verdict, problems) in zip(conversations, conversation_results, strict=True):
        goals[item["category"]][verdict] += 1
        if show_misses and verdict != "right":
            print(f"\nMISS {item['id']} [{item['category']}] {item['goal']}")
            print("\n".join(f"  {p}" for p in problems))
    if singles:
        print(_table(f"Single-turn ({len(singles)} messages)", by_category))
    if conversations:
        print(_table(f"Multi-turn goals ({len(conversations)} conversations)", goals))
        bookings = [
            v
            for item, (v, _) in zip(conversations, conversation_results, strict=True)
            if "booking" in (item.get("outcome") or {})
        ]
        print(f"\nbooking conversations booked as wanted: {bookings.count('right')}/{len(bookings)}")
    print(f"\n{blind}: {time.monotonic() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--set", type=Path, default=BLIND, help="folder with single_turn.yml and conversations.yml"
    )
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--only", choices=("single", "conversations"))
    args = parser.parse_args()
    asyncio.run(evaluate(args.set, args.show_misses, args.only))


if __name__ == "__main__":
    main()
