"""The aiohttp app from the one factory, served for real on localhost."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import ENGINE, create_app
from bot.settings import Settings, load_settings
from storage.schema import SchemaOutOfDate


async def serve(aiohttp_client: AiohttpClient, settings: Settings) -> TestClient:  # type: ignore[type-arg]
    return await aiohttp_client(create_app(settings))


async def test_healthz_checks_the_database(
    aiohttp_client: AiohttpClient, settings: Settings, sqlite_database: AsyncEngine
) -> None:
    client = await serve(aiohttp_client, settings)
    response = await client.get("/healthz")
    assert response.status == 200
    assert (await response.json())["database"] == "ok"


async def test_healthz_says_503_when_the_database_is_gone(
    aiohttp_client: AiohttpClient, settings: Settings, sqlite_database: AsyncEngine, tmp_path: Path
) -> None:
    client = await serve(aiohttp_client, settings)
    await client.app[ENGINE].store.engine.dispose()
    for leftover in tmp_path.glob("wegwijzer.sqlite3*"):
        leftover.unlink()
    (tmp_path / "wegwijzer.sqlite3").mkdir()  # a folder where the database file was: it cannot be opened
    response = await client.get("/healthz")
    assert response.status == 503
    assert (await response.json())["database"] == "unreachable"


async def test_landing_page_says_what_runs(
    aiohttp_client: AiohttpClient, settings: Settings, sqlite_database: AsyncEngine
) -> None:
    client = await serve(aiohttp_client, settings)
    response = await client.get("/")
    assert response.status == 200
    assert "Wegwijzer" in await response.text()


async def test_start_up_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    settings = load_settings({}, None, database_url=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    runner = web.AppRunner(create_app(settings))
    with pytest.raises(SchemaOutOfDate, match="wegwijzer db upgrade"):
        await runner.setup()
    await runner.cleanup()
