"""The website chat widget end to end: the demo page in a real headless Chromium, the running stack.

Also the socket.io channel's edge: foreign origins refused, bad messages answered with the reason.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
import socketio
from aiohttp import web
from playwright.async_api import Page, WebSocketRoute, async_playwright, expect

from bot.launch import free_port
from tests.chat import profile_of, wait_for

CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright never downloads a browser here
ARTIFACTS = Path(__file__).parent / "artifacts"
TURN_TIMEOUT = 60_000  # ms; the first turns load the model's pipeline


def rasa_url(stack) -> str:
    return f"http://127.0.0.1:{stack.rasa_port}"


async def test_foreign_origins_are_refused_and_the_web_apps_own_accepted(stack, http):
    foreign = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await foreign.connect(
            rasa_url(stack), transports=["websocket"], headers={"Origin": "https://evil.example"}
        )
    await foreign.disconnect()
    async with http.get(
        f"{rasa_url(stack)}/socket.io/",
        params={"EIO": "4", "transport": "polling"},
        headers={"Origin": "https://evil.example"},
    ) as response:
        assert response.status == 400 and "not an accepted origin" in await response.text()

    own = socketio.AsyncClient(reconnection=False)
    await own.connect(rasa_url(stack), transports=["websocket"], headers={"Origin": stack.web_url})
    try:
        assert own.connected
    finally:
        await own.disconnect()


async def test_bad_messages_are_refused_with_the_reason_and_good_ones_answered(stack, http):
    client = socketio.AsyncClient(reconnection=False)
    confirmed: asyncio.Queue[str] = asyncio.Queue()
    client.on("session_confirm", confirmed.put)
    await client.connect(rasa_url(stack), transports=["websocket"])
    try:
        early = await client.call("user_uttered", {"message": "hi", "session_id": "f" * 32}, timeout=30)
        assert "send session_request first" in early["error"]

        # A phone number can't be a session id: it would pass for an SMS customer's conversation.
        await client.emit("session_request", {"session_id": "+15550100123"})
        session = await asyncio.wait_for(confirmed.get(), 10)
        assert re.fullmatch(r"[0-9a-f]{32}", session)

        for bad, reason in [
            ("hello", "send an object"),
            ({"message": 5, "session_id": session}, '"message" must be a string'),
            ({"message": "x" * 20_001, "session_id": session}, "too long (20001 characters; at most 20000)"),
            ({"message": "hi", "session_id": "someone-elses-session-0001"}, "send session_request first"),
            ({"message": "hi", "session_id": session, "metadata": "{oops"}, '"metadata" must be an object'),
        ]:
            assert reason in (await client.call("user_uttered", bad, timeout=30))["error"]
        assert await client.call("user_uttered", {"message": "hello", "session_id": session}, timeout=60) == {
            "status": "ok"
        }
    finally:
        await client.disconnect()

    async def rows():
        profile = await profile_of(http, stack, session)
        return profile["engagement"] if profile and len(profile["engagement"]) >= 3 else None

    engagement = await wait_for(rows)
    assert [r["text"] for r in engagement if r["direction"] == "in"] == ["hello"]  # nothing refused got in


class Sockets:
    """Routes the page's WebSockets through the test, so it can cut them as a server restart would."""

    def __init__(self) -> None:
        self.down = False
        self.live: list[tuple[WebSocketRoute, WebSocketRoute]] = []

    async def route(self, ws: WebSocketRoute) -> None:
        if self.down:
            await ws.close(code=1011, reason="server restarting")
            return
        self.live.append((ws, ws.connect_to_server()))

    async def cut(self) -> None:
        self.down = True
        for page_side, server_side in self.live:
            await server_side.close()
            await page_side.close(code=1011, reason="server restarting")
        self.live.clear()


async def say(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Message")
    await box.fill(text)
    await box.press("Enter")


async def settled(page: Page) -> None:
    """The turn is over: the server acknowledged the message after sending every reply."""
    await expect(page.locator(".mc-typing")).to_be_hidden(timeout=TURN_TIMEOUT)
    await expect(page.locator(".mc-msg .mc-meta", has_text="Not sent")).to_have_count(0, timeout=TURN_TIMEOUT)


async def test_a_customer_chats_books_a_clinic_and_keeps_the_conversation(stack, http):
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 800})
            await _conversation(context, stack, http)
        finally:
            await browser.close()


