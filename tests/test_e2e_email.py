"""Customer emails in a real headless Chromium, with JavaScript off as in mail programs: the HTML
part of a confirmation (sent through a real SMTP server, parsed back) shows its words, the
dealership's postal address and a working unsubscribe link, and loading its images records the
open; following the unsubscribe link and pressing the page's one button unsubscribes the address."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import async_playwright
from sqlalchemy.engine import URL, make_url

from bot import db
from tests.dealer import SHOP
from tests.staff import STAFF_TOKEN
from tests.test_email_engagement import (  # noqa: F401 - fixtures
    address_row,
    book,
    clock,
    customer,
    emails,
    events,
    parts,
    send,
    services,
    smtp,
    web,
    web_port,
)

CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright never downloads a browser here
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[URL]:
    """SQLite only: one browser run is enough, the databases are test_email_engagement.py's."""
    url = make_url(f"sqlite:///{tmp_path / 'email.db'}")
    db.upgrade(url)
    yield url
    db.engine_for(url).dispose()


@pytest.mark.timeout(120)
async def test_the_html_email_reads_right_in_chromium_and_its_unsubscribe_link_works_without_javascript(
    services,  # noqa: F811 - the fixture
    smtp,  # noqa: F811
    web,  # noqa: F811
    tmp_path,
):
    inbox, port = smtp
    customer_id, address = customer(services, 20)
    code = book(services, customer_id)
    assert await send(services, port) == {"sent": 1}
    message = inbox.received[-1][2]
    unsubscribe_url = message["List-Unsubscribe"].strip("<>")
    email_file = tmp_path / "confirmation.html"
    email_file.write_text(parts(message)[1], encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            context = await browser.new_context(java_script_enabled=False)
            page = await context.new_page()
            await page.goto(email_file.as_uri(), wait_until="load")
            shown = await page.inner_text("body")
            assert f"Your confirmation code is {code}." in shown
            assert f"{SHOP.name}, {SHOP.address}" in shown  # the postal address (CAN-SPAM)
            assert "Oil change" in shown and SHOP.phone in shown
            button = page.get_by_role("link", name="Chat with us")
            box = await button.bounding_box()
            assert box and box["width"] > 60 and box["height"] > 20
            assert "/e/c/" in await button.get_attribute("href")
            link = page.get_by_role("link", name="Unsubscribe")
            assert await link.get_attribute("href") == unsubscribe_url
            assert await link.is_visible()
            await page.screenshot(path=str(ARTIFACTS / "email-confirmation.png"), full_page=True)
            # The browser loaded the pixel from the web app: one open, as a mail program's would.
            assert ("email_opened", "in") in events(services, customer_id)
            assert emails(services)[0].opened_at is not None

            await link.click()
            await page.wait_for_url(unsubscribe_url)
            assert f"Stop all emails from {SHOP.name} to c***@example.com?" in await page.inner_text("main")
            assert address_row(services, address).unsubscribed_at is None  # opening the page changes nothing
            await page.get_by_role("button", name="Unsubscribe").click()
            await page.wait_for_load_state()
            assert "Done: c***@example.com gets no more emails" in await page.inner_text("main")
            await page.screenshot(path=str(ARTIFACTS / "email-unsubscribed.png"), full_page=True)
        finally:
            await browser.close()
    row = address_row(services, address)
    assert row.unsubscribed_at is not None and row.unsubscribe_source == "email:page"
    assert events(services, customer_id)[-1] == ("email_unsubscribed", "in")


@pytest.mark.timeout(120)
async def test_staff_choose_where_booking_messages_go_in_chromium_without_javascript(
    services,  # noqa: F811 - the fixture
    web,  # noqa: F811
):
    customer_id, address = customer(services, 21, sms_consent=True)
    base = services.email_links.base_url
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = await (await browser.new_context(java_script_enabled=False)).new_page()
            await page.goto(f"{base}/staff/customers/{customer_id}")
            await page.fill("input[name=name]", "Browser Staff")
            await page.fill("input[name=token]", STAFF_TOKEN)
            await page.click("button:has-text('Log in')")
            await page.wait_for_url(f"**/staff/customers/{customer_id}")
            assert address in await page.inner_text("body")
            assert "Now going by: email and sms." in await page.inner_text("body")
            await page.select_option("select[name=booking_messages]", "email")
            await page.click("button:has-text('Save')")
            await page.wait_for_url(f"**/staff/customers/{customer_id}?notice=*")
            assert "Booking messages updated" in await page.inner_text("body")
            assert "Now going by: email." in await page.inner_text("body")
        finally:
            await browser.close()
    assert services.profiles.profile(customer_id)["booking_messages"]["choice"] == "email"
    assert services.profiles.audit_trail(customer_id)[0]["staff"] == "Browser Staff"
