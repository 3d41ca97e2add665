"""The privacy page in a real browser: accessible (axe-core), no errors, fits a small phone in every language."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, expect

from tests.bot.channels.browser import ARTIFACTS, axe_violations, chromium, phone, watch_errors

LANGUAGES = ("nl", "en", "ar", "tr", "pl", "uk")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as browser:
        yield browser


@pytest.mark.parametrize("code", LANGUAGES)
async def test_the_page_is_accessible_and_fits_a_small_phone(browser: Browser, server: TestServer, code: str) -> None:
    context = await browser.new_context(**phone(320, 568))
    page = await context.new_page()
    errors = watch_errors(page)
    await page.goto(str(server.make_url(f"/privacy?lang={code}")))
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert await page.evaluate("() => document.documentElement.scrollWidth") <= 320, f"{code}: scrolls sideways"
    exit_box = await page.locator(".quick-exit").bounding_box()
    assert exit_box is not None and exit_box["x"] >= 0 and exit_box["x"] + exit_box["width"] <= 320
    assert await axe_violations(page) == [], code
    assert errors == [], errors
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"privacy-{code}-320x568.png"), full_page=True)
    await context.close()


async def test_from_the_chat_to_the_page_and_back(browser: Browser, server: TestServer) -> None:
    context = await browser.new_context(**phone(360, 740))
    page = await context.new_page()
    await page.goto(str(server.make_url("/")))
    await page.get_by_role("link", name="Privacy").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Privacy bij Wegwijzer")
    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Privacy at Wegwijzer")
    await page.get_by_role("link", name="To the web chat").click()
    await expect(page.get_by_role("log")).to_contain_text("Hoi, ik ben de Wegwijzer.")
    await context.close()
