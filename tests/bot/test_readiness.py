"""``/healthz`` says the process serves; ``/readyz`` says the database answers and its schema is current."""

from __future__ import annotations

import logging

import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.dialogs.dialog import Dialog
from bot.settings import Settings
from storage.migrate import downgrade, upgrade
from tests.bot.channels.outage import database_away, postgres_server

__all__ = ["postgres_server"]  # a fixture


def not_ready_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.probes" and r.levelno >= logging.WARNING]


async def test_a_migrated_database_is_ready(
    aiohttp_client: AiohttpClient, settings: Settings, dialog: Dialog, sqlite_database: AsyncEngine
) -> None:
    client = await aiohttp_client(create_app(settings, dialog=dialog))

    ready = await client.get("/readyz")
    assert ready.status == 200
    assert await ready.json() == {"status": "ok", "database": "ok", "schema": "current"}
    alive = await client.get("/healthz")
    assert alive.status == 200
    assert (await alive.json())["status"] == "ok"


async def test_a_schema_behind_the_code_is_not_ready_but_alive(
    aiohttp_client: AiohttpClient,
    settings: Settings,
    dialog: Dialog,
    sqlite_database: AsyncEngine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.probes")
    client = await aiohttp_client(create_app(settings, dialog=dialog))
    assert (await client.get("/readyz")).status == 200
    await downgrade(sqlite_database, "-1")  # e.g. a rollback of the database under a running worker

    for _probe in range(3):
        response = await client.get("/readyz")
        assert response.status == 503
        body = await response.json()
        assert body["database"] == "ok" and body["schema"] == "out_of_date"
        assert body["run"] == "wegwijzer db upgrade"
        assert (await client.get("/healthz")).status == 200

    (line,) = not_ready_lines(caplog)  # once, not at every probe
    assert "schema out of date" in line.getMessage() and line.exc_info is None

    await upgrade(sqlite_database)
    assert (await client.get("/readyz")).status == 200
    assert "ready again (was: schema out of date)" in caplog.text


async def test_a_database_away_is_not_ready_but_alive(
    aiohttp_client: AiohttpClient, postgres_server: TestServer, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = await aiohttp_client(postgres_server)
    assert (await client.get("/readyz")).status == 200

    await database_away(postgres_url, away=True)
    for _probe in range(3):
        response = await client.get("/readyz")
        assert response.status == 503
        assert await response.json() == {"status": "unavailable", "database": "unreachable"}
        assert (await client.get("/healthz")).status == 200  # alive: restarting it would not bring the database

    (line,) = not_ready_lines(caplog)
    assert "database unreachable" in line.getMessage() and line.exc_info is None
    assert "Traceback" not in caplog.text

    await database_away(postgres_url, away=False)
    assert (await client.get("/readyz")).status == 200
