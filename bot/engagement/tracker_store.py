"""Rasa's SQL tracker store, configured from `DATABASE_URL` like the rest of the system.

Conversations live in the same database as the profiles, so they survive restarts and any Rasa
server (when scaled out) can continue any conversation. When the database can't be reached the
turn fails as a whole (see `DatabaseUnavailable`) instead of continuing on an empty conversation.
"""

from __future__ import annotations

from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import SQLAlchemyError

from bot import config
from bot.engagement.turn import DatabaseUnavailable, current_turn


class DatabaseUrlTrackerStore(SQLTrackerStore):
    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: EventBroker | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            domain=domain,
            host=config.database_url().render_as_string(hide_password=False),
            event_broker=event_broker,
            **kwargs,
        )

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        try:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        except SQLAlchemyError as error:
            raise _unavailable(error) from None

    async def save(self, tracker: DialogueStateTracker) -> None:
        try:
            await super().save(tracker)
        except SQLAlchemyError as error:
            raise _unavailable(error) from None


def _unavailable(error: SQLAlchemyError) -> BaseException:
    """What to raise instead of the database's error, whose text can quote the statement's
    parameters (message text) and would be logged by Rasa's fail-safe wrapper.

    In a customer's turn, `DatabaseUnavailable`; elsewhere (Rasa's HTTP API) an ordinary error,
    which Rasa handles as it always has.
    """
    reason = f"the conversation store is unreachable ({type(error).__name__})"
    return DatabaseUnavailable(reason) if current_turn.get() is not None else RuntimeError(reason)
