"""The aiohttp app from the one factory, served for real on localhost."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient
from sqlalchemy import insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import PROCESSED_IDS_KEPT, create_app
from bot.appkeys import ENGINE
from bot.settings import Settings, load_settings
from storage.models import ProcessedUpdate, utcnow
from storage.schema import SchemaOutOfDate
from tests.conftest import POSTGRES_ADMIN_URL, fresh_database


async def serve(aiohttp_client: AiohttpClient, settings: Settings) -> TestClient:  # type: ignore[type-arg]
    return await aiohttp_client(create_app(settings))


async def test_readyz_says_503_when_the_database_is_gone_and_healthz_stays_200(
    aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    admin = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"wegwijzer_gone_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        database = await fresh_database(url)
        await database.dispose()
        client = await serve(aiohttp_client, load_settings({}, None, database_url=url))
        assert (await client.get("/readyz")).status == 200
        await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')  # the database server loses it
        response = await client.get("/readyz")
        assert response.status == 503
        assert (await response.json())["database"] == "unreachable"
        assert (await client.get("/healthz")).status == 200  # the process still serves (bot/probes.py)
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


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


async def test_old_delivery_ids_are_pruned_while_serving(
    aiohttp_client: AiohttpClient, settings: Settings, sqlite_database: AsyncEngine
) -> None:
    old = utcnow() - PROCESSED_IDS_KEPT - timedelta(hours=1)
    async with sqlite_database.begin() as conn:
        await conn.execute(
            insert(ProcessedUpdate.__table__),  # type: ignore[attr-defined]
            [
                {"channel": "telegram", "update_id": "old", "processed_at": old},
                {"channel": "telegram", "update_id": "recent", "processed_at": utcnow()},
            ],
        )
    client = await serve(aiohttp_client, settings)
    store = client.app[ENGINE].store
    for _ in range(200):
        if not await store.is_processed("telegram", "old"):
            break
        await asyncio.sleep(0.01)
    assert not await store.is_processed("telegram", "old")
    assert await store.is_processed("telegram", "recent")
