"""The Rasa server, started the way `rasa run` starts it, with this process's `Services` handed to
what Rasa would otherwise create without them: the input channels in credentials.yml and the
engagement broker.

Rasa's `serve_application` builds each channel from credentials.yml with no way to pass it
anything; this does the same steps (channels, `configure_app`, the agent loaded before serving)
with channels that are given the services and the broker, and the broker given to Rasa as an
object, which Rasa's `EventBroker.create` accepts as it is.
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path
from typing import Any

from rasa.core import run
from rasa.core.channels.channel import InputChannel
from rasa.core.utils import AvailableEndpoints, number_of_sanic_workers
from rasa.shared.utils.common import class_from_module_path
from rasa.shared.utils.io import read_config_file
from rasa.utils.common import update_sanic_log_level

from bot import config
from bot.engagement.broker import EngagementBroker
from bot.services import Services


class UsesServices:
    """Mixed into our input channels: the services and broker, given by `input_channels`."""

    services: Services
    broker: EngagementBroker

    @classmethod
    def with_services(
        cls, services: Services, broker: EngagementBroker, credentials: dict[str, Any] | None
    ) -> InputChannel:
        channel = cls.from_credentials(credentials)  # type: ignore[attr-defined]
        channel.services, channel.broker = services, broker
        return channel


def input_channels(services: Services, broker: EngagementBroker, credentials: Path) -> list[InputChannel]:
    """The channels credentials.yml lists, with their settings there."""
    channels = []
    for class_path, settings in read_config_file(str(credentials)).items():
        channel_class = class_from_module_path(class_path)
        if not issubclass(channel_class, UsesServices):
            raise SystemExit(f"credentials.yml: {class_path} is not one of the assistant's channels")
        channels.append(channel_class.with_services(services, broker, settings))
    return channels


def serve(services: Services, endpoints: AvailableEndpoints) -> None:
    """Load the model and serve the channels and Rasa's HTTP API (which needs the Rasa token)."""
    broker = EngagementBroker(services.profiles)
    endpoints.event_broker = broker  # type: ignore[assignment]  # Rasa takes a broker object as is
    port = config.ports().rasa
    app = run.configure_app(
        input_channels(services, broker, config.PROJECT_ROOT / "credentials.yml"),
        cors=config.allowed_origins(),
        auth_token=config.rasa_token(),
        enable_api=True,
        port=port,
        endpoints=endpoints,
    )
    app.register_listener(
        partial(run.load_agent_on_start, str(config.model_path()), endpoints, None), "before_server_start"
    )
    app.register_listener(run.close_resources, "after_server_stop")
    update_sanic_log_level()  # as `rasa run`: no access log (its lines carry the Rasa token)
    app.run(
        host=config.listen_host("rasa"),
        port=port,
        backlog=int(os.environ.get("SANIC_BACKLOG", "100")),
        workers=number_of_sanic_workers(endpoints.lock_store),
        access_log=False,  # its lines carry query strings, and with them the Rasa token
    )
