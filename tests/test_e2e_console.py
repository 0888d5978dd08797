"""The console against the real stack: taking a conversation over pauses the real Rasa server,
a staff reply reaches the website chat over socket.io, closing hands it back; and a real
headless Chromium logs in, finds a customer and sees the dashboard's charts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import async_playwright

from tests.chat import profile_of, say, wait_for, widget_session
from tests.console_client import COOKIE, Staff

ARTIFACTS = Path(__file__).parent / "artifacts"


async def _staff(http_session: aiohttp.ClientSession, stack) -> Staff:
    async with http_session.post(
        f"{stack.web_url}/staff/login",
        data={"token": stack.env["STAFF_TOKEN"], "name": "Sam Staff"},
        allow_redirects=False,
    ) as response:
        assert response.status == 303
        cookie = response.cookies[COOKIE].value
    return Staff(_Client(http_session, stack.web_url), cookie)


class _Client:
    """aiohttp's ClientSession with the stack's base URL, shaped like the test client."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self._session, self._base = session, base

    async def get(self, path: str, **kwargs):
        response = await self._session.get(self._base + path, **kwargs)
        await response.read()
        return response

    async def post(self, path: str, **kwargs):
        response = await self._session.post(self._base + path, **kwargs)
        await response.read()
        return response


async def _open_handoff(http_session, stack, sender):
    profile = await wait_for(lambda: _with_handoff(http_session, stack, sender))
    assert profile, "no handoff recorded"
    return profile["handoffs"][0]


async def _with_handoff(http_session, stack, sender):
    profile = await profile_of(http_session, stack, sender)
    return profile if profile and profile["handoffs"] else None


async def test_taking_over_a_rest_conversation_silences_the_assistant_until_handed_back(stack, http):
    sender = "e2e-takeover"
    assert await say(http, stack.rest_url, sender, "I want to talk to a person")
    handoff = await _open_handoff(http, stack, sender)
    staff = await _staff(http, stack)
    page = f"/staff/handoffs/{handoff['id']}"

    taken = await staff.post(f"{page}/take", {}, page)
    assert taken.status == 303, await taken.text()
    assert await say(http, stack.rest_url, sender, "hello? what about the Ion range?") == []
    # A new session (Rasa starts one after an hour of silence) must not end the takeover.
    rasa_api = f"http://127.0.0.1:{stack.rasa_port}/conversations/{sender}/execute"
    token = (stack.var_dir / "rasa_token").read_text().strip()
    async with http.post(rasa_api, params={"token": token}, json={"name": "action_session_start"}) as r:
        assert r.status == 200, await r.text()
    assert await say(http, stack.rest_url, sender, "anyone there?") == []
    replied = await staff.post(f"{page}/reply", {"text": "Hi, Sam here. The Ion goes 310 miles."}, page)
    assert replied.status == 303, await replied.text()

    profile = await wait_for(lambda: _rows_with(http, stack, sender, "Sam here"))
    assert profile, "staff reply not recorded"
    staff_rows = [e for e in profile["engagement"] if e["action"] == "staff_reply"]
    assert [e["direction"] for e in staff_rows] == ["out"]
    assert any(e["text"] == "hello? what about the Ion range?" for e in profile["engagement"])

    closed = await staff.post(f"{page}/close", {}, page)
    assert closed.status == 303
    assert await say(http, stack.rest_url, sender, "thanks!")  # the assistant answers again
    profile = await profile_of(http, stack, sender)
    assert profile["handoffs"][0]["status"] == "closed" and profile["handoffs"][0]["closed_by"] == "Sam Staff"


async def _rows_with(http_session, stack, sender, text):
    profile = await profile_of(http_session, stack, sender)
    return profile if profile and any(text in (e["text"] or "") for e in profile["engagement"]) else None


async def test_a_staff_reply_reaches_the_website_chat(stack, http):
    session_id = "e2e-widget-handoff"
    async with widget_session(stack.rasa_port, session_id) as (client, received):
        await client.emit(
            "user_uttered", {"message": "can I talk to a real person", "session_id": session_id}
        )
        handoff = await _open_handoff(http, stack, session_id)
        while not received.empty():
            received.get_nowait()
        staff = await _staff(http, stack)
        page = f"/staff/handoffs/{handoff['id']}"
        replied = await staff.post(f"{page}/reply", {"text": "Hello from Sam at the front desk"}, page)
        assert replied.status == 303, await replied.text()
        texts = []
        while "Sam: Hello from Sam at the front desk" not in texts:  # signed with the first name
            texts.append((await asyncio.wait_for(received.get(), 20))["text"])


@pytest.mark.timeout(300)
async def test_a_browser_logs_in_finds_a_customer_and_sees_the_dashboard(stack, http):
    sender = "e2e-browser"
    await say(http, stack.rest_url, sender, "my name is Rosa Diaz")
    await say(http, stack.rest_url, sender, "does the Tessa have a head-up display?")
    profile = await wait_for(lambda: profile_of(http, stack, sender))
    assert profile
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            page = await browser.new_page()
            await page.goto(f"{stack.web_url}/staff/dashboard")
            assert "/staff/login" in page.url
            await page.fill("input[name=name]", "Browser Staff")
            await page.fill("input[name=token]", stack.env["STAFF_TOKEN"])
            await page.click("button:has-text('Log in')")
            await page.wait_for_url("**/staff/dashboard")
            charts = page.locator("svg.chart")
            assert await charts.count() >= 8
            box = await charts.first.bounding_box()
            assert box and box["width"] > 100 and box["height"] > 50
            assert "Messages by channel and week" in await page.content()
            await page.screenshot(path=str(ARTIFACTS / "console-dashboard.png"), full_page=True)

            await page.click("a:has-text('Customers')")
            await page.fill("input[name=q]", sender)
            await page.click("button:has-text('Search')")
            await page.click(f"table.results a[href='/staff/customers/{profile['id']}'] >> nth=0")
            await page.wait_for_selector("table.timeline")
            assert "head-up display" in (await page.inner_text("table.timeline")).lower()
            await page.screenshot(path=str(ARTIFACTS / "console-customer.png"), full_page=True)
        finally:
            await browser.close()
