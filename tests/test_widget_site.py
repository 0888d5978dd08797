"""The demo page and the widget's files over real HTTP (aiohttp's test server), and ALLOWED_ORIGINS."""

import re

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot import config
from bot.web import create_app
from tests.dealer import SHOP


@pytest.fixture
async def site(services, unused_tcp_port):
    app = create_app(services, staff_token="t", rasa_url=f"http://127.0.0.1:{unused_tcp_port}")
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


async def test_the_demo_page_names_the_dealership_and_embeds_the_widget(site, monkeypatch):
    monkeypatch.setenv("RASA_PORT", "5123")
    response = await site.get("/")
    assert response.status == 200 and response.content_type == "text/html"
    page = await response.text()
    shop = SHOP
    assert shop.name == "Lakeside Corvane"
    for fact in (shop.name, shop.phone, shop.address):
        assert fact in page
    assert 'href="tel:+15550102000"' in page
    [tag] = re.findall(r"<script [^>]*></script>", page)
    assert 'src="/widget.js"' in tag and 'data-server="http://127.0.0.1:5123"' in tag
    for attribute in ("data-title", "data-greeting", "data-color", "data-position"):
        assert attribute in tag
    assert "<style" not in page and "style=" not in page and "onclick" not in page  # the CSP allows none

    parts = response.headers["Content-Security-Policy"].split(";")
    policy = dict(part.strip().split(" ", 1) for part in parts)
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["connect-src"] == "'self' http://127.0.0.1:5123 ws://127.0.0.1:5123"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("path", "content_type", "marker"),
    [
        ("/widget.js", "application/javascript", "user_uttered"),
        ("/widget.css", "text/css", ".mc-launcher"),
        ("/demo.css", "text/css", ".site-header"),
    ],
)
async def test_the_widget_files_are_served_without_a_token(site, path, content_type, marker):
    response = await site.get(path)
    assert response.status == 200 and response.content_type == content_type
    assert marker in await response.text()
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age" in response.headers["Cache-Control"]


async def test_the_widget_never_parses_text_as_html():
    """Bot and customer text reach the page through textContent only."""
    source = (config.PROJECT_ROOT / "bot" / "web" / "static" / "widget.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in source


async def test_the_staff_api_still_needs_its_token(site):
    assert (await site.get("/api/customers?sender_id=x")).status == 401


def test_allowed_origins_default_to_the_web_apps_own(monkeypatch):
    monkeypatch.delenv("ALLOWED_ORIGINS", raising=False)
    monkeypatch.setenv("WEB_PORT", "8123")
    assert config.allowed_origins() == ["http://localhost:8123", "http://127.0.0.1:8123"]


def test_allowed_origins_are_read_and_checked(monkeypatch):
    monkeypatch.setenv("ALLOWED_ORIGINS", " https://www.lakeside.example/, http://localhost:8000 ")
    assert config.allowed_origins() == ["https://www.lakeside.example", "http://localhost:8000"]
    for bad in ("www.lakeside.example", "https://lakeside.example/chat", "ftp://x.example", "*"):
        monkeypatch.setenv("ALLOWED_ORIGINS", bad)
        with pytest.raises(SystemExit, match="ALLOWED_ORIGINS must list origins"):
            config.allowed_origins()


async def test_a_forged_host_header_never_reaches_the_page_or_its_policy(site, monkeypatch):
    monkeypatch.setenv("RASA_PORT", "5123")
    response = await site.get("/", headers={"Host": 'evil.example"><script>alert(1)</script>'})
    assert response.status == 200
    page = await response.text()
    assert "<script>alert" not in page and 'data-server="http://localhost:5123"' in page
    assert "evil" not in response.headers["Content-Security-Policy"]
