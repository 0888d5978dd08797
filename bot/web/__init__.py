"""The web app: health, the staff API, the website chat widget and its demo page (later the console)."""

from bot.web.access_log import PathOnlyAccessLogger
from bot.web.app import create_app

__all__ = ["PathOnlyAccessLogger", "create_app"]
