"""The table ``limit_counters``: each client's use of each limit, shared by every worker process.

A limit is a token bucket ("``burst`` at once, then one per ``interval``"), kept as one number per client: the
moment ``full_at`` (milliseconds since 1970, UTC) at which its allowance is whole again. That is the generic
cell rate algorithm: a use is allowed when ``max(full_at, now) + interval - now <= burst * interval`` and then
moves ``full_at`` to ``max(full_at, now) + interval``. ``take`` does the check and the move in one statement
(``INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING``, on SQLite and PostgreSQL alike), so two workers, or
forty requests at once, can never both use the last one; a refused use changes nothing.

Keys are HMACs made by the caller (``bot/abuse.py``); this module never sees an address.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Table, case, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.models import LimitCounter

logger = logging.getLogger(__name__)

COUNTERS: Table = LimitCounter.__table__  # type: ignore[attr-defined]


class LimitCounterStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def _upsert(self, kind: str, key: str, full_at: int) -> Any:
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        return insert(COUNTERS).values(kind=kind, key_hash=key, full_at=full_at)

    async def take(
        self, kind: str, key: str, now: int, interval: int, burst: int, conn: AsyncConnection | None = None
    ) -> bool:
        """Use one of ``burst`` per ``burst * interval`` ms; False (and nothing used) when none is left.

        With ``conn`` (an open transaction: a turn's unit of work) the use is part of it and is undone with it;
        on SQLite that is also the only way, as the turn holds the one write lock.
        """
        start = case((COUNTERS.c.full_at > now, COUNTERS.c.full_at), else_=now)
        statement = (
            self._upsert(kind, key, now + interval)
            .on_conflict_do_update(
                index_elements=[COUNTERS.c.kind, COUNTERS.c.key_hash],
                set_={"full_at": start + interval},
                where=start + interval - now <= burst * interval,
            )
            .returning(COUNTERS.c.full_at)
        )
        if conn is not None:
            return (await conn.execute(statement)).scalar() is not None
        async with self.engine.begin() as own:
            return (await own.execute(statement)).scalar() is not None

    async def charge(self, kind: str, key: str, now: int, interval: int, most: int) -> None:
        """Use one whatever is left, but never put ``full_at`` more than ``most`` ms after ``now``."""
        start = case((COUNTERS.c.full_at > now, COUNTERS.c.full_at), else_=now)
        later = case((start + interval > now + most, now + most), else_=start + interval)
        statement = self._upsert(kind, key, now + min(interval, most)).on_conflict_do_update(
            index_elements=[COUNTERS.c.kind, COUNTERS.c.key_hash], set_={"full_at": later}
        )
        async with self.engine.begin() as conn:
            await conn.execute(statement)

    async def give_back(self, kind: str, key: str, interval: int) -> None:
        """Undo one use (a row past its ``full_at`` simply says nothing)."""
        async with self.engine.begin() as conn:
            await conn.execute(
                update(COUNTERS)
                .where(COUNTERS.c.kind == kind, COUNTERS.c.key_hash == key)
                .values(full_at=COUNTERS.c.full_at - interval)
            )

    async def full_at(self, kind: str, key: str) -> int | None:
        async with self.engine.connect() as conn:
            value = await conn.scalar(
                select(COUNTERS.c.full_at).where(COUNTERS.c.kind == kind, COUNTERS.c.key_hash == key)
            )
        return None if value is None else int(value)

    async def forget(self, kind: str, key: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(COUNTERS).where(COUNTERS.c.kind == kind, COUNTERS.c.key_hash == key))

    async def prune(self, now: int) -> int:
        """Delete the rows whose allowance is whole again (they hold nothing); how many."""
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(COUNTERS).where(COUNTERS.c.full_at <= now))
        return int(result.rowcount or 0)

    async def size(self, kind: str | None = None) -> int:
        query = select(func.count()).select_from(COUNTERS)
        if kind is not None:
            query = query.where(COUNTERS.c.kind == kind)
        async with self.engine.connect() as conn:
            return int(await conn.scalar(query) or 0)
