"""Clearing a flood in a real browser: a script fills the queue with requests that never say a word, a child
asks for a person in the web chat and writes; the agent's queue labels the silent entries in words, "Kies alle
zonder bericht" picks exactly those, nothing happens until the agent confirms, and then only they are gone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Dialog, expect
from pytest_aiohttp import AiohttpClient, AiohttpServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.appkeys import HELPDESK
from bot.dialogs.dialog import Dialog as Tree
from bot.settings import Settings
from tests.bot.channels.browser import ARTIFACTS, PHONE, axe_violations, chromium, watch_errors
from tests.console.conftest import PASSWORD, add_agent
from tests.console.test_bulk_clear import LABEL, ask_for_a_person

DESK = {"viewport": {"width": 1280, "height": 820}, "locale": "nl-NL"}
FLOOD = 4


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as browser:
        yield browser


@pytest.fixture
async def product(
    aiohttp_server: AiohttpServer, settings: Settings, dialog: Tree, sqlite_database: AsyncEngine
) -> TestServer:
    roomy = settings.model_copy(update={"web_handoffs_per_hour": 100, "web_conversations_per_minute": 100})
    server = await aiohttp_server(create_app(roomy, dialog=dialog))
    await add_agent(server, "anna")
    return server


async def test_an_agent_sees_the_silent_flood_and_clears_it_after_confirming(
    browser: Browser, product: TestServer, aiohttp_client: AiohttpClient
) -> None:
    alerts: list[str] = []

    def refuse(dialog: Dialog) -> None:
        alerts.append(dialog.message)

    desk = await (await browser.new_context(**DESK)).new_page()
    desk.on("dialog", refuse)
    errors = watch_errors(desk)
    await desk.goto(str(product.make_url("/console/")))
    await desk.get_by_label("Naam").fill("anna")
    await desk.get_by_label("Wachtwoord").fill(PASSWORD)
    await desk.get_by_role("button", name="Inloggen").click()
    await expect(desk.locator("#connection")).to_have_text("live")
    await expect(desk.locator("#bulk-clear")).to_be_hidden()  # nothing to clear

    user = await (await browser.new_context(**PHONE)).new_page()
    user.on("dialog", refuse)
    await user.goto(str(product.make_url("/")))
    log = user.get_by_role("log")
    await user.get_by_role("button", name="Praat met een mens").first.click()
    await expect(log).to_contain_text("Je staat in de wachtrij voor de chat-ondersteuning.")
    box = user.get_by_role("textbox", name="Jouw bericht")
    await box.fill("Ik durf het niet te zeggen op school.")
    await box.press("Enter")
    await expect(log).to_contain_text("Ik heb je bericht bewaard.")

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
