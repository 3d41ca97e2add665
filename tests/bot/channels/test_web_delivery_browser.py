"""Web chat delivery in a real browser: what a user types is never lost, whatever the server or database does.

Chromium on a phone-sized screen against the real app on a real port; the server is stopped and started again on
the same port and database, or its PostgreSQL database refuses connections for a while.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import BrowserContext, Page, WebSocket, expect
from pytest_aiohttp import AiohttpClient, AiohttpServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.appkeys import STORE
from bot.channels.web_limits import SESSION_CHANGED
from bot.channels.web_session import COOKIE
from bot.dialogs.dialog import Dialog
from bot.settings import Settings
from tests.bot.channels.browser import PHONE, chromium, watch_errors
from tests.bot.channels.outage import database_away, postgres_server
from tests.bot.channels.webchat import chat_of, start, texts

__all__ = ["postgres_server"]  # a fixture
NOT_SENT = "Nog niet verstuurd"
WAIT = 45_000  # ms: the page reconnects with back-off (at most 12.8 s between tries)


@pytest.fixture
async def phone() -> AsyncIterator[BrowserContext]:
    async with chromium() as browser:
        context = await browser.new_context(**PHONE)
        yield context
        await context.close()


def frames_of(page: Page) -> list[dict[str, Any]]:
    """Every frame the page receives, as JSON."""
    got: list[dict[str, Any]] = []

    def opened(ws: WebSocket) -> None:
        ws.on("framereceived", lambda payload: got.append(json.loads(payload)))

    page.on("websocket", opened)
    return got


async def token_of(context: BrowserContext) -> str:
    for _wait in range(100):
        token = next((c["value"] for c in await context.cookies() if c["name"] == COOKIE), None)
        if token is not None:
            return token
        await asyncio.sleep(0.05)
    raise AssertionError("the page never got its session cookie")


async def user_lines(server: TestServer, context: BrowserContext) -> list[str]:
    """What the user said, as the server stored it, for the chat the browser's cookie opens now."""
    chat_id = await chat_of(server, await token_of(context))
    assert chat_id is not None
    conversation = await server.app[STORE].load("web", chat_id)
    assert conversation is not None and conversation.id is not None
    return [e.text for e in await server.app[STORE].transcript(conversation.id) if e.sender == "user"]


async def type_message(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Jouw bericht")
    await box.fill(text)
    await box.press("Enter")


async def test_eight_messages_typed_while_the_server_is_down_arrive_once_and_in_order(
    aiohttp_server: AiohttpServer,
    settings: Settings,
    dialog: Dialog,
    sqlite_database: AsyncEngine,
    phone: BrowserContext,
) -> None:
    server = await aiohttp_server(create_app(settings, dialog=dialog))
    port = server.port
    page = await phone.new_page()
    errors = watch_errors(page)
    received = frames_of(page)
    await page.goto(str(server.make_url("/")))
    await page.get_by_role("button", name="Start").click()
    await expect(page.get_by_role("log")).to_contain_text("Ben je nu in gevaar?")
    before = await user_lines(server, phone)
    await server.close()
    await expect(page.get_by_role("status")).to_have_text("De verbinding is even weg. Ik probeer het opnieuw.")

    typed = [f"bericht {i}" for i in range(8)]
    for text in typed:
        await type_message(page, text)
    waiting = page.locator(".from-user.waiting")
    await expect(waiting).to_have_count(8)
    await expect(waiting.first.locator(".note")).to_contain_text(NOT_SENT)

    again = await aiohttp_server(create_app(settings, dialog=dialog), port=port)  # same port, same database
    await expect(waiting).to_have_count(0, timeout=WAIT)
    assert await user_lines(again, phone) == before + typed, "each once, in the order typed"
    await expect(page.locator(".from-user .text")).to_have_text(["Start", *typed])
    too_fast = [f for f in received if f["type"] == "error" and f["code"] == "too_fast"]
    assert too_fast and all(f["retry"] for f in too_fast), "the burst limit held some back; they went again"
    resumed = [f for f in received if f["type"] == "history" and f["after"] > 0]
    assert resumed and not any("Ben je nu in gevaar?" in texts(f) for f in resumed), "only what it missed"
    assert [e for e in errors if "WebSocket" not in e and "ERR_CONNECTION_REFUSED" not in e] == []


async def test_while_the_database_is_away_the_message_waits_and_goes_when_it_is_back(
    postgres_server: TestServer, postgres_url: str, phone: BrowserContext
) -> None:
    page = await phone.new_page()
    await page.goto(str(postgres_server.make_url("/")))
    await page.get_by_role("button", name="Start").click()
    await expect(page.get_by_role("log")).to_contain_text("Ben je nu in gevaar?")
    await token_of(phone)
    await database_away(postgres_url, away=True)
    try:
        await type_message(page, "ik word gepest")
        waiting = page.locator(".from-user.waiting")
        await expect(waiting).to_have_count(1)
        await expect(waiting.locator(".note")).to_contain_text(NOT_SENT)
        await asyncio.sleep(3)  # it is tried again meanwhile, and keeps waiting
        await expect(waiting).to_have_count(1)
    finally:
        await database_away(postgres_url, away=False)
    await expect(page.locator(".from-user.waiting")).to_have_count(0, timeout=WAIT)
    await expect(page.locator(".from-user .text")).to_have_text(["Start", "ik word gepest"])
    assert (await user_lines(postgres_server, phone)).count("ik word gepest") == 1


async def test_a_planted_cookie_stops_opening_the_chat_once_the_real_page_connects_and_tabs_work_on(
    aiohttp_client: AiohttpClient,
    aiohttp_server: AiohttpServer,
    settings: Settings,
    dialog: Dialog,
    sqlite_database: AsyncEngine,
    phone: BrowserContext,
) -> None:
    server = await aiohttp_server(create_app(settings, dialog=dialog))
    attacker = await aiohttp_client(server)
    planted = await start(attacker)  # the attacker started a chat on the shared computer and kept the cookie
    await phone.add_cookies([{"name": COOKIE, "value": planted, "url": str(server.make_url("/"))}])
    page = await phone.new_page()
    await page.goto(str(server.make_url("/")))
    await expect(page.get_by_role("log")).to_contain_text("Ben je nu in gevaar?")
    await type_message(page, "mijn oom zit aan me")
    await expect(page.locator(".from-user .text").last).to_have_text("mijn oom zit aan me")
    await expect(page.locator(".from-user.waiting")).to_have_count(0)
    for _wait in range(100):
        if await token_of(phone) != planted:
            break
        await asyncio.sleep(0.05)
    assert await token_of(phone) != planted and await chat_of(server, planted) is None

    tabs = [await phone.new_page() for _tab in range(2)]  # more tabs of the same browser, opened at once
    await asyncio.gather(*(tab.goto(str(server.make_url("/"))) for tab in tabs))
    for tab in (*tabs, page):
        await expect(tab.get_by_role("log")).to_contain_text("mijn oom zit aan me", timeout=10_000)

    copy = await aiohttp_client(server, headers={"Cookie": f"{COOKIE}={planted}"})
    async with copy.ws_connect("/chat/ws") as spy:
        first = await spy.receive(timeout=5)
        if first.data == SESSION_CHANGED:  # replaced a moment ago: "come back", and still nothing opens
            return
        seen: dict[str, Any] = first.json()
        assert "mijn oom zit aan me" not in texts(seen) and [m["sender"] for m in seen["messages"]] == ["bot"]
