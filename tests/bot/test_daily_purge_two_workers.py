"""The daily purge runs in one worker only, even when several run on one PostgreSQL database (issue 13).

Two whole apps from the factory share one PostgreSQL database, as two ``wegwijzer serve`` processes would. Their
housekeeping (``bot.app``) goes round every few milliseconds here instead of every hour; the test counts the
calls of the real ``storage.retention.purge`` (a wrapper that calls it) and which app's database engine made
them. One app purges; the other only tries to lead. When the leading worker stops, the other takes over.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

import bot.app
from bot.app import create_app
from bot.appkeys import DATABASE
from bot.dialogs.dialog import Dialog
from bot.settings import load_settings
from storage import retention
from storage.models import Conversation
from tests.conftest import fresh_database
from tests.storage.test_retention import seed, table

ROUND = timedelta(milliseconds=20)  # housekeeping's round (an hour in the product)
ROUNDS = 25  # rounds watched after the purge: the follower has had every chance to purge as well


@pytest.fixture
def purges(monkeypatch: pytest.MonkeyPatch) -> list[AsyncEngine]:
    """The engine of every call of the retention purge, in order (housekeeping imports it when it starts)."""
    calls: list[AsyncEngine] = []
    real = retention.purge

    async def counted(engine: AsyncEngine, *args: Any, **kwargs: Any) -> retention.PurgeCounts:
        calls.append(engine)
        return await real(engine, *args, **kwargs)

    monkeypatch.setattr(retention, "purge", counted)
    monkeypatch.setattr(bot.app, "HOUSEKEEPING_EVERY", ROUND)
    return calls


@pytest.fixture
async def seeded(postgres_url: str) -> AsyncIterator[list[int]]:
    """A migrated PostgreSQL database with conversations past their retention; their ids."""
    engine = await fresh_database(postgres_url)
    old = (await seed(engine)).old
    await engine.dispose()
    yield old


async def two_workers(aiohttp_server: AiohttpServer, postgres_url: str, dialog: Dialog) -> list[TestServer]:
    settings = load_settings({}, None, database_url=postgres_url, limits_secret="one secret for all workers")
    return list(await asyncio.gather(*(aiohttp_server(create_app(settings, dialog=dialog)) for _ in range(2))))


async def calls_reach(purges: list[AsyncEngine], count: int) -> None:
    for _ in range(1000):
        if len(purges) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{len(purges)} purges, waited for {count}")


async def rounds() -> None:
    await asyncio.sleep(ROUND.total_seconds() * ROUNDS)


async def test_two_workers_purge_once_not_twice(
    aiohttp_server: AiohttpServer, postgres_url: str, dialog: Dialog, seeded: list[int], purges: list[AsyncEngine]
) -> None:
    one, two = await two_workers(aiohttp_server, postgres_url, dialog)
    await calls_reach(purges, 1)
    await rounds()
    assert len(purges) == 1, "one worker purged; the other did not"
    assert purges[0] in (one.app[DATABASE], two.app[DATABASE])
    async with one.app[DATABASE].connect() as conn:
        left = set((await conn.execute(select(table(Conversation).c.id))).scalars())
    assert not set(seeded) & left, "and that one purge did the work"


async def test_when_the_purging_worker_stops_the_other_takes_over(
    aiohttp_server: AiohttpServer, postgres_url: str, dialog: Dialog, seeded: list[int], purges: list[AsyncEngine]
) -> None:
    workers = await two_workers(aiohttp_server, postgres_url, dialog)
    await calls_reach(purges, 1)
    leader = next(w for w in workers if w.app[DATABASE] is purges[0])
    follower = next(w for w in workers if w is not leader)
    await leader.close()  # the worker stops (or crashes): its connection, and with it its lock, goes
    await calls_reach(purges, 2)
    assert purges[1] is follower.app[DATABASE], "the other worker leads now, and purges"
    await rounds()
    assert len(purges) == 2, "still once a day for the one that leads"
