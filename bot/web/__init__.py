"""The web app: health, the staff API (and later the console and the widget)."""

from bot.web.app import create_app

__all__ = ["create_app"]
