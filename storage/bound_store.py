"""A store that reads and writes in its own short transactions, or, ``bound(conn)``, inside a caller's (a turn)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


class BoundStore:
    def __init__(self, engine: AsyncEngine, conn: AsyncConnection | None = None) -> None:
        self.engine = engine
        self.conn = conn

    def bound(self, conn: AsyncConnection) -> Self:
        """The same store, working inside ``conn``'s open transaction (no commits of its own)."""
        return type(self)(self.engine, conn)

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        if self.conn is not None:
            yield self.conn
        else:
            async with self.engine.connect() as conn:
                yield conn

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        if self.conn is not None:
            yield self.conn
        else:
            async with self.engine.begin() as conn:
                yield conn
