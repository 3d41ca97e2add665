"""The web chat in a real browser: Chromium on a phone-sized screen against the real app on a real port.

The app runs on the fixture tree (tests/data), so content changes to the product tree do not move these
tests. "Snel weg" goes to a small neutral site served next to it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, BrowserContext, Page, Route, expect
from pytest_aiohttp import AiohttpServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.appkeys import HUB, STORE
from bot.channels.web import WEB_CHANNEL
from bot.channels.web_session import COOKIE
from bot.dialogs.dialog import Dialog
from bot.messages import OutgoingMessage
from bot.settings import Settings
from tests.bot.channels.browser import ARTIFACTS, PHONE, axe_violations, chromium, watch_errors
from tests.bot.channels.webchat import chat_of


async def weather(request: web.Request) -> web.Response:
    return web.Response(text="<!doctype html><title>Het weer</title><p>Morgen zon.</p>", content_type="text/html")


@pytest.fixture
async def neutral(aiohttp_server: AiohttpServer) -> TestServer:
    """The neutral site "Snel weg" goes to."""
    app = web.Application()
    app.router.add_get("/weer", weather)
    app.router.add_get("/nieuws", weather)
    return await aiohttp_server(app)


@pytest.fixture
async def chat(
    aiohttp_server: AiohttpServer, settings: Settings, dialog: Dialog, sqlite_database: AsyncEngine, neutral: TestServer
) -> TestServer:
    exit_url = str(neutral.make_url("/weer"))
    return await aiohttp_server(create_app(settings.model_copy(update={"quick_exit_url": exit_url}), dialog=dialog))


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as browser:
        yield browser


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(**PHONE)
    yield context
    await context.close()


async def focused_text(page: Page) -> str:
    text: str = await page.evaluate("document.activeElement.textContent.trim()")
    return text


async def test_walk_to_an_outcome_reload_and_leave_quickly(
    phone: BrowserContext, chat: TestServer, neutral: TestServer
) -> None:
    page = await phone.new_page()
    errors = watch_errors(page)
    await page.goto(str(neutral.make_url("/nieuws")))  # where the visitor was before the chat
    await page.goto(str(chat.make_url("/")))
    log = page.get_by_role("log")
    await expect(log).to_contain_text("Hoi, ik ben de Wegwijzer.")
    await expect(page.locator("html")).to_have_attribute("lang", "nl")
    await page.get_by_role("button", name="Start").click()
    await expect(log).to_contain_text("Ben je nu in gevaar?")
    await page.get_by_role("button", name="Nee", exact=True).click()
    await expect(log).to_contain_text("Wie ben jij?")

    await page.reload()
    await expect(log).to_contain_text("Wie ben jij?")
    await expect(page.locator(".from-user .text")).to_have_text(["Start", "Nee"])
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "web-chat-360-question.png"), animations="disabled")
    await page.get_by_role("button", name="Ik ben leerling").click()
    await expect(page.locator(".kind-party .title")).to_have_text(
        ["Kindertelefoon", "Vertrouwensinspecteurs van de Inspectie van het Onderwijs"]
    )
    website = page.get_by_role("link", name=re.compile("www.kindertelefoon.nl"))
    await expect(website).to_have_attribute("href", "https://www.kindertelefoon.nl")
    await expect(website).to_have_attribute("rel", "noopener noreferrer")
    await expect(page.get_by_role("link", name="Bel 0800-0432")).to_have_attribute("href", "tel:08000432")
    await expect(page.get_by_role("link", name="Bel 0900-111 3111")).to_have_attribute("href", "tel:09001113111")
    await expect(page.locator(".message .text a")).to_have_count(0)  # numbers in a text stay text
    await expect(page.get_by_role("button", name="Snel weg")).to_be_in_viewport()
    await expect(page.get_by_role("button", name="Verstuur")).to_be_in_viewport()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360, "no sideways scrolling"
    await page.screenshot(path=str(ARTIFACTS / "web-chat-360.png"), animations="disabled")
    assert [error for error in errors if error.startswith(str(chat.make_url("/")))] == []

    await page.keyboard.press("Escape")
    await page.wait_for_url(str(neutral.make_url("/weer")))
    await page.go_back()
    assert page.url == str(neutral.make_url("/nieuws")), "the chat is not in the history"
    for _wait in range(50):  # the keepalive request that makes the browser forget the session
        if COOKIE not in await cookie_names(phone):
            break
        await asyncio.sleep(0.05)
    assert COOKIE not in await cookie_names(phone)
    await page.goto(str(chat.make_url("/")))
    await expect(log).to_contain_text("Hoi, ik ben de Wegwijzer.")
    await expect(page.locator(".from-user .text")).to_have_count(0)


async def cookie_names(context: BrowserContext) -> list[str]:
    return [cookie["name"] for cookie in await context.cookies()]


async def chat_id(context: BrowserContext, chat: TestServer) -> str:
    """The chat the browser's cookie opens, once the page has traded its ticket for the cookie."""
    for _wait in range(100):
        token = next((c["value"] for c in await context.cookies() if c["name"] == COOKIE), None)
        if token is not None:
            found = await chat_of(chat, token)
            assert found is not None
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("the page never got its session cookie")


