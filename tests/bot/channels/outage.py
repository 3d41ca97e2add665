"""The database away, for the web chat's tests: the app on PostgreSQL, and a switch that refuses connections."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer
from sqlalchemy.engine import make_url

from bot.app import create_app
from bot.dialogs.dialog import Dialog
from bot.settings import Settings
from tests.conftest import POSTGRES_ADMIN_URL, fresh_database


@pytest.fixture
async def postgres_server(
    aiohttp_server: AiohttpServer, settings: Settings, dialog: Dialog, postgres_url: str
) -> AsyncIterator[TestServer]:
    engine = await fresh_database(postgres_url)
    await engine.dispose()
    on_postgres = settings.model_copy(update={"database_url": postgres_url})
    try:
        yield await aiohttp_server(create_app(on_postgres, dialog=dialog))
    finally:
        await database_away(postgres_url, away=False)


async def database_away(url: str, *, away: bool) -> None:
    """Refuse (or allow again) connections to the database, and end the ones it has."""
    name = make_url(url).database
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"false" if away else "true"}')
        if away:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
    finally:
        await admin.close()
