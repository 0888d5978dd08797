"""The public routes behind customer emails' links: the open pixel, tracked links and unsubscribing.

- `GET /e/o/<token>.gif`: a 1x1 GIF; the open is recorded.
- `GET /e/c/<token>`: a 302 to the address inside the signed token (only the dealer's hosts); the
  click is recorded.
- `GET /e/u/<token>`: a page (no JavaScript) with one button that unsubscribes; nothing changes
  on GET, so a mail scanner following links unsubscribes nobody. `POST /e/u/<token>` with the
  body `List-Unsubscribe=One-Click` (RFC 8058, what mail programs send; the page's form sends
  the same) unsubscribes the address.

A forged, changed or expired token, or one for an email we don't have, is a 404 and records
nothing. No staff token: the token is the permission, and the page shows the address only masked.
"""

from __future__ import annotations

import asyncio
import base64
from html import escape

from aiohttp import web

from bot.mail.links import CLICK, OPEN, UNSUBSCRIBE, Link, Signer
from bot.mail.outbox import ONE_CLICK
from bot.mail.tracking import EmailTracking
from bot.web.shared import SERVICES

SIGNER = web.AppKey("email_link_signer", Signer)
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
PAGE_HEADERS = {
    **NO_STORE,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
}


def _link(request: web.Request, purpose: str) -> Link | None:
    signer = request.app.get(SIGNER)
    if signer is None:
        return None
    return signer.read(request.match_info["token"], purpose, request.app[SERVICES].clock())


def _tracking(request: web.Request) -> EmailTracking:
    return EmailTracking(request.app[SERVICES].sessions)


def _not_found() -> web.Response:
    return _page("Link not found", "This link isn't valid or has expired.", status=404)


async def open_pixel(request: web.Request) -> web.Response:
    link = _link(request, OPEN)
    if link is None or not await asyncio.to_thread(_tracking(request).opened, link.message_id):
        raise web.HTTPNotFound(headers=NO_STORE)
    return web.Response(body=PIXEL, content_type="image/gif", headers=NO_STORE)


async def follow_link(request: web.Request) -> web.Response:
    link = _link(request, CLICK)
    if link is None or link.target is None:
        return _not_found()
    if not await asyncio.to_thread(_tracking(request).clicked, link.message_id, link.target):
        return _not_found()
    raise web.HTTPFound(link.target, headers=NO_STORE)


async def unsubscribe_page(request: web.Request) -> web.Response:
    link = _link(request, UNSUBSCRIBE)
    found = await asyncio.to_thread(_tracking(request).address_of, link.message_id) if link else None
    if found is None:
        return _not_found()
    address, unsubscribed = found
    shop = escape(request.app[SERVICES].dealership.name)
    if unsubscribed:
        return _page("Unsubscribed", f"{escape(_masked(address))} gets no more emails from {shop}.")
    return _page(
        "Unsubscribe",
        f"Stop all emails from {shop} to {escape(_masked(address))}?",
        form=(
            f'<form method="post" action="{escape(request.path, quote=True)}">'
            '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
            '<input type="hidden" name="via" value="page">'
            "<button type=submit>Unsubscribe</button></form>"
        ),
    )


async def unsubscribe(request: web.Request) -> web.Response:
    link = _link(request, UNSUBSCRIBE)
    if link is None:
        return _not_found()
    form = await request.post()
    if f"List-Unsubscribe={form.get('List-Unsubscribe', '')}" != ONE_CLICK:
        return _page("Not unsubscribed", f"The request must carry {ONE_CLICK}.", status=400)
    source = "email:page" if form.get("via") == "page" else "email:one-click"
    address = await asyncio.to_thread(_tracking(request).unsubscribe, link.message_id, source)
    if address is None:
        return _not_found()
    shop = escape(request.app[SERVICES].dealership.name)
    return _page("Unsubscribed", f"Done: {escape(_masked(address))} gets no more emails from {shop}.")


def _masked(address: str) -> str:
    """j***@example.com: enough for the customer to recognise, little for anyone else."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def _page(title: str, message: str, form: str = "", status: int = 200) -> web.Response:
    return web.Response(
        text=PAGE.format(title=escape(title), message=message, form=form),
        status=status,
        content_type="text/html",
        headers=PAGE_HEADERS,
    )


def add_routes(app: web.Application, signer: Signer | None) -> None:
    """Without a signer (no EMAIL_LINK_SECRET) every link is a 404."""
    if signer is not None:
        app[SIGNER] = signer
    app.router.add_get(r"/e/o/{token:[A-Za-z0-9_.-]+}.gif", open_pixel)
    app.router.add_get("/e/c/{token}", follow_link)
    app.router.add_get("/e/u/{token}", unsubscribe_page)
    app.router.add_post("/e/u/{token}", unsubscribe)


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}</title>
<style>body{{font-family:Arial,Helvetica,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}}
button{{font-size:1rem;padding:.5rem 1rem}}</style>
</head>
<body>
<main>
<h1>{title}</h1>
<p>{message}</p>
{form}
</main>
</body>
</html>
"""
