"""Steps the console's browser tests share."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, expect

from tests.bot.channels.browser import PHONE
from tests.console.conftest import PASSWORD


async def log_in(page: Page, server: TestServer, name: str = "anna") -> None:
    """Open the console in ``page`` and sign in as ``name``; waiting for what comes next is the test's part."""
    await page.goto(str(server.make_url("/console/")))
    await page.get_by_label("Naam").fill(name)
    await page.get_by_label("Wachtwoord").fill(PASSWORD)
    await page.get_by_role("button", name="Inloggen").click()


async def open_page(browser: Browser, screen: dict[str, Any], alerts: list[str] | None = None) -> Page:
    """A page in a new browser context with ``screen``; the message of every dialog it opens goes into ``alerts``."""
    page = await (await browser.new_context(**screen)).new_page()
    if alerts is not None:
        page.on("dialog", lambda dialog: alerts.append(dialog.message))
    return page


async def asks_for_a_person(
    browser: Browser, server: TestServer, message: str, alerts: list[str] | None = None
) -> Page:
    """A web-chat user on a phone who asks for a person and writes ``message`` while waiting."""
    user = await open_page(browser, PHONE, alerts)
    await user.goto(str(server.make_url("/")))
    log = user.get_by_role("log")
    await user.get_by_role("button", name="Praat met een mens").first.click()
    await expect(log).to_contain_text("Je staat in de wachtrij voor de chat-ondersteuning.")
    box = user.get_by_role("textbox", name="Jouw bericht")
    await box.fill(message)
    await box.press("Enter")
    await expect(log).to_contain_text("Ik heb je bericht bewaard.")
    return user
