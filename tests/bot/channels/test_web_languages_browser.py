"""The web chat in another language, in real Chromium: offered, switched without a reload, Arabic right to left.

Runs the product tree with the real catalogs; screenshots at 360 px of each language land in test-artifacts/.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, expect

from bot.appkeys import I18N
from bot.channels.web_texts import page_texts
from bot.i18n import language_name
from bot.settings import load_settings
from tests.bot.channels.browser import ARTIFACTS, axe_violations, chromium, phone

OTHER_LANGUAGES = [code for code in load_settings({}).locales if code != "nl"]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as browser:
        yield browser


async def open_in(browser: Browser, server: TestServer, code: str) -> Page:
    context = await browser.new_context(**{**phone(360, 740), "locale": code})
    page = await context.new_page()
    await page.goto(str(server.make_url("/")))
    return page


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
async def test_the_browser_language_is_offered_and_the_page_switches_without_a_reload(
    browser: Browser, product_server: TestServer, code: str
) -> None:
    page = await open_in(browser, product_server, code)
    offer = page.locator("#answers .option", has_text=language_name(code))
    await expect(offer).to_be_visible()
    await page.evaluate("() => { window.stayed = 'same page'; }")
    await offer.click()
    with product_server.app[I18N].use(code):
        texts = page_texts()
    html = page.locator("html")
    await expect(html).to_have_attribute("lang", code)
    await expect(html).to_have_attribute("dir", "rtl" if code == "ar" else "ltr")
    await expect(page.locator("#quick-exit")).to_contain_text(texts["quick_exit"])
    await expect(page.locator(".send")).to_have_text(texts["send"])
    await expect(page.locator("#message")).to_have_attribute("placeholder", texts["placeholder"])
    assert await page.title() == texts["title"]
    assert await page.evaluate("() => window.stayed") == "same page", "the page reloaded"
    await page.locator("#answers .option").first.click()  # Start, in that language
    await expect(page.locator("#answers .option").first).to_be_visible()
    await page.screenshot(path=str(ARTIFACTS / f"web-chat-360-{code}.png"), animations="disabled")
    assert await axe_violations(page) == []
    await page.context.close()


async def test_arabic_mirrors_the_layout_but_keeps_numbers_left_to_right(
    browser: Browser, product_server: TestServer
) -> None:
    page = await open_in(browser, product_server, "ar")
    await page.locator("#answers .option", has_text="العربية").click()
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")
    exit_box = await page.locator("#quick-exit").bounding_box()
    assert exit_box is not None and exit_box["x"] < 180, "Snel weg moves to the left in a right-to-left page"
    await page.locator("#message").fill("أريد أن أموت")  # crisis words in Arabic: help with numbers to tap
    await page.locator(".send").click()
    number = page.locator("a.contact[href='tel:113'] bdi")
    await expect(number).to_have_attribute("dir", "ltr")
    await expect(number).to_have_text("113")
    await page.screenshot(path=str(ARTIFACTS / "web-chat-360-ar-crisis.png"), animations="disabled")
    await page.context.close()
