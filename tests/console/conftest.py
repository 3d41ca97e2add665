"""The console served for real (pytest-aiohttp), with a recording channel ``test`` and a fake clock; for the
browser tests a headless Chromium (``browser``) and the product with agent Anna (``product``)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from playwright.async_api import Browser
from pytest_aiohttp import AiohttpClient, AiohttpServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.appkeys import ENGINE, HELPDESK, HUB, I18N
from bot.console.auth import hash_password
from bot.console.keys import AGENTS
from bot.dialogs.dialog import Dialog
from bot.engine import Engine
from bot.i18n import I18n
from bot.settings import Settings, load_settings
from storage.models import Agent
from tests.bot.channels.browser import chromium
from tests.fakes.helpdesk import FakeClock, Recorder

Client = TestClient  # type: ignore[type-arg]
PASSWORD = "correct horse battery"


@pytest.fixture
async def server(
    aiohttp_server: AiohttpServer,
    settings: Settings,
    dialog: Dialog,
    sqlite_database: AsyncEngine,
    clock: FakeClock,
    recorder: Recorder,
) -> TestServer:
    return await serve(aiohttp_server, settings, dialog, clock, recorder)


@pytest.fixture
async def desk(
    aiohttp_server: AiohttpServer,
    database_url: str,
    database: AsyncEngine,
    dialog: Dialog,
    clock: FakeClock,
    recorder: Recorder,
) -> TestServer:
    """The product on both databases (``database`` has migrated it)."""
    return await serve(aiohttp_server, load_settings({}, None, database_url=database_url), dialog, clock, recorder)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as browser:
        yield browser


@pytest.fixture
async def product(
    aiohttp_server: AiohttpServer, settings: Settings, dialog: Dialog, sqlite_database: AsyncEngine
) -> TestServer:
    """The product as the browser tests use it (no fake clock, no recording channel), with agent Anna."""
    server = await aiohttp_server(create_app(settings, dialog=dialog))
    await add_agent(server, "anna")
    return server


async def serve(
    aiohttp_server: AiohttpServer,
    settings: Settings,
    dialog: Dialog,
    clock: FakeClock,
    recorder: Recorder,
    i18n: I18n | None = None,
) -> TestServer:
    """The product served for real with the recording channel ``test``; ``i18n``: catalogs compiled by the test."""
    app = create_app(settings, dialog=dialog)
    if i18n is not None:
        app[I18N] = i18n  # before start-up, so the engine, the helpdesk and the console all use it
    server = await aiohttp_server(app)
    server.app[HELPDESK].clock = clock
    server.app[HUB].register("test", recorder)
    return server


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, server: TestServer) -> Client:
    return await aiohttp_client(server)


def bot_engine(server: TestServer) -> Engine:
    return server.app[ENGINE]


async def add_agent(server: TestServer, name: str, role: str = "agent") -> Agent:
    return await server.app[AGENTS].add(name, name.capitalize(), hash_password(PASSWORD), role)


async def login(client: Client, name: str, password: str = PASSWORD) -> Any:
    page = await client.get("/console/login")
    token = re.search(r'name="login_token" value="([^"]+)"', await page.text())
    assert token is not None
    return await client.post(
        "/console/login",
        data={"login_token": token.group(1), "name": name, "password": password},
        allow_redirects=False,
    )


async def csrf_of(client: Client) -> str:
    page = await client.get("/console/")
    assert page.status == 200
    found = re.search(r'<meta name="csrf" content="([^"]+)">', await page.text())
    assert found is not None
    return found.group(1)


async def logged_in(client: Client, name: str) -> str:
    """Log in and return the session's CSRF token."""
    response = await login(client, name)
    assert response.status == 303, await response.text()
    return await csrf_of(client)


async def post(client: Client, path: str, csrf: str | None, **data: Any) -> Any:
    headers = {} if csrf is None else {"X-CSRF-Token": csrf}
    return await client.post(path, json=data, headers=headers, allow_redirects=False)
