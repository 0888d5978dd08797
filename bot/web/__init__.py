"""The web app: health, the staff API, the website chat widget and its demo page (later the console)."""

from bot.web.app import create_app

__all__ = ["create_app"]
