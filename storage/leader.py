"""One worker at a time: a job that must run once for the whole deployment (the Telegram sender, housekeeping).

On PostgreSQL the leader holds a session advisory lock on a connection of its own; when that connection
breaks, PostgreSQL lets the lock go and another worker takes over on its next try. SQLite runs one process,
which always leads.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

logger = logging.getLogger(__name__)


class Leadership:
    def __init__(self, engine: AsyncEngine, name: str) -> None:
        self.engine = engine
        self.name = name
        self._conn: AsyncConnection | None = None
        self.postgres = engine.dialect.name == "postgresql"

    async def held(self) -> bool:
        """Whether this process leads now: keeps the lock while its connection lives, else tries to take it."""
        if not self.postgres:
            return True
        try:
            if self._conn is not None:
                await self._conn.execute(text("SELECT 1"))
                await self._conn.commit()  # it waits idle between tries, never idle in a transaction
                return True
            conn = await self.engine.connect()
            try:
                taken = await conn.scalar(
                    text("SELECT pg_try_advisory_lock(hashtextextended(:key, 0))"), {"key": f"leader:{self.name}"}
                )
                await conn.commit()
            except BaseException:
                await self._end(conn)  # it may hold the lock now: its session must end with it
                raise
            if not taken:
                await conn.close()
                return False
            self._conn = conn
            logger.info("this worker now runs %s", self.name)
            return True
        except Exception as exc:
            logger.warning("%s: lost the database (%s); another worker may take over", self.name, type(exc).__name__)
            await self.release()
            return False

    async def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await self._end(conn)

    async def _end(self, conn: AsyncConnection) -> None:
        """Not back to the pool, where the session (and with it the lock) would live on: it ends, and PostgreSQL
        releases its advisory locks."""
        try:
            await conn.invalidate()
            await conn.close()
        except Exception as exc:
            logger.debug("%s: closing the leader's connection failed: %s", self.name, type(exc).__name__)
