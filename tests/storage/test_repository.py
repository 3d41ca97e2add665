"""Storage against real SQLite and real PostgreSQL (each test runs on both)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, insert, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.agents import AgentStore
from storage.handoffs import HandoffStore
from storage.migrate import downgrade, pending_changes, upgrade
from storage.models import Conversation, TranscriptEntry, utcnow
from storage.repository import ConversationStore, Line
from tests.conftest import fresh_database
from tests.storage.old_schema import add_conversation


def new_conversation(chat_id: str = "42") -> Conversation:
    return Conversation(channel="test", chat_id=chat_id, locale="nl", state="welkom", tree_version="v1")


async def test_migrations_match_the_models(database: AsyncEngine) -> None:
    assert await pending_changes(database) == []


async def test_save_and_load_round_trip(database: AsyncEngine) -> None:
    store = ConversationStore(database)
    conversation = new_conversation()
    conversation.history = ["welkom", "gevaar"]
    conversation.facts = {"role": "ouder"}
    await store.save(conversation, [Line("user", "hallo"), Line("bot", "Hoi!")])
    assert conversation.id is not None

    loaded = await store.load("test", "42")
    assert loaded is not None
    assert loaded.id == conversation.id
    assert loaded.history == ["welkom", "gevaar"]
    assert loaded.facts == {"role": "ouder"}
    assert loaded.updated_at.tzinfo is not None
    assert [(e.sender, e.text) for e in await store.transcript(conversation.id)] == [("user", "hallo"), ("bot", "Hoi!")]
    assert await store.load("test", "other") is None


async def test_saving_again_updates_in_place(database: AsyncEngine) -> None:
    store = ConversationStore(database)
    conversation = await store.save(new_conversation())
    loaded = await store.load("test", "42")
    assert loaded is not None
    loaded.state = "rol"
    loaded.history = ["welkom"]
    await store.save(loaded, [Line("bot", "Wie ben jij?")])
    again = await store.load("test", "42")
    assert again is not None and again.id == conversation.id
    assert again.state == "rol" and again.history == ["welkom"]


async def test_update_ids_are_remembered_per_channel(database: AsyncEngine) -> None:
    store = ConversationStore(database)
    conversation = new_conversation()
    await store.save(conversation, update_id="1001")
    assert await store.is_processed("test", "1001")
    assert not await store.is_processed("test", "1002")
    assert not await store.is_processed("telegram", "1001")
    await store.save(conversation, update_id="1001")  # a second save with the same id does not fail
    assert await store.prune_processed(utcnow() + timedelta(seconds=1)) == 1
    assert not await store.is_processed("test", "1001")


async def test_deleting_a_conversation_deletes_its_transcript(database: AsyncEngine) -> None:
    store = ConversationStore(database)
    keep = await store.save(new_conversation("keep"), [Line("user", "blijft")])
    gone = await store.save(new_conversation("gone"), [Line("user", "weg"), Line("bot", "ok")])
    assert gone.id is not None and keep.id is not None
    await store.delete_conversation(gone.id)
    assert await store.load("test", "gone") is None
    assert await store.transcript(gone.id) == []
    assert len(await store.transcript(keep.id)) == 1
    async with database.connect() as conn:
        left = await conn.scalar(select(func.count()).select_from(TranscriptEntry))
    assert left == 1


async def test_ping_answers(database: AsyncEngine) -> None:
    await ConversationStore(database).ping()


SECRET = "ik word thuis geslagen"


async def test_a_database_error_does_not_carry_the_users_words(database: AsyncEngine) -> None:
    store = ConversationStore(database)
    ghost = new_conversation("ghost")
    ghost.id = 999_999  # not in the database: the transcript's foreign key refuses the line
    with pytest.raises(IntegrityError) as caught:
        async with database.begin() as conn:
            await conn.execute(
                insert(TranscriptEntry.__table__),  # type: ignore[attr-defined]
                [
                    {
                        "conversation_id": ghost.id,
                        "sender": "user",
                        "text": "ik word thuis geslagen",
                        "created_at": utcnow(),
                    }
                ],
            )
    assert SECRET not in str(caught.value)
    assert await store.load("test", "ghost") is None


async def test_migration_0003_turns_audit_stand_ins_into_nulls_and_back(database_url: str) -> None:
    engine = await fresh_database(database_url)
    try:
        await downgrade(engine, "0002")
        async with engine.begin() as conn:
            await conn.exec_driver_sql(
                "INSERT INTO audit_log (agent_id, conversation_id, action, at)"
                " VALUES (0, 0, 'login_failed', '2026-11-22')"
            )
        await upgrade(engine)
        async with engine.connect() as conn:
            row = (await conn.exec_driver_sql("SELECT agent_id, conversation_id FROM audit_log")).one()
        assert tuple(row) == (None, None)
        await downgrade(engine, "0002")
        async with engine.connect() as conn:
            row = (await conn.exec_driver_sql("SELECT agent_id, conversation_id FROM audit_log")).one()
        assert tuple(row) == (0, 0)
    finally:
        await engine.dispose()


async def columns(engine: AsyncEngine, table: str) -> set[str]:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda sync: {c["name"] for c in inspect(sync).get_columns(table)})


async def test_migration_0004_gives_agents_dutch_and_transcript_lines_an_original_and_back(database_url: str) -> None:
    engine = await fresh_database(database_url)
    try:
        await downgrade(engine, "0003")
        assert "languages" not in await columns(engine, "agents")
        assert "original" not in await columns(engine, "transcript_entries")
        store = ConversationStore(engine)
        await add_conversation(engine, new_conversation(), [Line("bot", "Hoi")])
        async with engine.begin() as conn:
            await conn.exec_driver_sql(
                "INSERT INTO agents (name, display_name, password_hash, role, active, created_at)"
                " VALUES ('anna', 'Anna', 'x', 'agent', true, '2026-11-22')"
            )
        await upgrade(engine)
        anna = await AgentStore(engine).by_name("anna")
        assert anna is not None and anna.languages == ["nl"]  # everyone so far worked in Dutch
        entries = await store.transcript(1)
        assert [(e.text, e.original) for e in entries] == [("Hoi", None)]
        assert anna.id is not None and await AgentStore(engine).set_languages(anna.id, ["nl", "uk"])
        await HandoffStore(engine).add_line(1, "agent", "Привіт", original="Hoi")
        emre = await AgentStore(engine).add("emre", "Emre", "x", languages=("tr",))
        assert (await AgentStore(engine).get(emre.id or 0)).languages == ["tr"]  # type: ignore[union-attr]
        assert [(e.text, e.original) for e in await store.transcript(1)][-1] == ("Привіт", "Hoi")
        await downgrade(engine, "0003")
        assert "languages" not in await columns(engine, "agents")
        assert "original" not in await columns(engine, "transcript_entries")
        async with engine.connect() as conn:
            texts = (await conn.exec_driver_sql("SELECT text FROM transcript_entries ORDER BY id")).scalars().all()
        assert texts == ["Hoi", "Привіт"]  # the lines stay; their Dutch originals go with the column
        await upgrade(engine)
        assert (await AgentStore(engine).by_name("anna")).languages == ["nl"]  # type: ignore[union-attr]
    finally:
        await engine.dispose()
