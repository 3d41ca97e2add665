"""One worker at a time (``storage.leader``), on the real PostgreSQL: a session advisory lock on a kept connection.

Each ``Leadership`` here has its own engine (its own pool of connections), as two ``wegwijzer serve`` processes on
one database would. Exactly one of them leads; when the leader's connection goes away (closed, or its backend
terminated as a crash or a network cut would), PostgreSQL lets the lock go and the other leads on its next try.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import create_engine
from storage.leader import Leadership
from tests.conftest import fresh_database

NAME = "housekeeping"

# The backends that hold the leader's lock of ``name`` in this database (pg_locks splits a bigint key in two).
HOLDERS = text(
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    " AND ((classid::bigint << 32) | objid::bigint) = hashtextextended(:key, 0)"
)


# A backend that ended: out of the activity list and without locks.
GONE = text(
    "SELECT (SELECT count(*) FROM pg_stat_activity WHERE pid = :pid) + (SELECT count(*) FROM pg_locks WHERE pid = :pid)"
)


@pytest.fixture
async def workers(postgres_url: str) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine, AsyncEngine]]:
    """Two workers' engines on one migrated PostgreSQL database, and a third one to watch and to pull plugs."""
    admin = await fresh_database(postgres_url)
    one, two = create_engine(postgres_url), create_engine(postgres_url)
    yield one, two, admin
    for engine in (one, two, admin):
        await engine.dispose()


async def holders(admin: AsyncEngine, name: str = NAME) -> list[int]:
    async with admin.connect() as conn:
        return [int(pid) for pid in (await conn.execute(HOLDERS, {"key": f"leader:{name}"})).scalars()]


async def terminate(admin: AsyncEngine, pid: int) -> None:
    """End a backend as a crash of its worker would, and wait until PostgreSQL has cleaned it up."""
    async with admin.connect() as conn:
        assert await conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await conn.commit()
    for _ in range(500):
        async with admin.connect() as conn:
            alive = await conn.scalar(GONE, {"pid": pid})
        if not alive:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"backend {pid} did not end")


async def test_of_two_workers_exactly_one_leads_and_keeps_leading(
    workers: tuple[AsyncEngine, AsyncEngine, AsyncEngine],
) -> None:
    one, two, admin = workers
    a, b = Leadership(one, NAME), Leadership(two, NAME)
    first = await asyncio.gather(a.held(), b.held())  # both start at once
    assert sorted(first) == [False, True], first
    leader, other = (a, b) if first[0] else (b, a)
    for _round in range(5):  # every later try: the same answer
        assert await leader.held() is True
        assert await other.held() is False
    assert len(await holders(admin)) == 1, "one lock, held by one backend"
    await leader.release()
    await other.release()


async def test_another_job_has_a_leader_of_its_own(workers: tuple[AsyncEngine, AsyncEngine, AsyncEngine]) -> None:
    one, two, _admin = workers
    housekeeping = Leadership(one, NAME)
    assert await housekeeping.held()
    sender = Leadership(two, "telegram-sender")
    assert await sender.held(), "a lock per job: the sender may run in the other worker"
    assert not await Leadership(two, NAME).held()
    await housekeeping.release()
    await sender.release()


async def test_when_the_leader_closes_its_connection_the_other_takes_over(
    workers: tuple[AsyncEngine, AsyncEngine, AsyncEngine],
) -> None:
    one, two, admin = workers
    a, b = Leadership(one, NAME), Leadership(two, NAME)
    assert await a.held() and not await b.held()
    await a.release()  # a worker that stops
    assert await holders(admin) == []
    assert await b.held(), "the other leads on its next try"
    assert not await a.held(), "and the first one, back, does not"
    await b.release()


async def test_when_the_leaders_backend_dies_the_other_takes_over_on_its_next_try(
    workers: tuple[AsyncEngine, AsyncEngine, AsyncEngine], caplog: pytest.LogCaptureFixture
) -> None:
    one, two, admin = workers
    a, b = Leadership(one, NAME), Leadership(two, NAME)
    assert await a.held() and not await b.held()
    (pid,) = await holders(admin)
    await terminate(admin, pid)  # the leader's connection is cut (a crash, a network cut, an admin)
    assert await b.held(), "the lock went with the backend: the other leads on its next try"
    with caplog.at_level(logging.WARNING, logger="storage.leader"):
        assert not await a.held(), "the old leader notices its connection is gone and does not lead"
    assert any("lost the database" in r.getMessage() for r in caplog.records)
    assert not await a.held(), "nor on its tries after that"
    assert await b.held()
    (new_pid,) = await holders(admin)
    assert new_pid != pid
    await terminate(admin, new_pid)  # and back again
    assert await a.held() and not await b.held()
    await a.release()
    await b.release()


async def test_the_leaders_connection_waits_idle_not_inside_a_transaction(
    workers: tuple[AsyncEngine, AsyncEngine, AsyncEngine],
) -> None:
    """The kept connection lives as long as the worker: an open transaction on it would hold back PostgreSQL's
    clean-up and be ended by ``idle_in_transaction_session_timeout``, taking the lead away from a healthy worker."""
    one, _two, admin = workers
    a = Leadership(one, NAME)
    for _round in range(3):  # taking the lead, then keeping it
        assert await a.held()
    (pid,) = await holders(admin)
    async with admin.connect() as conn:
        state = await conn.scalar(text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid})
    assert state == "idle"
    await a.release()


async def test_a_quiet_leader_keeps_leading_where_postgresql_ends_idle_transactions(
    workers: tuple[AsyncEngine, AsyncEngine, AsyncEngine], postgres_url: str
) -> None:
    """A server set to end sessions idle in a transaction (a common safety setting) must not end the leader's."""
    _one, _two, admin = workers
    async with admin.begin() as conn:
        name = await conn.scalar(text("SELECT current_database()"))
        await conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET idle_in_transaction_session_timeout = 200')
    one, two = create_engine(postgres_url), create_engine(postgres_url)  # new sessions: they have the setting
    try:
        a, b = Leadership(one, NAME), Leadership(two, NAME)
        assert await a.held() and await a.held()
        await asyncio.sleep(0.6)  # housekeeping waits an hour between tries, the Telegram sender a second
        assert await a.held(), "still the leader"
        assert not await b.held()
        await a.release()
        await b.release()
    finally:
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'ALTER DATABASE "{name}" RESET idle_in_transaction_session_timeout')
        await one.dispose()
        await two.dispose()


async def test_sqlite_runs_one_process_which_always_leads(sqlite_database: AsyncEngine) -> None:
    assert await Leadership(sqlite_database, NAME).held()
    assert await Leadership(sqlite_database, NAME).held()
