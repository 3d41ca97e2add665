"""Call-back requests live in a real browser (issue 14): an agent working the chat queue sees the count beside
"Terugbellen" go up and hears of the new request (the live line, the title), and on the call-back list a new
request appears without a reload; no number shows anywhere before a claim."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, expect

from bot.settings import Settings
from tests.bot.channels.browser import ARTIFACTS, PHONE, axe_violations, watch_errors
from tests.console.browser_steps import log_in, open_page

DESK = {"viewport": {"width": 1280, "height": 820}, "locale": "nl-NL"}
NUMBERS = ("87654321", "8765 4321", "+31687654321", "470 12 34 56", "470123456")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Room for two users of one address (the product, tests/console/conftest.py, uses these settings)."""
    return settings.model_copy(update={"web_handoffs_per_hour": 100, "web_conversations_per_minute": 100})


async def asks_to_be_called(browser: Browser, server: TestServer, typed: str, part: str) -> Page:
    """A web-chat user on a phone who asks for a person, then to be called back instead, and says yes."""
    user = await open_page(browser, PHONE)
    await user.goto(str(server.make_url("/")))
    log = user.get_by_role("log")
    await user.get_by_role("button", name="Praat met een mens").first.click()
    await user.get_by_role("button", name="Bel me terug").click()
    await expect(log).to_contain_text("Typ je telefoonnummer.")
    box = user.get_by_role("textbox", name="Jouw bericht")
    await box.fill(typed)
    await box.press("Enter")
    await user.get_by_role("button", name=part, exact=True).click()
    await user.get_by_role("button", name="Ja, bel me").click()
    await expect(log).to_contain_text("Afgesproken.")
    return user


async def test_an_agent_on_the_queue_is_told_of_call_backs_and_the_list_grows_by_itself(
    browser: Browser, product: TestServer
) -> None:
    alerts: list[str] = []
    desk = await open_page(browser, DESK, alerts)
    errors = watch_errors(desk)
    await log_in(desk, product)
    await expect(desk.get_by_role("heading", name="Wachtrij")).to_be_visible()
    await expect(desk.locator("#connection")).to_have_text("live")
    link = desk.get_by_role("link", name="Terugbellen")
    count = desk.locator("#callbacks-waiting")
    await expect(count).to_be_hidden()  # nobody waits to be called

    first = await asks_to_be_called(browser, product, "06 8765 4321", "Middag")
    await expect(count).to_be_visible()
    await expect(count).to_have_text("1 te bellen")
    await expect(link).to_have_accessible_name(re.compile(r"^Terugbellen\s*1 te bellen$"))
    await expect(desk.locator("#announce")).to_have_text("Nieuw verzoek om terug te bellen.")
    await expect(desk).to_have_title("(1) Wachtrij · Wegwijzer")  # the request waits; the chat queue is empty
    shown = await desk.content()
    assert not any(n in shown for n in NUMBERS)
    assert await axe_violations(desk) == []  # the count in the bar reads well

    await link.click()
    await expect(desk.get_by_role("heading", name="Terugbellen")).to_be_visible()
    await expect(desk.locator("#connection")).to_have_text("live")
    rows = desk.locator("#callbacks tbody tr")
    await expect(rows).to_have_count(1)
    await desk.evaluate("() => { window.stillThisPage = true; }")  # gone with any reload

    second = await asks_to_be_called(browser, product, "+32 470 12 34 56", "Maakt niet uit")
    await expect(rows).to_have_count(2)  # without "Vernieuwen"
    await expect(rows.nth(1)).to_contain_text("Maakt niet uit")
    await expect(desk.locator("#callbacks-to-do")).to_have_text("2 te bellen.")
    await expect(count).to_have_text("2 te bellen")
    await expect(desk).to_have_title("(2) Terugbellen · Wegwijzer")
    assert await desk.evaluate("() => window.stillThisPage === true")
    shown = await desk.content()
    assert not any(n in shown for n in NUMBERS)
    ARTIFACTS.mkdir(exist_ok=True)
    await desk.screenshot(path=str(ARTIFACTS / "console-callbacks-live.png"), full_page=True)

    await rows.nth(1).get_by_role("button", name="Oppakken").click()  # a row the page read by itself works
    await desk.wait_for_url("**/console/callbacks/2")
    await expect(desk.get_by_role("link", name="+32 470 12 34 56")).to_be_visible()
    await expect(count).to_have_text("1 te bellen")
    assert alerts == []
    assert [e for e in errors if "/console/" in e] == []
    for page in (first, second):
        await page.context.close()
