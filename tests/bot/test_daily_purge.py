"""The server purges by itself: housekeeping (one worker, ``bot.app``) runs the retention purge once a day,
the first time right after start-up."""

from __future__ import annotations

import asyncio
from typing import Any

from pytest_aiohttp import AiohttpClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.settings import Settings
from storage.models import AccessGrant, AuditEntry, Conversation, MonitoringCount
from tests.storage.test_retention import ago, seed, table


async def test_the_server_purges_old_conversations_by_itself(
    aiohttp_client: AiohttpClient, settings: Settings, sqlite_database: AsyncEngine
) -> None:
    seeded = await seed(sqlite_database)

    async def conversations() -> set[int]:
        async with sqlite_database.connect() as conn:
            return set((await conn.execute(select(table(Conversation).c.id))).scalars())

    await aiohttp_client(create_app(settings))

    async def oldest_audit() -> Any:
        async with sqlite_database.connect() as conn:
            return await conn.scalar(select(func.min(table(AuditEntry).c.at)))

    for _ in range(1000):  # the purge deletes conversations first, then the audit rows
        if not set(seeded.old) & await conversations() and await oldest_audit() > ago(365):
            break
        await asyncio.sleep(0.01)
    left = await conversations()
    assert not set(seeded.old) & left
    # The kept ones stay (web chats aside: housekeeping's idle expiry of web sessions may end their hand-off).
    kept = {cid for cid, (channel, _chat) in zip(seeded.kept, seeded.kept_chats, strict=True) if channel != "web"}
    assert kept <= left
    async with sqlite_database.connect() as conn:
        assert await conn.scalar(select(func.min(table(AuditEntry).c.at))) > ago(365)  # the year-old audit went
        assert await conn.scalar(select(func.min(table(AccessGrant).c.granted_at))) > ago(365)
        assert await conn.scalar(select(func.min(table(MonitoringCount).c.day))) < ago(365).date()  # counts stay
