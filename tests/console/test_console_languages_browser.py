"""The console in a real browser on a 360 px phone, with a Ukrainian user: the queue marks "jouw taal", the
conversation shows the Dutch beside each bot line, "Vertaal" and "Verstuur met vertaling" work against a fake
LibreTranslate, the layout does not overflow, and axe finds nothing serious. Screenshots in test-artifacts/.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, expect
from pytest_aiohttp import AiohttpServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.appkeys import I18N
from bot.console.keys import AGENTS
from bot.dialogs.dialog import Dialog as Tree
from bot.settings import Settings
from tests.bot.channels.browser import ARTIFACTS, PHONE, axe_violations, phone, watch_errors
from tests.console.browser_steps import log_in, open_page
from tests.console.catalogs import JOINED_NL, MACHINE_UK, QUEUED_NL, QUEUED_UK, WELCOME_NL, ukrainian
from tests.console.conftest import add_agent
from tests.fakes.libretranslate import FakeLibreTranslate

USER_UK = "Мене ображають однокласники, і я боюся йти до школи."
USER_NL = "Klasgenoten pesten me en ik ben bang om naar school te gaan."
AGENT_NL = "Wat naar dat je dit meemaakt. Weet iemand op school ervan, bijvoorbeeld je mentor?"
AGENT_UK = "Мені шкода, що ти через це проходиш. Чи знає про це хтось у школі, наприклад твій класний керівник?"


@pytest.fixture
async def libretranslate() -> AsyncIterator[FakeLibreTranslate]:
    fake = FakeLibreTranslate()
    fake.answers[(USER_UK, "nl")] = USER_NL
    fake.answers[(AGENT_NL, "uk")] = AGENT_UK
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def product(
    aiohttp_server: AiohttpServer,
    settings: Settings,
    dialog: Tree,
    sqlite_database: AsyncEngine,
    tmp_path: Path,
    libretranslate: FakeLibreTranslate,
) -> TestServer:
    chosen = settings.model_copy(update={"locales": ("nl",), "translation_url": libretranslate.url})
    app = create_app(chosen, dialog=dialog)
    app[I18N] = ukrainian(tmp_path)  # Dutch and a small Ukrainian catalog, before start-up
    server = await aiohttp_server(app)
    olena = await add_agent(server, "olena", role="admin")
    assert olena.id is not None
    await server.app[AGENTS].set_languages(olena.id, ["nl", "uk"])
    return server


async def no_sideways_scroll(page: Page) -> None:
    width = await page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page scrolls sideways at {width[1]} px: {width[0]} px wide"


async def test_a_ukrainian_conversation_on_a_360_px_console(
    browser: Browser, product: TestServer, libretranslate: FakeLibreTranslate
) -> None:
    user = await open_page(browser, {**PHONE, "locale": "uk-UA"})
    await user.goto(str(product.make_url("/")))
    log = user.get_by_role("log")
    await user.get_by_role("button", name="Українська").first.click()
    await expect(log).to_contain_text("Привіт, я Wegwijzer.")
    await user.get_by_role("button", name="Поговорити з людиною").first.click()
    await expect(log).to_contain_text(QUEUED_UK)
    box = user.get_by_role("textbox").first
    await box.fill(USER_UK)
    await box.press("Enter")

    desk = await open_page(browser, phone(360, 740))
    errors = watch_errors(desk)
    await log_in(desk, product, "olena")
    row = desk.locator("#queue tr")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("Українська")
    await expect(row.locator(".badge.yours")).to_have_text("jouw taal")
    await expect(desk.locator("#connection")).to_have_text("live")
    await no_sideways_scroll(desk)
    assert await axe_violations(desk) == []
    ARTIFACTS.mkdir(exist_ok=True)
    await desk.screenshot(path=str(ARTIFACTS / "console-queue-uk-360.png"), full_page=True)

    await desk.get_by_label("Taal", exact=True).select_option("tr")  # a filter without reloading
    await expect(row).to_have_count(0)
    await expect(desk.get_by_text("Niemand wacht in deze taal.")).to_be_visible()
    await desk.get_by_label("Taal", exact=True).select_option("mine")
    await expect(row).to_have_count(1)

    await row.get_by_role("button", name="Overnemen").click()
    await desk.wait_for_url("**/console/c/1")
    transcript = desk.locator("#transcript")
    await expect(transcript).to_contain_text(QUEUED_UK)
    await expect(transcript.locator(".dutch").filter(has_text=QUEUED_NL)).to_be_visible()
    await expect(transcript.locator(".dutch").filter(has_text=WELCOME_NL.split("\n")[0])).to_have_count(1)
    await expect(transcript).to_contain_text(JOINED_NL.format(name="Olena"))
    await expect(log).to_contain_text("Тепер ти говориш з Olena зі служби підтримки.")
    for message in await transcript.locator("p:not(.dutch)").all():
        assert await message.get_attribute("dir") == "auto"

    user_line = transcript.locator("li.entry.user").filter(has_text=USER_UK)
    await user_line.get_by_role("button", name="Vertaal").click()
    await expect(user_line.locator(".dutch.machine")).to_contain_text(USER_NL)

    await desk.get_by_label("Standaardantwoord", exact=True).select_option(label="Welkom")
    await expect(desk.locator("#canned-preview")).to_contain_text("Привіт, добре, що ти тут.")
    await expect(desk.locator("#canned-preview")).to_contain_text("Hoi, fijn dat je er bent.")

    await desk.get_by_label("Antwoord", exact=True).fill(AGENT_NL)
    await desk.get_by_role("button", name="Verstuur met vertaling").click()
    await expect(log).to_contain_text(AGENT_UK)
    await expect(log).to_contain_text(MACHINE_UK)
    agent_line = transcript.locator("li.entry.agent").last
    await expect(agent_line).to_contain_text(AGENT_UK)
    await expect(agent_line.locator(".dutch")).to_contain_text(AGENT_NL)  # live, the Dutch beside it
    await expect(desk.get_by_label("Antwoord", exact=True)).to_have_value("")
    assert [c.body["q"] for c in libretranslate.calls] == [USER_UK, AGENT_NL]

    await no_sideways_scroll(desk)
    assert await axe_violations(desk) == []
    await desk.screenshot(path=str(ARTIFACTS / "console-conversation-uk-360.png"), full_page=True)
    await transcript.evaluate("(list) => { list.scrollTop = 0; }")
    await transcript.screenshot(path=str(ARTIFACTS / "console-transcript-uk-360.png"))

    await desk.goto(str(product.make_url("/console/agents")))
    await expect(desk.get_by_role("checkbox", name="Українська")).to_be_checked()
    await desk.get_by_role("checkbox", name="Polski").check()
    await desk.get_by_role("button", name="Talen opslaan").click()
    await expect(desk.get_by_role("status").filter(has_text="Opgeslagen.")).to_be_visible()
    await no_sideways_scroll(desk)
    assert await axe_violations(desk) == []
    assert [e for e in errors if "/console/" in e] == []
