"""Rasa's SQL tracker store, configured from `DATABASE_URL` like the rest of the system.

Conversations live in the same database as the profiles, so they survive restarts and any Rasa
server (when scaled out) can continue any conversation. When the database can't be reached the
turn fails as a whole (see `DatabaseUnavailable`) instead of continuing on an empty conversation.
"""

from __future__ import annotations

import json
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot import config, db
from bot.engagement.turn import DatabaseUnavailable, current_turn


class DatabaseUrlTrackerStore(SQLTrackerStore):
    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: EventBroker | None = None,
        **kwargs: Any,
    ) -> None:
        url = config.database_url()
        super().__init__(
            domain=domain,
            host=url.render_as_string(hide_password=False),
            event_broker=event_broker,
            **kwargs,
        )
        # The system's one engine per database instead of Rasa's own: pooled connections (Rasa's
        # SQLite engine opened a new connection for every read and write of a turn), SQLite's
        # pragmas, and connections checked before use after a database restart.
        self.engine.dispose()
        self.engine = db.engine_for(config.database_url())
        self.sessionmaker = sessionmaker(bind=self.engine)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        try:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        except SQLAlchemyError as error:
            raise _unavailable(error) from None

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's save, with the turn's new events found once. Rasa counts the stored events to
        find them for the database, and for the engagement broker loads and rebuilds the whole
        stored conversation (the biggest cost of a turn under load, see bench/README.md)."""
        try:
            with self.session_scope() as session:
                new_events = list(self._additional_events(session, tracker))
                session.add_all(self._row(tracker.sender_id, event) for event in new_events)
                session.commit()
        except SQLAlchemyError as error:
            raise _unavailable(error) from None
        if self.event_broker is not None:  # once stored, so a retried turn is never counted twice
            await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)

    def _row(self, sender_id: str, event: Event) -> Any:
        """An event as Rasa's `events` table stores it."""
        data = event.as_dict()
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            action_name=data.get("name"),
            data=json.dumps(data),
        )


def _unavailable(error: SQLAlchemyError) -> BaseException:
    """What to raise instead of the database's error, whose text can quote the statement's
    parameters (message text) and would be logged by Rasa's fail-safe wrapper.

    In a customer's turn, `DatabaseUnavailable`; elsewhere (Rasa's HTTP API) an ordinary error,
    which Rasa handles as it always has.
    """
    reason = f"the conversation store is unreachable ({type(error).__name__})"
    return DatabaseUnavailable(reason) if current_turn.get() is not None else RuntimeError(reason)
