"""A page in Debian's headless Chromium (Playwright never downloads a browser), for the console's
and the widget's browser tests; JavaScript off unless asked for, as the console must work without."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from playwright.async_api import Page, async_playwright

CHROMIUM = "/usr/bin/chromium"


@asynccontextmanager
async def chromium_page(javascript: bool = False) -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield await (await browser.new_context(java_script_enabled=javascript)).new_page()
        finally:
            await browser.close()
