"""The attribution page's revenue model in a real headless Chromium with JavaScript switched off:
strangers are sent to the login and the model's API refuses them; a logged-in staff member sees
"Fitting…" before the first fit, then the model's table, its held-out check and the method."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.engine import make_url

from bot import db
from bot.demo_data import generate
from bot.web.app import create_app
from bot.web.shared import REVENUE_MODEL
from tests.browser import chromium_page
from tests.dealer import services_on
from tests.staff import STAFF_TOKEN

ARTIFACTS = Path(__file__).parent / "artifacts"
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)


@pytest.mark.processes
@pytest.mark.timeout(300)
async def test_a_browser_without_javascript_sees_what_engagement_is_worth(tmp_path):
    url = make_url(f"sqlite:///{tmp_path / 'demo.db'}")
    db.upgrade(url)
    services = services_on(url, lambda: NOW)
    generate(services, households=400, months=12, seed=21)
    app = create_app(services, staff_token=STAFF_TOKEN, rasa_url="http://127.0.0.1:9")
    ARTIFACTS.mkdir(exist_ok=True)
    async with TestServer(app) as server, chromium_page() as page:
        base = str(server.make_url("")).rstrip("/")
        refused = await page.goto(f"{base}/api/reports/revenue-model")
        assert refused.status == 401 and "(demo)" not in await page.content()
        await page.goto(f"{base}/staff/attribution")
        assert "/staff/login" in page.url and "engagement is worth" not in await page.content()

        await page.fill("input[name=name]", "Browser Staff")
        await page.fill("input[name=token]", STAFF_TOKEN)
        await page.click("button:has-text('Log in')")
        await page.wait_for_url("**/staff/attribution")
        section = page.locator("section.revenue-model")
        assert "Fitting…" in await section.inner_text()

        await asyncio.to_thread(app[REVENUE_MODEL].refit_if_due)  # what the served app does in the background
        await page.reload()
        text = await section.inner_text()
        assert "Fitting…" not in text and "Demo data:" in text and "AUC" in text
        rows = await page.locator("table.model-effects tr").all_inner_texts()
        assert any(row.startswith("clinics attended") for row in rows)
        assert any(row.startswith("emails opened") for row in rows)
        assert await page.locator("table.calibration tr").count() == 1 + 10
        assert "association, not cause" in await page.inner_text("section.revenue-model")
        box = await section.bounding_box()
        assert box and box["height"] > 300
        await page.screenshot(path=str(ARTIFACTS / "console-revenue-model.png"), full_page=True)