async def test_free_text_and_the_snel_weg_button(phone: BrowserContext, chat: TestServer, neutral: TestServer) -> None:
    page = await phone.new_page()
    await page.goto(str(chat.make_url("/")))
    box = page.get_by_role("textbox", name="Jouw bericht")
    await box.fill("start")
    await box.press("Enter")
    await expect(page.get_by_role("log")).to_contain_text("Ben je nu in gevaar?")
    await box.fill("<b>nee</b> & <script>alert(1)</script>")
    await page.get_by_role("button", name="Verstuur").click()
    await expect(page.locator(".from-user .text").last).to_have_text("<b>nee</b> & <script>alert(1)</script>")
    await expect(page.locator(".log b")).to_have_count(0)
    await page.get_by_role("button", name="Snel weg").click()
    await page.wait_for_url(str(neutral.make_url("/weer")))
    await expect(page.get_by_text("Morgen zon.")).to_be_visible()


async def test_keyboard_only_and_focus_follows_the_question(phone: BrowserContext, chat: TestServer) -> None:
    page = await phone.new_page()
    await page.goto(str(chat.make_url("/")))
    await expect(page.get_by_role("button", name="Start")).to_be_visible()
    for _press in range(8):
        await page.keyboard.press("Tab")
        if await focused_text(page) == "Start":
            break
    assert await focused_text(page) == "Start"
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("button", name="Ja, nu")).to_be_focused()
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("button", name="Ik ben leerling")).to_be_focused()
    await page.get_by_role("button", name="Terug").press("Enter")
    await expect(page.get_by_role("button", name="Ja, nu")).to_be_focused()
    box = page.get_by_role("textbox", name="Jouw bericht")
    await box.focus()
    await page.keyboard.type("nee")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("log")).to_contain_text("Wie ben jij?")
    await expect(box).to_be_focused()


async def test_the_chat_page_has_no_serious_accessibility_problems(phone: BrowserContext, chat: TestServer) -> None:
    page = await phone.new_page()
    await page.goto(str(chat.make_url("/")))
    await page.get_by_role("button", name="Start").click()
    await expect(page.get_by_role("button", name="Ja, nu")).to_be_visible()
    assert await axe_violations(page) == []
    await page.get_by_role("button", name="Ja, nu").click()
    await expect(page.get_by_role("log")).to_contain_text("Bel nu 112.")
    assert await axe_violations(page) == []


async def test_a_partner_page_embeds_the_chat_and_snel_weg_leaves_the_whole_page(
    aiohttp_server: AiohttpServer,
    settings: Settings,
    dialog: Dialog,
    sqlite_database: AsyncEngine,
    neutral: TestServer,
    phone: BrowserContext,
) -> None:
    chat_origin: list[str] = []

    async def partner_page(request: web.Request) -> web.Response:
        body = (
            "<!doctype html><html lang='nl'><title>Onze school</title><h1>Onze school</h1><div id='hulp'></div>"
            f"<script src='{chat_origin[0]}/embed.js' data-target='hulp' async></script></html>"
        )
        return web.Response(text=body, content_type="text/html")

    partner_app = web.Application()
    partner_app.router.add_get("/", partner_page)
    partner = await aiohttp_server(partner_app, host="localhost")  # another site than 127.0.0.1
    partner_origin = f"http://localhost:{partner.port}"
    allowed = settings.model_copy(
        update={"embed_allowed_origins": (partner_origin,), "quick_exit_url": str(neutral.make_url("/weer"))}
    )
    chat = await aiohttp_server(create_app(allowed, dialog=dialog))
    chat_origin.append(f"http://127.0.0.1:{chat.port}")

    page = await phone.new_page()
    await page.goto(partner_origin + "/")
    frame = page.frame_locator("iframe[title='Wegwijzer chat']")
    await frame.get_by_role("button", name="Start").click()
    await expect(frame.get_by_role("log")).to_contain_text("Ben je nu in gevaar?")
    await frame.get_by_role("button", name="Snel weg").click()
    await page.wait_for_url(str(neutral.make_url("/weer")))


