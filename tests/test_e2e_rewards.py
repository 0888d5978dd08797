"""Redeeming a reward in a real headless Chromium with JavaScript switched off: a stranger is
sent to the login, a logged-in staff member marks the code redeemed with the page's form and
sees who redeemed it; the dashboard shows the counts."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.engine import make_url

from bot import db
from bot.profile import ContactDetails
from bot.rewards import issue_earned
from bot.web.app import create_app
from tests.browser import chromium_page
from tests.staff import STAFF_TOKEN
from tests.test_rewards import services_with

ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.mark.processes
@pytest.mark.timeout(300)
async def test_staff_mark_a_reward_redeemed_in_a_browser_without_javascript(tmp_path):
    url = make_url(f"sqlite:///{tmp_path / 'rewards.db'}")
    db.upgrade(url)
    services = services_with(url, tmp_path)
    customer = services.profiles.customer_for_sender("rest", "browser-rewards")
    customer = services.profiles.record_contact_details(
        customer, ContactDetails(name="Pat Doe", phone="+15550107777")
    )
    (issued,) = issue_earned(services, customer)
    app = create_app(services, staff_token=STAFF_TOKEN, rasa_url="http://127.0.0.1:9")
    ARTIFACTS.mkdir(exist_ok=True)
    async with TestServer(app) as server, chromium_page() as page:
        base = str(server.make_url("")).rstrip("/")
        await page.goto(f"{base}/staff/customers/{customer}")
        assert "/staff/login" in page.url and issued.code not in await page.content()

        await page.fill("input[name=name]", "Robin Desk")
        await page.fill("input[name=token]", STAFF_TOKEN)
        await page.click("button:has-text('Log in')")
        await page.wait_for_url(f"**/staff/customers/{customer}")
        rewards = page.locator("table.rewards")
        assert issued.code in await rewards.inner_text()

        await rewards.locator("button:has-text('Mark redeemed')").click()
        await page.wait_for_url(f"**/staff/customers/{customer}?notice=*")
        assert f"Reward {issued.code} redeemed" in await page.inner_text("[role=status]")
        row = await rewards.locator("tr", has_text=issued.code).inner_text()
        assert "(Robin Desk)" in row and "Mark redeemed" not in row
        assert "reward_redeemed" in await page.content()
        await page.screenshot(path=str(ARTIFACTS / "console-rewards.png"), full_page=True)

        await page.goto(f"{base}/staff/dashboard")
        summary = await page.inner_text("p.rewards")
        assert "1 issued · 1 redeemed in this period" in summary
        assert await page.locator("svg", has_text="Rewards: 1 issued, 1 redeemed").count() == 1
