"""aiosqlite connections whose statements each take one trip to the connection's thread instead of four.

aiosqlite runs every sqlite3 call on a thread of its own; SQLAlchemy's aiosqlite adapter makes four calls per
statement (create a cursor, execute, fetch the rows, close the cursor), so four hand-overs between the event
loop and that thread, each costing two thread wake-ups. A turn's five statements made twelve of them, more time
than SQLite spent on the statements (``make bench``, py-spy). ``OneTripCursor`` does all four in one call and
keeps what SQLAlchemy reads after (description, rows, rowcount, lastrowid). The statements, their order and their
thread are the same; only the waiting between them is gone.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import URL

logger = logging.getLogger(__name__)

Parameters = Sequence[Any] | dict[str, Any]
Outcome = tuple[Any, int, int | None, list[Any]]  # description, rowcount, lastrowid, rows


class OneTripCursor:
    """The part of ``aiosqlite.Cursor`` SQLAlchemy uses; each ``execute`` is one call on the connection's thread."""

    arraysize = 1

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: list[Any] = []

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        return None

    async def execute(self, sql: str, parameters: Parameters | None = None) -> OneTripCursor:
        arguments = () if parameters is None else (parameters,)
        await self._run(lambda cursor: cursor.execute(sql, *arguments))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Parameters]) -> OneTripCursor:
        rows = list(parameters)
        await self._run(lambda cursor: cursor.executemany(sql, rows))
        return self

    async def _run(self, statement: Callable[[sqlite3.Cursor], object]) -> None:
        outcome: Outcome = await self._connection.call(functools.partial(_in_thread, statement))
        self.description, self.rowcount, self.lastrowid, self._rows = outcome

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        size = size or self.arraysize
        rows, self._rows = self._rows[:size], self._rows[size:]
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def close(self) -> None:
        self._rows = []


def _in_thread(statement: Callable[[sqlite3.Cursor], object], connection: sqlite3.Connection) -> Outcome:
    """On the connection's thread: run the statement, read all its rows, close the cursor."""
    cursor = connection.cursor()
    try:
        statement(cursor)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneTripConnection(aiosqlite.Connection):
    """An aiosqlite connection whose cursors are ``OneTripCursor``s."""

    def cursor(self) -> OneTripCursor:  # type: ignore[override]  # SQLAlchemy awaits its __aenter__, as with aiosqlite
        return OneTripCursor(self)

    async def call(self, function: Callable[[sqlite3.Connection], Outcome]) -> Outcome:
        """Run ``function(connection)`` on the connection's thread."""
        return await self._execute(lambda: function(self._conn))  # type: ignore[no-untyped-call, no-any-return]


def one_trip_connector(url: URL, **connect_args: Any) -> Callable[[], Coroutine[Any, Any, OneTripConnection]]:
    """SQLAlchemy's ``async_creator`` for ``url``: the arguments its aiosqlite dialect would pass, then ours."""
    arguments, options = SQLiteDialect_aiosqlite().create_connect_args(url)
    options.update(connect_args)
    connector = functools.partial(sqlite3.connect, *arguments, **options)

    async def connect() -> OneTripConnection:
        connection = OneTripConnection(connector, iter_chunk_size=64)
        connection._thread.daemon = True  # as SQLAlchemy does: an unclosed connection never keeps the process alive
        await connection
        return connection

    return connect
