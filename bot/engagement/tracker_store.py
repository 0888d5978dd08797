"""Rasa's SQL tracker store, configured from `DATABASE_URL` like the rest of the system.

Conversations live in the same database as the profiles, so they survive restarts and any Rasa
server (when scaled out) can continue any conversation.
"""

from __future__ import annotations

from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain

from bot import config


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
