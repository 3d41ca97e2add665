"""The console served for real (pytest-aiohttp), with a recording channel ``test`` and a fake clock."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pytest_aiohttp import AiohttpClient, AiohttpServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.appkeys import ENGINE, HELPDESK, HUB, I18N
from bot.console.auth import hash_password
from bot.console.keys import AGENTS
from bot.dialogs.dialog import Dialog
from bot.engine import Engine
from bot.i18n import I18n
from bot.settings import Settings
from storage.models import Agent
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
