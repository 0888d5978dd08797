"""Website page views in a real headless Chromium: a dealer's site (its own origin) embeds the
widget from the web app; with page views on, each page and single-page navigation is recorded with
its path and title and no query; with Global Privacy Control or Do Not Track, or page views off,
nothing is. The staff console then shows them and suggests EV 101. No model or Rasa needed: the
widget only connects to the chat when it is opened."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import Browser, Page, async_playwright, expect
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot import db
from bot.launch import free_port
from bot.profile.models import EngagementEvent
from bot.services import Services
from bot.web import create_app
from tests.dealer import services_on
from tests.staff import STAFF_TOKEN

CHROMIUM = "/usr/bin/chromium"
CHAT_SERVER = "http://127.0.0.1:9"  # never reached: the chat panel stays closed

# An init script that makes the browser send Global Privacy Control, as Brave or Firefox with the
# setting on do (Chromium has no switch for it; the header is added with extra_http_headers).
GPC = "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true});"
DNT = "Object.defineProperty(Navigator.prototype, 'doNotTrack', {get: () => '1'});"


async def serve(app: web.Application, port: int) -> web.AppRunner:
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


def dealer_site(widget_from: str) -> web.Application:
    """Any path is a page titled after it; a link changes page the single-page way (pushState)."""

    async def page(request: web.Request) -> web.Response:
        title = "Corvane Ion | Lakeside" if "ion" in request.path else "Lakeside Corvane"
        html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><a id="charging" href="/vehicles/ion/charging">Charging</a>
<script>
document.getElementById("charging").addEventListener("click", (event) => {{
  event.preventDefault();
  history.pushState({{}}, "", "/vehicles/ion/charging?tab=home#level-2");
  document.title = "Charging the Ion | Lakeside";
}});
addEventListener("popstate", () => (document.title = "{title}"));
</script>
<script src="{widget_from}/widget.js" defer data-server="{CHAT_SERVER}" data-title="Lakeside"></script>
</body></html>"""
        return web.Response(text=html, content_type="text/html")

    app = web.Application()
    app.router.add_get("/{tail:.*}", page)
    return app


Sites = Callable[[bool], Awaitable[tuple[str, str, Services]]]


@pytest.fixture
async def sites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Sites]:
    """Starts the web app (page views on or off) on a fresh SQLite database, and a dealer's site
    allowed to use it; gives (site URL, web app URL, services)."""
    runners: list[web.AppRunner] = []

    async def start(track: bool) -> tuple[str, str, Services]:
        url = make_url(f"sqlite:///{tmp_path / f'concierge-{len(runners)}.db'}")
        db.upgrade(url)
        services = services_on(url)
        site_port, web_port = free_port(), free_port()
        site_url, web_url = f"http://127.0.0.1:{site_port}", f"http://127.0.0.1:{web_port}"
        monkeypatch.setenv("TRACK_PAGE_VIEWS", "1" if track else "0")
        monkeypatch.setenv("ALLOWED_ORIGINS", site_url)
        app = create_app(services, staff_token=STAFF_TOKEN, rasa_url=CHAT_SERVER)
        runners.append(await serve(app, web_port))
        runners.append(await serve(dealer_site(web_url), site_port))
        return site_url, web_url, services

    yield start
    for runner in runners:
        await runner.cleanup()


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            yield browser
        finally:
            await browser.close()


def page_views(services: Services) -> list[EngagementEvent]:
    with services.sessions() as session:
        return list(session.scalars(select(EngagementEvent).order_by(EngagementEvent.id)))


async def recorded(page: Page, navigate: Callable[[], Awaitable[object]]) -> None:
    """Navigate and wait for the widget's page view to be answered as recorded."""
    async with page.expect_response(lambda r: r.url.endswith("/widget/page-views")) as answer:
        await navigate()
    assert (await answer.value).status == 204


