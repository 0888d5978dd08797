"""The action server: rasa_sdk's webhook, with every action created once, given the process's
`Services`.

rasa_sdk's own server creates each action with no arguments, so actions would have to reach for
module-level stores. Here the actions package is imported, each `Action` subclass in it is created
with `services` (each mixes in `actions.common.UsesServices`), and the same three routes
rasa_sdk serves (`/health`, `/webhook`, `/actions`) answer as rasa_sdk's do.
"""

from __future__ import annotations

import importlib
import inspect
import json
import logging
import pkgutil
import zlib
from typing import Any

from rasa_sdk import Action, utils
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.services import Services

logger = logging.getLogger(__name__)


def executor_for(services: Services, package: str = "actions") -> ActionExecutor:
    """Every action in `package`, created once with `services`."""
    module = importlib.import_module(package)
    for info in pkgutil.walk_packages(module.__path__, f"{package}."):
        importlib.import_module(info.name)
    executor = ActionExecutor()
    for action_class in utils.all_subclasses(Action):
        if not action_class.__module__.startswith(f"{package}.") or inspect.isabstract(action_class):
            continue
        executor.register_action(action_class(services))
    return executor


def create_action_app(services: Services, package: str = "actions") -> Sanic:
    app = Sanic("concierge_actions", configure_logging=False)
    executor = executor_for(services, package)

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.post("/webhook")
    async def webhook(request: Request) -> HTTPResponse:
        if request.headers.get("Content-Encoding") == "deflate":
            action_call = json.loads(zlib.decompress(request.body))
        else:
            action_call = request.json
        if action_call is None:
            return response.json({"error": "Invalid body request"}, status=400)
        utils.check_version_compatibility(action_call.get("version"))
        try:
            result = await executor.run(action_call)
        except ActionExecutionRejection as rejection:
            logger.debug(rejection)
            return response.json(
                {"error": rejection.message, "action_name": rejection.action_name}, status=400
            )
        except ActionNotFoundException as missing:
            logger.error(missing)
            return response.json({"error": missing.message, "action_name": missing.action_name}, status=404)
        return response.json(result)

    @app.get("/actions")
    async def actions(_: Request) -> HTTPResponse:
        return response.json([{"name": name} for name in executor.actions])

    @app.exception(Exception)
    async def failed(request: Request, exception: Exception) -> HTTPResponse:
        logger.error("Exception occurred during execution of request %s", request, exc_info=exception)
        body: dict[str, Any] = {"error": str(exception), "request_body": request.json}
        return response.json(body, status=500)

    return app