async def test_a_dropped_connection_comes_back_and_nothing_is_lost_or_doubled(
    phone: BrowserContext, chat: TestServer
) -> None:
    page = await phone.new_page()
    await page.goto(str(chat.make_url("/")))
    await page.get_by_role("button", name="Start").click()
    await expect(page.get_by_role("button", name="Nee", exact=True)).to_be_visible()
    await chat.app[WEB_CHANNEL].close_all()  # e.g. a train tunnel, or the server restarting
    await page.get_by_role("button", name="Nee", exact=True).click()  # sent again after reconnecting
    await expect(page.get_by_role("button", name="Ik ben leerling")).to_be_visible()
    await expect(page.locator(".from-user .text")).to_have_text(["Start", "Nee"])
    await expect(page.get_by_role("status")).to_have_text("")
    in_order: list[str | re.Pattern[str]] = [
        re.compile("Hoi, ik ben de Wegwijzer"),
        "Start",
        "Ben je nu in gevaar?",
        "Nee",
        "Wie ben jij?",
    ]
    await expect(page.locator(".message .text")).to_have_text(in_order)


async def test_a_page_reconnects_only_once_it_has_traded_its_ticket(phone: BrowserContext, chat: TestServer) -> None:
    """With the old cookie (here: none yet) the reconnect would open a new, empty chat; it waits for the trade."""
    page = await phone.new_page()
    slow = asyncio.Event()

    async def slow_trade(route: Route) -> None:
        await slow.wait()  # the trade is on its way (a slow network) while the connection drops
        await route.continue_()

    await page.route("**/chat/rotate", slow_trade)
    await page.goto(str(chat.make_url("/")))
    await page.get_by_role("button", name="Start").click()
    await expect(page.get_by_role("button", name="Nee", exact=True)).to_be_visible()
    await chat.app[WEB_CHANNEL].close_all()
    await page.get_by_role("button", name="Nee", exact=True).click()  # waits for the reconnect
    await asyncio.sleep(2.0)  # chat.js reconnects after 0.8 s
    slow.set()
    await expect(page.get_by_role("button", name="Ik ben leerling")).to_be_visible()
    await expect(page.locator(".from-user .text")).to_have_text(["Start", "Nee"])
    await expect(page.locator(".message .text").first).to_have_text(re.compile("Hoi, ik ben de Wegwijzer"))
    await expect(page.get_by_text("Die knop hoort bij een eerdere vraag.")).to_have_count(0)


async def test_a_persons_message_shows_their_name_and_typing(phone: BrowserContext, chat: TestServer) -> None:
    page = await phone.new_page()
    await page.goto(str(chat.make_url("/")))
    await page.get_by_role("button", name="Start").click()
    await expect(page.get_by_role("button", name="Nee", exact=True)).to_be_visible()
    chat_id_now = await chat_id(phone, chat)
    await chat.app[HUB].typing("web", chat_id_now)
    await expect(page.get_by_role("status")).to_have_text("Er wordt getypt…")
    hello = OutgoingMessage("Hoi, ik ben Sanne. <b>Waar</b> wil je over praten?", kind="agent", author="Sanne")
    await chat.app[HUB].deliver("web", chat_id_now, [hello])
    last = page.locator(".message").last
    await expect(last.locator(".who")).to_have_text("Sanne · Chat-ondersteuning")
    await expect(last.locator(".text")).to_have_text("Hoi, ik ben Sanne. <b>Waar</b> wil je over praten?")
    await expect(page.get_by_role("status")).to_have_text("")


async def test_lang_and_dir_follow_the_conversation(phone: BrowserContext, chat: TestServer) -> None:
    page = await phone.new_page()
    await page.goto(str(chat.make_url("/")))
    await page.get_by_role("button", name="Start").click()
    await expect(page.get_by_role("button", name="Nee", exact=True)).to_be_visible()
    store = chat.app[STORE]
    conversation = await store.load("web", await chat_id(phone, chat))
    assert conversation is not None
    conversation.locale = "ar"  # as if chosen in the language menu (no Arabic catalog in the tests)
    await store.save(conversation)
    await page.reload()
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")
    await expect(page.locator("html")).to_have_attribute("lang", "ar")
    user = await page.locator(".from-user").bounding_box()
    bot = await page.locator(".from-bot").last.bounding_box()
    assert user is not None and bot is not None and user["x"] < bot["x"], "right to left: the user is on the left"
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "web-chat-360-rtl.png"), animations="disabled")


async def test_nieuw_gesprek_starts_afresh(phone: BrowserContext, chat: TestServer) -> None:
    page = await phone.new_page()
    await page.goto(str(chat.make_url("/")))
    await page.get_by_role("button", name="Start").click()
    await expect(page.get_by_role("button", name="Nee", exact=True)).to_be_visible()
    await chat_id(phone, chat)
    before = await phone.cookies()
    await page.get_by_role("button", name="Meer", exact=True).click()
    await page.get_by_role("button", name="Nieuw gesprek").click()
    await expect(page.get_by_role("button", name="Start")).to_be_focused()
    await expect(page.locator(".message")).to_have_count(1)
    assert await phone.cookies() != before
    await page.reload()
    await expect(page.locator(".message")).to_have_count(1)
