"""Clearing a flood in a real browser: a script fills the queue with requests that never say a word, a child
asks for a person in the web chat and writes; the agent's queue labels the silent entries in words, "Kies alle
zonder bericht" picks exactly those, nothing happens until the agent confirms, and then only they are gone.
"""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, expect
from pytest_aiohttp import AiohttpClient

from bot.appkeys import HELPDESK
from bot.settings import Settings
from tests.bot.channels.browser import ARTIFACTS, axe_violations, watch_errors
from tests.console.browser_steps import asks_for_a_person, log_in, open_page
from tests.console.test_bulk_clear import LABEL, ask_for_a_person

DESK = {"viewport": {"width": 1280, "height": 820}, "locale": "nl-NL"}
FLOOD = 4


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Room for the flood: the product (tests/console/conftest.py) is served with these."""
    return settings.model_copy(update={"web_handoffs_per_hour": 100, "web_conversations_per_minute": 100})


async def test_an_agent_sees_the_silent_flood_and_clears_it_after_confirming(
    browser: Browser, product: TestServer, aiohttp_client: AiohttpClient
) -> None:
    alerts: list[str] = []
    desk = await open_page(browser, DESK, alerts)
    errors = watch_errors(desk)
    await log_in(desk, product)
    await expect(desk.locator("#connection")).to_have_text("live")
    await expect(desk.locator("#bulk-clear")).to_be_hidden()  # nothing to clear

    user = await asks_for_a_person(browser, product, "Ik durf het niet te zeggen op school.", alerts)
    log = user.get_by_role("log")

    attacker = await aiohttp_client(product)
    async with AsyncExitStack() as stack:
        for n in range(FLOOD):
            await ask_for_a_person(stack, attacker, n)

        rows = desk.locator("#queue tr")
        await expect(rows).to_have_count(FLOOD + 1)  # live, over the socket
        silent = rows.filter(has_text=LABEL)
        await expect(silent).to_have_count(FLOOD)  # in words, not by colour alone
        child = rows.filter(has_not_text=LABEL)
        await expect(child).to_have_count(1)
        await expect(child.get_by_role("checkbox")).to_have_count(0)  # an entry with a message cannot be picked

        await desk.get_by_role("button", name="Kies alle zonder bericht").click()
        clear = desk.get_by_role("button", name=f"Gekozen uit de wachtrij halen ({FLOOD})")
        await expect(clear).to_be_enabled()
        for n in range(FLOOD):
            await expect(silent.nth(n).get_by_role("checkbox")).to_be_checked()

        await clear.click()  # first the question, nothing cleared yet
        question = desk.locator("#clear-question")
        await expect(question).to_contain_text(f"Je haalt {FLOOD} gesprekken zonder bericht uit de wachtrij")
        ARTIFACTS.mkdir(exist_ok=True)
        await desk.screenshot(path=str(ARTIFACTS / "console-bulk-clear.png"), full_page=True)
        assert await axe_violations(desk) == []
        await desk.get_by_role("button", name="Annuleren").click()
        await expect(question).to_be_hidden()
        await expect(rows).to_have_count(FLOOD + 1)

        await clear.click()
        await desk.get_by_role("button", name="Ja, uit de wachtrij halen").click()
        await expect(desk.locator("#toast")).to_have_text(f"{FLOOD} gesprekken uit de wachtrij gehaald.")
        await expect(rows).to_have_count(1)
        await expect(rows).not_to_contain_text(LABEL)
        await expect(desk.locator("#bulk-clear")).to_be_hidden()

    queue = await product.app[HELPDESK].handoffs.queue()
    assert [(item.status, item.waiting_messages) for item in queue] == [("queued", 1)]  # the child waits on
    await expect(log).not_to_contain_text("Je staat niet meer in de wachtrij")
    assert alerts == []
    assert [e for e in errors if "/console/" in e] == []
