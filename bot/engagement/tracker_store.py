"""Rasa's SQL tracker store, configured from `DATABASE_URL` like the rest of the system.

Conversations live in the same database as the profiles, so they survive restarts and any Rasa
server (when scaled out) can continue any conversation.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import Session, sessionmaker

from bot import config, db


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
        self._counted: dict[str, int] = {}  # stored events per conversation, from stream_events to save
        if url.get_backend_name() == "sqlite":
            # Rasa's own engine opens a new SQLite connection for every query, without a busy
            # timeout; the system's pooled engine (bot.db) serves the same file.
            self.engine.dispose()
            self.engine = db.engine_for(url)
            self.sessionmaker = sessionmaker(bind=self.engine)

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        """Hand the events not stored yet to the engagement broker.

        Rasa's own version loads and rebuilds the whole stored conversation on every save just
        to know how many events it has (about a sixth of the server's time under load, see
        bench/README.md); counting the rows finds the same offset, the one `save` stores from.
        """
        if self.event_broker is None:
            return
        with self.session_scope() as session:
            stored = self._event_query(
                session, tracker.sender_id, fetch_events_from_all_sessions=False
            ).count()
        # `save` runs `_additional_events` next, under the same conversation lock.
        self._counted[tracker.sender_id] = stored
        new_events = list(itertools.islice(tracker.events, stored, None))
        await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)

    def _additional_events(self, session: Session, tracker: DialogueStateTracker) -> Iterator[Event]:
        """What `save` stores: the events just published, without counting the rows again."""
        stored = self._counted.pop(tracker.sender_id, None)
        if stored is None:
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored, None)
