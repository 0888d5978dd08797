"""What a customer hears when their message couldn't be handled: an apology, never silence.

Rasa 3.6 swallows a failed custom action (action server down, an action raising) with a log line
and answers nothing, and a tracker store that can't reach the database fails the whole turn.
Every input channel passes its `on_new_message` through `guarded`, which runs it in a `Turn`:
the action endpoint marks the turn when a call to the action server fails (`bot/rasa_speedups.py`),
the tracker store raises `DatabaseUnavailable`. Either way the customer gets a short apology with
the dealership's phone (recorded as engagement) instead of silence.

Deliberate silence stays silent: a conversation paused by staff runs no action, so nothing
fails, and the SMS channel never hands an opted-out number's messages to Rasa at all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from rasa.core.channels.channel import UserMessage
from sqlalchemy.exc import SQLAlchemyError

from bot.dealership import Dealership
from bot.engagement.broker import EngagementBroker
from bot.engagement.turn import DatabaseUnavailable, Turn, current_turn
from bot.profile import EngagementRecord
from bot.profile.models import utcnow

if TYPE_CHECKING:
    from bot.services import Services

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

_DATABASE_RETRIES = (0.5, 1.5)  # seconds; a turn that failed before anything was recorded is safe to redo


def apology(shop: Dealership) -> str:
    return (
        "Sorry, something went wrong on our side and I couldn't finish that. Please try again in a "
        f"minute, or call us at {shop.phone}."
    )


def retry_notice(shop: Dealership) -> str:
    return (
        "Sorry, I can't reach our records for a moment. I've kept your message and I'll retry saving it; "
        f"please send it again in a minute, or call us at {shop.phone}."
    )


def guarded(on_new_message: OnNewMessage, services: Services, broker: EngagementBroker) -> OnNewMessage:
    """`on_new_message` that apologises instead of staying silent (or failing) when handling breaks."""

    async def handle(message: UserMessage) -> None:
        turn = await _handle(on_new_message, message, broker)
        if turn is None:
            notice, action = retry_notice(services.dealership), "database_unavailable"
        elif turn.action_failed:
            notice, action = apology(services.dealership), "action_failed"
        else:
            return
        await message.output_channel.send_text_message(message.sender_id, notice)
        _record_later(broker, message, "out", notice, action)

    return handle


async def _handle(
    on_new_message: OnNewMessage, message: UserMessage, broker: EngagementBroker
) -> Turn | None:
    """The turn, or None when the database stayed unreachable (the message is then kept by the broker)."""
    for wait in (*_DATABASE_RETRIES, None):
        turn = Turn()
        token = current_turn.set(turn)
        try:
            await on_new_message(message)
            return turn
        except (DatabaseUnavailable, SQLAlchemyError) as error:
            # Type only: the exception text can quote the statement's parameters (customer data).
            logger.warning("Database unavailable while handling a message (%s)", type(error).__name__)
            if turn.recorded or wait is None:
                break
            await asyncio.sleep(wait)
        except Exception as error:  # noqa: BLE001 - any other failure: apologise, never a silent 500
            logger.error("Handling a message failed (%s)", type(error).__name__)
            turn.action_failed = True
            return turn
        finally:
            current_turn.reset(token)
    if not turn.recorded:
        _record_later(broker, message, "in", message.text)
    return None


def _record_later(
    broker: EngagementBroker,
    message: UserMessage,
    direction: str,
    text: str | None,
    action: str | None = None,
) -> None:
    """On the customer's timeline once the database is back (the broker keeps it till then)."""
    broker.record_later(
        EngagementRecord(
            sender_id=message.sender_id,
            channel=message.input_channel or "unknown",
            ts=utcnow(),
            direction=direction,
            text=text,
            action=action,
        )
    )