async def _conversation(context, stack, http) -> None:
    sockets = Sockets()
    await context.route_web_socket(re.compile(r".*/socket\.io/.*"), sockets.route)
    page = await context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("dialog", lambda dialog: problems.append(f"a dialog opened: {dialog.message}"))

    await page.goto(f"{stack.web_url}/")
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert "Lakeside Corvane" in await page.title()
    await expect(page.locator(".contact")).to_contain_text("+1 555 010 2000")

    launcher = page.get_by_role("button", name="Open chat: Lakeside Corvane")
    panel = page.get_by_role("dialog", name="Lakeside Corvane")
    log = page.get_by_role("log", name="Conversation")
    await expect(panel).to_be_hidden()
    await launcher.click()
    await expect(panel).to_be_visible()
    await expect(launcher).to_have_attribute("aria-expanded", "true")
    await expect(page.get_by_role("textbox", name="Message")).to_be_focused()
    await expect(panel).to_contain_text("Ask me about your Corvane")  # the data-greeting

    # A feature question, answered with the feature named; a timestamp on every message.
    await say(page, "does the Tessa XLE have a head-up display?")
    await expect(log.locator(".mc-bot", has_text=re.compile("head-up display", re.I))).not_to_have_count(
        0, timeout=TURN_TIMEOUT
    )
    await expect(log).to_contain_text("automated assistant")
    await settled(page)
    assert await log.locator(".mc-msg time").count() == await log.locator(".mc-msg").count() >= 3

    # A clinic booking, choosing the session from the quick replies.
    await say(page, "sign my daughter up for the teen driving class")
    sessions = page.get_by_role("group", name="Suggested replies").get_by_role("button")
    await expect(sessions.first).to_contain_text("left)", timeout=TURN_TIMEOUT)
    await settled(page)
    await page.screenshot(path=ARTIFACTS / "widget-quick-replies.png")
    chosen = await sessions.first.inner_text()
    await sessions.first.click()
    await expect(log.locator(".mc-user").last).to_have_text(re.compile(re.escape(chosen)))  # shows the title
    await expect(log).to_contain_text("How old is your daughter", timeout=TURN_TIMEOUT)
    await settled(page)
    await say(page, "me and my daughter Emma")
    await expect(log).to_contain_text("aged 15-18", timeout=TURN_TIMEOUT)
    await settled(page)
    await say(page, "me and my daughter Emma, 15")
    await expect(log).to_contain_text("To confirm: Teen Driver Safety Clinic", timeout=TURN_TIMEOUT)
    await settled(page)
    replies = page.get_by_role("group", name="Suggested replies")
    await replies.get_by_role("button", name="Yes, book it").click()
    await expect(log).to_contain_text("You're booked", timeout=TURN_TIMEOUT)
    await settled(page)
    code = re.search(r"confirmation code is (\w{6})", await log.inner_text()).group(1)

    # The server goes away: what the customer types waits, and is sent when it is back.
    await sockets.cut()
    await expect(page.get_by_role("status")).to_contain_text("Connecting")
    await say(page, "what clinics do you have?")
    await expect(log.locator(".mc-user").last).to_contain_text("Not sent yet")
    await expect(page.get_by_role("status")).to_contain_text("sent when the connection is back")
    await page.screenshot(path=ARTIFACTS / "widget-offline.png")
    sockets.down = False
    await expect(page.get_by_role("group", name="Suggested replies")).to_contain_text(
        "New Owner Tech Clinic", timeout=TURN_TIMEOUT
    )
    await settled(page)
    await expect(page.get_by_role("status")).to_have_text("")
    await page.screenshot(path=ARTIFACTS / "widget-desktop.png")

    # Markup from a customer (or the bot) is shown as text and never runs.
    injected = ['<img src=x onerror="window.__pwned=1">', "<script>window.__pwned=1</script>"]
    for text in injected:
        await say(page, text)
        await expect(log.locator(".mc-user").last).to_have_text(re.compile(re.escape(text)))
        await settled(page)
    assert await page.evaluate("window.__pwned") is None
    assert await log.locator("img, script").count() == 0

    # The booking is on this customer's profile, under the widget's session.
    server = f"http://127.0.0.1:{stack.rasa_port}"
    stored = json.loads(await page.evaluate(f"localStorage.getItem('mobility-concierge:{server}')"))
    session = stored["sessionId"]

    async def booked_profile():
        profile = await profile_of(http, stack, session)
        texts = [r["text"] for r in profile["engagement"]] if profile else []
        return profile if injected[-1] in texts else None

    profile = await wait_for(booked_profile)
    assert profile, "the booking never reached the profile"
    assert {r["channel"] for r in profile["engagement"]} == {"socketio"}
    assert [r["booking_id"] for r in profile["engagement"] if r["booking_id"]] == [code]
    async with http.get(f"{stack.web_url}/api/bookings?kind=clinic", headers=stack.staff_headers) as response:
        [mine] = [b for b in await response.json() if b["code"] == code]
    assert (mine["clinic"], mine["party_size"], mine["status"]) == ("teen-driver-safety", 2, "confirmed")

    # A reload shows the conversation so far, exactly as it was.
    before = await log.inner_text()
    before_count = await log.locator(".mc-msg").count()
    await page.reload()
    await launcher.click()
    await expect(log.locator(".mc-msg")).to_have_count(before_count)
    assert (await log.inner_text()).strip() == before.strip()
    assert await page.evaluate("window.__pwned") is None

    # Another tab at phone width: same conversation, usable at 360 px, keyboard and Escape.
    phone = await context.new_page()
    phone.on("pageerror", lambda error: problems.append(f"page error (phone): {error}"))
    await phone.set_viewport_size({"width": 360, "height": 740})
    await phone.goto(f"{stack.web_url}/")
    phone_launcher = phone.get_by_role("button", name="Open chat: Lakeside Corvane")
    await phone_launcher.focus()
    await phone.keyboard.press("Enter")
    phone_panel = phone.get_by_role("dialog", name="Lakeside Corvane")
    await expect(phone_panel).to_be_visible()
    await expect(phone.get_by_role("textbox", name="Message")).to_be_focused()
    await expect(phone.get_by_role("log")).to_contain_text("You're booked")
    box = await phone_panel.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["y"] >= 0
    assert await phone.evaluate("document.documentElement.scrollWidth") <= 360
    for control in ("Send", "Close chat"):
        control_box = await phone.get_by_role("button", name=control).bounding_box()
        assert control_box and control_box["x"] + control_box["width"] <= 360
    await say(phone, "thanks!")
    await settled(phone)
    await phone.screenshot(path=ARTIFACTS / "widget-360px.png")
    await expect(log.locator(".mc-user").last).to_have_text(re.compile("thanks!"))  # the first tab follows
    await phone.keyboard.press("Escape")
    await expect(phone_panel).to_be_hidden()
    await expect(phone_launcher).to_be_focused()
    await expect(phone_launcher).to_have_attribute("aria-expanded", "false")

    assert problems == []


@pytest.fixture
async def foreign_site(stack):
    """Another website on this machine (another port: another origin), embedding our widget."""
    page = (
        f'<!doctype html><title>Elsewhere</title><script src="{stack.web_url}/widget.js" '
        f'data-server="http://127.0.0.1:{stack.rasa_port}" data-title="Elsewhere"></script>'
    )

    async def index(_: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", index)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        await runner.cleanup()


async def test_the_widget_on_a_foreign_site_cannot_chat(foreign_site):
    """A site not in ALLOWED_ORIGINS embeds the widget: the chat server refuses its socket."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            page = await browser.new_page()
            refused: list[str] = []
            page.on("websocket", lambda ws: ws.on("socketerror", lambda error: refused.append(error)))
            await page.goto(foreign_site)
            await page.get_by_role("button", name="Open chat: Elsewhere").click()
            await say(page, "hello")
            await expect(page.get_by_role("status")).to_contain_text("sent when the connection is back")
            await page.wait_for_timeout(3000)
            assert await page.locator(".mc-bot").count() == 0
            await expect(page.locator(".mc-user")).to_contain_text("Not sent yet")  # kept, not lost
            assert refused, "the browser should have seen the handshake refused"
        finally:
            await browser.close()
