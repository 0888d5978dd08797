"""The website side: the chat widget's files and a demo dealership page that embeds it.

The widget is static, dependency-free JavaScript and CSS (`bot/web/static/`), so a dealer adds
one `<script>` tag and needs no build step. The demo page is what that looks like on a real site,
with a Content-Security-Policy that allows exactly what the widget needs.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

from aiohttp import web

from bot import config
from bot.web.shared import SERVICES

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_FILES = {
    "/widget.js": "application/javascript",
    "/widget.css": "text/css",
    "/demo.css": "text/css",
}

HOST_AND_PORT = re.compile(r"(?P<name>[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(:\d{1,5})?")


async def static_file(request: web.Request) -> web.FileResponse:
    """Short caching, so a dealer's pages pick up a new widget within minutes."""
    response = web.FileResponse(STATIC_DIR / request.path.lstrip("/"))
    response.content_type = STATIC_FILES[request.path]
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def chat_server_url(request: web.Request) -> str:
    """The Rasa server as the visitor's browser reaches it: the page's host name, Rasa's port.

    The Host header is the client's to write, so anything but a plain host name falls back to
    localhost rather than reaching the page or its policy.
    """
    host = HOST_AND_PORT.fullmatch(request.host or "")
    name = host.group("name") if host else "localhost"
    return f"{request.scheme}://{name}:{config.ports().rasa}"


def content_security_policy(chat_server: str) -> str:
    """Scripts, styles and fonts from here only; the socket to the chat server; bot images over https."""
    socket = chat_server.replace("http", "ws", 1)
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: https:",
            f"connect-src 'self' {chat_server} {socket}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


async def demo_page(request: web.Request) -> web.Response:
    shop = request.app[SERVICES].dealership
    server = chat_server_url(request)
    name, phone, address = (escape(value) for value in (shop.name, shop.phone, shop.address))
    tel = escape("".join(ch for ch in shop.phone if ch.isdigit() or ch == "+"))
    page = DEMO_PAGE.format(name=name, phone=phone, tel=tel, address=address, server=escape(server))
    return web.Response(
        text=page,
        content_type="text/html",
        headers={
            "Content-Security-Policy": content_security_policy(server),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "Cache-Control": "no-cache",
        },
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", demo_page)
    for path in STATIC_FILES:
        app.router.add_get(path, static_file)


DEMO_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name}: new Corvanes, service and owner clinics</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/demo.css">
</head>
<body>
<header class="site-header">
  <p class="brand">{name}</p>
  <p class="contact"><a href="tel:{tel}">{phone}</a> &middot; {address}</p>
</header>
<main>
  <section class="hero">
    <h1>Your Corvane, looked after</h1>
    <p>New and certified Corvanes, factory service, and free clinics for new owners and teen
    drivers. Questions about a feature or a trim? Ask our assistant, bottom right.</p>
  </section>
  <section class="cards">
    <article><h2>The lineup</h2><p>Tessa, Lumen, Summit, Forge Trail and the all-electric Ion.</p></article>
    <article><h2>Service</h2><p>Oil changes, tyres, brakes and recalls, with loaner cars.</p></article>
    <article><h2>Clinics</h2><p>Free: the New Owner Tech Clinic and the Teen Driver Safety Clinic.</p>
    </article>
  </section>
</main>
<footer class="site-footer"><p>{name} &middot; {address} &middot; {phone}</p></footer>
<script src="/widget.js" defer
  data-server="{server}"
  data-title="{name}"
  data-greeting="Hi! Ask me about your Corvane's features, or book a free clinic."
  data-color="#0b5cad"
  data-position="right"></script>
</body>
</html>
"""
