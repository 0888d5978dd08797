"""What happens to one inbound SMS: dedup, keywords, opt-out silence, rate limit, replies to a
booking reminder, then the assistant.

Carrier keywords, requests to stop texting in any wording (`bot/channels/opt_out.py`) and the
channel's own notices are answered here, never by the assistant, so a retrained model can't break
STOP. A reply of C or X to the phone's latest reminder confirms or cancels that booking here too
(`bot/booking/replies.py`); R hands the assistant the request to move it.
Messages answered here are written to engagement directly; the rest go to Rasa, whose engagement
broker records them like any other channel's.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.booking.replies import answer_reminder
from bot.channels.opt_out import Verdict, classify
from bot.channels.sms.channel import (
    CHANNEL,
    HELP,
    OPT_IN,
    OPT_OUT,
    STOP_NOTICE,
    InboundSms,
    chosen_option,
    keyword_of,
    reminder_reply_of,
    render,
)
from bot.channels.sms.store import SmsStore
from bot.profile import EngagementRecord
from bot.profile.models import utcnow

if TYPE_CHECKING:
    from bot.services import Services

Converse = Callable[[str], Awaitable[list[dict[str, Any]]]]  # text in, Rasa's messages out

RATE_WINDOW = timedelta(minutes=1)
CONFIRM_OPT_OUT = "Do you want to stop getting texts from us? Reply STOP to confirm."


@dataclass(frozen=True)
class Answer:
    """How one SMS was handled: the outcome, the texts sent back, and the booking it acted on."""

    outcome: str
    texts: list[str]
    booking_code: str | None = None


class SmsInbox:
    def __init__(
        self, services: Services, store: SmsStore, per_minute: int = 20, retry_wait: float = 10
    ) -> None:
        self._services = services
        self._profiles = services.profiles
        self._store = store
        self._dealership = services.dealership
        self._per_minute = per_minute
        self._retry_wait = retry_wait

    async def handle(self, sms: InboundSms, converse: Converse) -> list[str]:
        """The SMS texts to reply with (none: stay silent). A repeated MessageSid gets the first answer."""
        customer = await asyncio.to_thread(self._profiles.customer_for_sender, CHANNEL, sms.phone)
        if not await asyncio.to_thread(self._store.receive, sms):
            return await self._earlier_reply(sms)
        try:
            answer = await self._answer(sms, customer, converse)
            reply = answer.texts
            if reply and await asyncio.to_thread(self._store.claim_introduction, sms.phone):
                if "STOP" not in reply[-1]:
                    reply[-1] = f"{reply[-1]}\n{STOP_NOTICE}"
            if answer.outcome != "answered":
                await asyncio.to_thread(self._profiles.record_engagement, self._records(sms, answer))
            await asyncio.to_thread(self._store.answered, sms, answer.outcome, reply)
        except BaseException:
            await asyncio.to_thread(self._store.forget, sms)
            raise
        return reply

    async def _answer(self, sms: InboundSms, customer: int, converse: Converse) -> Answer:
        """Checked in order of what must win: STOP always works, and a reminder reply is never one."""
        phone, word, name = sms.phone, keyword_of(sms.body), self._dealership.name
        if word in OPT_OUT:
            return await self._opt_out(sms, f"sms:{word}")
        if word in HELP:  # answered even after an opt-out, as carriers require
            return Answer(
                "help",
                [
                    f"{name}: this is our automated assistant. For a person, call {self._dealership.phone}. "
                    "Reply STOP to opt out, START to opt back in."
                ],
            )
        if await asyncio.to_thread(self._profiles.is_opted_out, phone):
            if word not in OPT_IN:
                return Answer("silenced", [])
            await asyncio.to_thread(self._profiles.opt_in, phone, f"sms:{word}")
            return Answer("opted_in", [f"{name}: you're resubscribed. Reply HELP for help, STOP to opt out."])
        verdict = classify(sms.body)
        if verdict is Verdict.OPT_OUT:  # "stop texting me please", "no me manden mensajes"
            return await self._opt_out(sms, "sms:message")
        if verdict is Verdict.MAYBE:  # "enough": ask, and opt nothing out until they reply STOP
            return Answer("opt_out_asked", [CONFIRM_OPT_OUT])
        since = utcnow() - RATE_WINDOW
        if await asyncio.to_thread(self._store.received_since, phone, since) > self._per_minute:
            first = await asyncio.to_thread(self._store.claim_limit_notice, phone, RATE_WINDOW)
            slow_down = (
                "That's a lot of messages at once! I've saved them, but I'll pause my replies for a "
                "minute. Please send your question again shortly."
            )
            return Answer("rate_limited", [slow_down] if first else [])
        if not sms.body.strip():
            polite = "Thanks! I can only read text, not pictures or attachments. Please type your question."
            return Answer("no_text", [polite] if sms.num_media else [])
        reply = reminder_reply_of(sms.body)
        reminded = (
            await asyncio.to_thread(answer_reminder, self._services, phone, customer, reply)
            if reply
            else None
        )
        if reminded and reminded.to_assistant is None:
            return Answer(reminded.outcome, reminded.texts, reminded.code)
        options = await asyncio.to_thread(self._store.options, phone)
        said = reminded.to_assistant if reminded else chosen_option(sms.body, options) or sms.body
        texts, offered = render(await converse(said))
        await asyncio.to_thread(self._store.offer, phone, offered)
        return Answer("answered", texts)

    async def _opt_out(self, sms: InboundSms, source: str) -> Answer:
        """Opt the number out, keeping what they wrote; only the first request is confirmed."""
        first = await asyncio.to_thread(self._profiles.opt_out, sms.phone, source, sms.body)
        name = self._dealership.name
        confirm = f"{name}: you're unsubscribed and will get no more texts. Reply START to resubscribe."
        return Answer("opted_out", [confirm] if first else [])

    async def _earlier_reply(self, sms: InboundSms) -> list[str]:
        """Twilio retried: wait for the first delivery's answer (it may still be in progress)."""
        deadline = time.monotonic() + self._retry_wait
        while True:
            outcome, reply = await asyncio.to_thread(self._store.reply_to, sms.message_sid)
            if outcome is not None or time.monotonic() > deadline:
                return list(reply or [])
            await asyncio.sleep(0.2)

    def _records(self, sms: InboundSms, answer: Answer) -> list[EngagementRecord]:
        now = utcnow()
        common = {"sender_id": sms.phone, "channel": CHANNEL, "booking_id": answer.booking_code}
        media = {"num_media": sms.num_media} if sms.num_media else None
        return [
            EngagementRecord(**common, ts=now, direction="in", text=sms.body, data=media),
            *(
                EngagementRecord(**common, ts=now, direction="out", text=text, action=f"sms_{answer.outcome}")
                for text in answer.texts
            ),
        ]
