"""Storage against real SQLite and real PostgreSQL (each test runs on both)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.migrate import downgrade, pending_changes, upgrade
from storage.models import Conversation, MonitoringEvent, TranscriptEntry, utcnow
from storage.repository import ConversationStore, Line
from tests.conftest import fresh_database


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


async def test_monitoring_events_hold_no_conversation_link(database: AsyncEngine) -> None:
    store = ConversationStore(database)
    event = MonitoringEvent(kind="witte_vlek", node="mens_anders", role="anders", channel="test")
    await store.save(new_conversation(), events=[event])
    columns = set(MonitoringEvent.model_fields)
    assert not columns & {"conversation_id", "chat_id", "text"}
    async with database.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(MonitoringEvent)) == 1


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
