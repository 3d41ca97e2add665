"""Anonymous monitoring counts: per day, added up, never linkable to a conversation."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import inspect, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.migrate import downgrade, upgrade
from storage.models import Conversation, Handoff, MonitoringCount, utcnow
from storage.monitoring import (
    COUNTS,
    KEY,
    Tally,
    add,
    count_quiet,
    per_day,
    sums,
    wait_bucket,
)
from storage.repository import CONVERSATIONS, ConversationStore, Line
from storage.retention import purge
from storage.unit_of_work import Turns
from tests.conftest import fresh_database

DAY = date(2026, 11, 2)


async def test_tallies_are_summed_per_day_and_combination(database: AsyncEngine) -> None:
    async with database.begin() as conn:
        await add(conn, [Tally("theme", role="ouder", theme="pesten")] * 3 + [Tally("theme", role="ouder")], DAY)
    async with database.begin() as conn:
        await add(conn, [Tally("theme", role="ouder", theme="pesten")], DAY)
        await add(conn, [Tally("theme", role="ouder", theme="pesten")], DAY + timedelta(days=1))
    assert await sums(database, DAY, DAY, "theme", ("role", "theme")) == {("ouder", "pesten"): 4, ("ouder", ""): 1}
    assert await per_day(database, DAY, DAY + timedelta(days=6), "theme", ("theme",)) == {
        (DAY, "pesten"): 4,
        (DAY, ""): 1,
        (DAY + timedelta(days=1), "pesten"): 1,
    }
    assert await sums(database, DAY + timedelta(days=2), DAY + timedelta(days=9), "theme") == {}


async def test_a_long_note_is_cut_to_its_column(database: AsyncEngine) -> None:
    async with database.begin() as conn:
        await add(conn, [Tally("handoff_outcome", node="witte_vlek", detail="x" * 500)], DAY)
    assert await sums(database, DAY, DAY, "handoff_outcome", ("detail",)) == {("x" * 200,): 1}


async def test_the_table_has_no_id_no_time_of_day_and_no_order(database: AsyncEngine) -> None:
    async with database.connect() as conn:
        columns = await conn.run_sync(lambda sync: inspect(sync).get_columns("monitoring_counts"))
        key = await conn.run_sync(lambda sync: inspect(sync).get_pk_constraint("monitoring_counts"))
    names = {column["name"] for column in columns}
    assert names == {*KEY, "count"}
    assert not {name for name in names if "id" in name or name.endswith("_at")}
    assert str(next(c["type"] for c in columns if c["name"] == "day")).upper() == "DATE"  # a day, not a moment
    assert set(key["constrained_columns"]) == set(KEY), "no serial key: the order of writes is not kept"
    assert "monitoring_events" not in await _tables(database)


async def test_two_people_on_the_same_path_leave_the_same_rows_as_one_would_twice(database: AsyncEngine) -> None:
    """Nothing in a count tells one person's steps from another's: no column or time lines them up."""
    turns = Turns(database, clock=lambda: datetime(2026, 11, 2, 9, 14, 55, 123456, tzinfo=UTC))
    for chat in ("a", "b"):
        async with turns.open("test", chat, f"delivery-{chat}") as work:
            conversation = Conversation(channel="test", chat_id=chat, locale="nl", state="rol", tree_version="1")
            conversation.facts = {"role": "ouder", "theme": "pesten"}
            await work.save(
                conversation, [Line("user", "mijn kind wordt gepest")], [Tally("theme", "test", "", "ouder", "pesten")]
            )
    async with database.connect() as conn:
        rows = (await conn.execute(select(COUNTS))).all()
        transcript_times = (await conn.exec_driver_sql("SELECT created_at FROM transcript_entries")).scalars().all()
        ids = (await conn.execute(select(CONVERSATIONS.c.id, CONVERSATIONS.c.chat_id))).all()
    assert [tuple(row) for row in rows] == [(DAY, "theme", "test", "", "ouder", "pesten", "", "", "", 2)]
    values = {str(value) for row in rows for value in row[1:-1]}  # the columns besides the day and the count
    assert not values & {str(v) for pair in ids for v in pair}, "no conversation id or chat id"
    assert not any(str(moment)[11:16] in str(value) for moment in transcript_times for value in values), "no time"


async def test_counts_from_many_turns_at_once_are_all_kept(database: AsyncEngine) -> None:
    """Concurrent turns add to the same rows: none is lost and none waits on another in a circle."""
    turns = Turns(database, clock=lambda: datetime(2026, 11, 2, 12, tzinfo=UTC))
    tallies = [Tally("organisation", node="a"), Tally("organisation", node="b"), Tally("organisation", node="c")]

    async def turn(number: int) -> None:
        async with turns.open("test", f"chat-{number}") as work:
            work.count(*(tallies if number % 2 else reversed(tallies)))

    await asyncio.gather(*(turn(number) for number in range(40)))
    assert await sums(database, DAY, DAY, "organisation", ("node",)) == {("a",): 40, ("b",): 40, ("c",): 40}


async def test_a_rolled_back_turn_counts_nothing(database: AsyncEngine) -> None:
    turns = Turns(database)
    try:
        async with turns.open("test", "x") as work:
            work.count(Tally("started", channel="test", locale="nl"))
            raise RuntimeError("the step failed")
    except RuntimeError:
        pass
    assert await sums(database, date.min, date.max, "started") == {}


def test_waits_fall_in_buckets() -> None:
    minutes = [0, 0.5, 1, 4.99, 5, 14, 29, 59.9, 60, 600]
    assert [wait_bucket(timedelta(minutes=m)) for m in minutes] == [
        "0-1",
        "0-1",
        "1-2",
        "2-5",
        "5-10",
        "10-15",
        "15-30",
        "30-60",
        "60+",
        "60+",
    ]


async def _conversation(database: AsyncEngine, chat: str, state: str, quiet_for: timedelta) -> int:
    store = ConversationStore(database)
    conversation = Conversation(channel="web", chat_id=chat, locale="nl", state=state, tree_version="1")
    conversation.facts = {"role": "leerling_vo", "theme": "pesten"}
    await store.save(conversation)
    assert conversation.id is not None
    async with database.begin() as conn:
        await conn.execute(
            update(CONVERSATIONS).where(CONVERSATIONS.c.id == conversation.id).values(updated_at=utcnow() - quiet_for)
        )
    return conversation.id


async def test_where_people_stop_is_counted_once_when_they_go_quiet(database: AsyncEngine) -> None:
    quiet = await _conversation(database, "quiet", "stap_vo_pesten", timedelta(hours=25))
    await _conversation(database, "busy", "thema_vo", timedelta(hours=2))
    waiting = await _conversation(database, "waiting", "thema_vo", timedelta(hours=30))
    async with database.begin() as conn:
        await conn.execute(Handoff.__table__.insert().values(conversation_id=waiting, status="queued"))  # type: ignore[attr-defined]

    assert await count_quiet(database, utcnow()) == 1
    assert await count_quiet(database, utcnow()) == 0, "once per quiet spell"
    day = (utcnow() - timedelta(hours=25)).date()
    assert await sums(database, day, day, "stopped", ("node", "role", "theme", "channel")) == {
        ("stap_vo_pesten", "leerling_vo", "pesten", "web"): 1
    }
    # the user comes back: a turn clears the mark, and the next quiet spell is counted again
    turns = Turns(database)
    async with turns.open("web", "quiet") as work:
        conversation = await work.load()
        assert conversation is not None and conversation.id == quiet and conversation.stop_counted
        await work.save(conversation)
        assert not conversation.stop_counted


async def test_a_purge_counts_where_they_stopped_if_the_quiet_count_did_not(database: AsyncEngine) -> None:
    await _conversation(database, "old", "thema_po", timedelta(days=40))
    counted = await _conversation(database, "counted", "rol", timedelta(days=40))
    async with database.begin() as conn:
        await conn.execute(update(CONVERSATIONS).where(CONVERSATIONS.c.id == counted).values(stop_counted=True))
    await purge(database, 30, 365)
    assert await sums(database, date.min, date.max, "stopped", ("node",)) == {("thema_po",): 1}
    assert await sums(database, date.min, date.max, "stopped") == {(): 1}


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def test_migration_0011_turns_events_into_counts_per_day(database_url: str) -> None:
    engine = await fresh_database(database_url)
    try:
        await downgrade(engine, "0010")
        async with engine.begin() as conn:
            for at, kind, node in [
                ("2026-11-02 09:14:55", "outcome", "stap_vo_pesten"),
                ("2026-11-02 17:01:02", "outcome", "stap_vo_pesten"),
                ("2026-11-03 08:00:00", "outcome", "stap_vo_pesten"),
                ("2026-11-03 08:00:01", "handoff_outcome", "referred:ouders_onderwijs"),
            ]:
                await conn.exec_driver_sql(
                    "INSERT INTO monitoring_events (kind, node, role, theme, channel, created_at)"
                    f" VALUES ('{kind}', '{node}', 'leerling_vo', 'pesten', 'web', '{at}')"
                )
        await upgrade(engine)
        assert "monitoring_events" not in await _tables(engine)
        assert await per_day(engine, date.min, date.max, "outcome", ("node", "role")) == {
            (DAY, "stap_vo_pesten", "leerling_vo"): 2,
            (DAY + timedelta(days=1), "stap_vo_pesten", "leerling_vo"): 1,
        }
        assert await sums(engine, date.min, date.max, "handoff_outcome", ("node", "detail")) == {
            ("referred", "ouders_onderwijs"): 1
        }
        await downgrade(engine, "0010")
        assert "monitoring_counts" not in await _tables(engine) and "monitoring_events" in await _tables(engine)
        await upgrade(engine)
    finally:
        await engine.dispose()


async def test_the_day_of_a_count_is_the_clock_of_the_turns(sqlite_database: AsyncEngine) -> None:
    turns = Turns(sqlite_database, clock=lambda: datetime(2026, 12, 24, 23, 59, tzinfo=UTC))
    async with turns.open("test", "x") as work:
        work.count(Tally("crisis", node="violence"))
    async with sqlite_database.connect() as conn:
        assert (await conn.execute(select(MonitoringCount.day))).scalars().all() == [date(2026, 12, 24)]