async def test_page_views_are_recorded_with_path_and_title_and_no_query(sites):
    site, web_url, services = await sites(True)
    async with chromium() as browser:
        page = await browser.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))

        await recorded(
            page, lambda: page.goto(f"{site}/vehicles/ion?utm_source=mail&email=a%40b.example#specs")
        )
        await expect(page.locator(".mobility-concierge-chat")).to_have_attribute("data-page-views", "on")
        await recorded(page, lambda: page.click("#charging"))  # single-page navigation
        await recorded(page, page.go_back)  # back to /vehicles/ion (popstate)
        await recorded(page, lambda: page.goto(f"{site}/service?from=home"))

        session = await page.evaluate(
            f"JSON.parse(localStorage.getItem('mobility-concierge:{CHAT_SERVER}')).sessionId"
        )
        views = page_views(services)
        assert [(v.text, v.data) for v in views] == [
            ("/vehicles/ion", {"title": "Corvane Ion | Lakeside"}),
            ("/vehicles/ion/charging", {"title": "Charging the Ion | Lakeside"}),
            ("/vehicles/ion", {"title": "Corvane Ion | Lakeside"}),
            ("/service", {"title": "Lakeside Corvane"}),
        ]
        assert {(v.sender_id, v.channel, v.action) for v in views} == {(session, "web", "page_view")}
        customer = services.profiles.customer_for_sender("socketio", session)  # what the chat will use
        assert {v.customer_id for v in views} == {customer}
        stored = repr([(v.text, v.data) for v in views])
        assert (
            "utm" not in stored and "a%40b" not in stored and "tab=" not in stored and "level-2" not in stored
        )
        assert problems == []

        # Staff see them on the customer's timeline in the console, and EV 101 among next steps.
        await page.goto(f"{web_url}/staff/login")
        await page.get_by_label("Your name").fill("Sam Staff")
        await page.get_by_label("Staff token").fill(STAFF_TOKEN)
        await page.get_by_role("button", name="Log in").click()
        await page.goto(f"{web_url}/staff/customers/{customer}")
        timeline = page.locator("table.timeline")
        await expect(timeline.locator("tr", has_text="viewed page")).to_have_count(4)
        await expect(timeline).to_contain_text("Charging the Ion | Lakeside /vehicles/ion/charging")
        await expect(page.locator("body")).to_contain_text("viewed Ion pages 3 times on the website")


@pytest.mark.parametrize(
    ("init_script", "headers", "state"),
    [
        (GPC, {"Sec-GPC": "1"}, "declined"),  # Global Privacy Control
        (DNT, {"DNT": "1"}, "declined"),  # Do Not Track
        ("", {"Sec-GPC": "1"}, "off"),  # only the header: the server says no, the widget sends nothing
    ],
    ids=["gpc", "dnt", "gpc-header-only"],
)
async def test_a_browser_that_asks_not_to_be_tracked_sends_nothing(sites, init_script, headers, state):
    site, _, services = await sites(True)
    async with chromium() as browser:
        context = await browser.new_context(extra_http_headers=headers)
        if init_script:
            await context.add_init_script(init_script)
        page = await context.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        await page.goto(f"{site}/vehicles/ion")
        await expect(page.locator(".mobility-concierge-chat")).to_have_attribute("data-page-views", state)
        await page.click("#charging")
        await expect(page).to_have_title("Charging the Ion | Lakeside")
    assert not any(url.endswith("/widget/page-views") for url in requests)
    assert page_views(services) == []


async def test_nothing_is_sent_where_the_dealer_left_page_views_off(sites):
    site, _, services = await sites(False)
    async with chromium() as browser:
        page = await browser.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        await page.goto(f"{site}/vehicles/ion?utm_source=mail")
        await expect(page.locator(".mobility-concierge-chat")).to_have_attribute("data-page-views", "off")
        await page.click("#charging")
        await expect(page).to_have_title("Charging the Ion | Lakeside")
    assert not any(url.endswith("/widget/page-views") for url in requests)
    assert page_views(services) == []
