"""The staff console under `/staff`: login, customer search and profiles, the handoff inbox,
dashboards and next steps, as server-rendered HTML."""

from bot.console.pages import add_routes, console_auth
from bot.console.session import COOKIE, verify

__all__ = ["COOKIE", "add_routes", "console_auth", "verify"]
