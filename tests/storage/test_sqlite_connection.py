"""The SQLite connections of ``storage.database``: their pragmas, one trip per statement, nothing left locked.

Found with py-spy (issue 15): SQLAlchemy's aiosqlite adapter made four trips to aiosqlite's thread per statement
plus the pool's rollback per turn; a turn spent more time handing over than in SQLite. The rollback stays (see
storage/database.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import aiosqlite
import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import Conversation, ProcessedUpdate, utcnow
from storage.repository import CONVERSATIONS, PROCESSED, Line, load_conversation, new_conversation, write_step


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every call aiosqlite hands to a connection's thread, by name."""
    calls: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: object, *args: object, **kwargs: object) -> object:
        calls.append(getattr(fn, "__name__", "call"))
        return await original(self, fn, *args, **kwargs)  # type: ignore[no-untyped-call]

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    yield calls


async def test_every_connection_has_wal_normal_sync_and_foreign_keys(sqlite_database: AsyncEngine) -> None:
    held = [await sqlite_database.connect() for _ in range(3)]  # three at once: three connections of the pool
    try:
        for conn in held:
            assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await conn.exec_driver_sql("PRAGMA synchronous")).scalar() == 1  # NORMAL
            assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
    finally:
        for conn in held:
            await conn.close()


async def test_a_turns_statements_take_one_trip_each(sqlite_database: AsyncEngine, trips: list[str]) -> None:
    async with sqlite_database.begin() as conn:
        await write_step(conn, new_conversation(channel="t", chat_id="1", locale="nl", state="a", tree_version="v"))
    trips.clear()
    async with sqlite_database.begin() as conn:
        conversation = await load_conversation(conn, "t", "1")
        assert conversation is not None
        conversation.state = "b"
        await write_step(conn, conversation, [Line("user", "ja"), Line("bot", "Dank je.")])
    assert len(trips) == 5, f"select, update, insert of the lines, commit, the pool's rollback on return: {trips}"


async def test_rows_counts_and_new_ids_read_as_before(sqlite_database: AsyncEngine) -> None:
    now = utcnow()
    values = {"channel": "t", "locale": "nl", "state": "a", "tree_version": "v", "history": [], "facts": {}}
    async with sqlite_database.begin() as conn:
        first = await conn.execute(insert(CONVERSATIONS).values(chat_id="1", created_at=now, updated_at=now, **values))
        assert first.inserted_primary_key is not None and first.inserted_primary_key[0] == 1  # lastrowid
        returned = await conn.scalar(
            insert(CONVERSATIONS)
            .values(chat_id="2", created_at=now, updated_at=now, **values)
            .returning(CONVERSATIONS.c.id)
        )
        assert returned == 2
        many = await conn.execute(
            insert(PROCESSED), [{"channel": "t", "update_id": str(n), "processed_at": now} for n in range(3)]
        )
        assert many.rowcount == 3
        changed = await conn.execute(update(CONVERSATIONS).values(state="b"))
        assert changed.rowcount == 2
        rows = (await conn.execute(select(Conversation.chat_id).order_by(Conversation.chat_id))).all()
        assert [chat_id for (chat_id,) in rows] == ["1", "2"]
        assert (await conn.execute(select(Conversation.id).where(Conversation.chat_id == "none"))).first() is None
    with pytest.raises(IntegrityError):  # the driver's error reaches SQLAlchemy as before
        async with sqlite_database.begin() as conn:
            await conn.execute(insert(PROCESSED).values(channel="t", update_id="1", processed_at=now))


async def test_a_connection_closed_without_commit_keeps_nothing_and_holds_no_lock(sqlite_database: AsyncEngine) -> None:
    """The pool no longer rolls back on return: SQLAlchemy's connection must end what it began itself."""
    conn = await sqlite_database.connect()
    await conn.execute(insert(PROCESSED).values(channel="t", update_id="open", processed_at=utcnow()))
    await conn.close()  # no commit
    async with sqlite_database.begin() as other:  # would wait 30 s for the write lock if it were still held
        await asyncio.wait_for(
            other.execute(insert(PROCESSED).values(channel="t", update_id="next", processed_at=utcnow())), 5
        )
    async with sqlite_database.connect() as reader:
        kept = (await reader.execute(select(ProcessedUpdate.update_id))).all()
    assert [update_id for (update_id,) in kept] == ["next"]
