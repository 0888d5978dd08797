"""Requests to stop texting typed on the website (widget and REST), answered here before Rasa.

Consent to texts can be revoked by any reasonable means, including the website chat: "please stop
texting me" in the widget opts out every phone on the customer's profile, says so once, and never
reaches the assistant (whose answer could be anything). On the website only requests that name
texts count (`opt_out.classify(..., "web")`): a bare "stop" there is about the conversation.
A profile without a phone has nothing to opt out, so its message goes to the assistant as usual
(e.g. "don't text me" answering the contact form's question about texts is recorded there).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage

from bot.channels.opt_out import Verdict, classify
from bot.profile import EngagementRecord, ProfileStore
from bot.profile.models import utcnow

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
SOURCE = "web:message"


def stop_texting_first(on_new_message: OnNewMessage, store: ProfileStore) -> OnNewMessage:
    """`on_new_message` that handles a request to stop texting itself and passes the rest on."""

    async def handle(message: UserMessage) -> Any:
        text = message.text or ""
        verdict = Verdict.NONE if text.startswith("/") else classify(text, "web")  # "/...": a button
        if verdict is Verdict.NONE:
            return await on_new_message(message)
        channel = message.input_channel or "unknown"
        customer = await asyncio.to_thread(store.customer_for_sender, channel, message.sender_id)
        phones = await asyncio.to_thread(store.phones_of, customer)
        if not phones:
            return await on_new_message(message)
        if verdict is Verdict.OPT_OUT:
            reply = await asyncio.to_thread(_opt_out, store, phones, text)
            action = "opted_out"
        elif await asyncio.to_thread(store.reachable_phone, customer) is None:
            return await on_new_message(message)  # a maybe, but we text none of their numbers already
        else:
            reply = (
                f"Do you want to stop getting texts from us at {_numbers(phones)}? "
                'To confirm, type "stop texting me".'
            )
            action = "opt_out_asked"
        await message.output_channel.send_text_message(message.sender_id, reply)
        now = utcnow()
        await asyncio.to_thread(
            store.record_engagement,
            [
                EngagementRecord(message.sender_id, channel, now, "in", text=text),
                EngagementRecord(message.sender_id, channel, now, "out", text=reply, action=f"web_{action}"),
            ],
        )

    return handle


def _opt_out(store: ProfileStore, phones: list[str], text: str) -> str:
    """Opt every number out (keeping what they wrote) and say so."""
    newly = [phone for phone in phones if store.opt_out(phone, SOURCE, text)]
    if not newly:
        return f"You're already unsubscribed: we won't text you at {_numbers(phones)}."
    return (
        f"Done: you won't get any more texts from us at {_numbers(phones)}. You can keep chatting here; "
        "to get texts again, text START to our number."
    )


def _numbers(phones: list[str]) -> str:
    """The numbers as the customer knows them, without showing them whole on a web page."""
    endings = [f"the number ending {phone[-4:]}" for phone in phones]
    return endings[0] if len(endings) == 1 else ", ".join(endings[:-1]) + f" and {endings[-1]}"
