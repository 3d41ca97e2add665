"""Fixtures for the web chat tests: the whole product app served for real on localhost."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pytest_aiohttp import AiohttpClient, AiohttpServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.dialogs.dialog import Dialog
from bot.settings import Settings

Client = TestClient  # type: ignore[type-arg]


@pytest.fixture
async def server(
    aiohttp_server: AiohttpServer, settings: Settings, dialog: Dialog, sqlite_database: AsyncEngine
) -> TestServer:
    """The app on the fixed test tree, on a migrated SQLite database."""
    return await aiohttp_server(create_app(settings, dialog=dialog))


@pytest.fixture
async def product_server(
    aiohttp_server: AiohttpServer, settings: Settings, real_dialog: Dialog, sqlite_database: AsyncEngine
) -> TestServer:
    """The app on the product's own tree, where the real content decides how long a screen gets."""
    return await aiohttp_server(create_app(settings, dialog=real_dialog))


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, server: TestServer) -> Client:
    return await aiohttp_client(server)
