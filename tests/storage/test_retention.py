"""Retention (``storage.retention``): old conversations go with everything of theirs (warm referrals too, deleted
and counted, not left to the foreign key's cascade); open hand-offs, left messages, recent conversations and
anonymous counts stay. Every table is queried afterwards, on both backends."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from storage.models import (
    AccessGrant,
    Agent,
    AgentNote,
    AgentSession,
    AuditEntry,
    Conversation,
    Handoff,
    LimitCounter,
    MonitoringCount,
    OutboxMessage,
    ProcessedUpdate,
    Referral,
    TranscriptEntry,
    WebSession,
    utcnow,
)
from storage.monitoring import sums
from storage.retention import PurgeCounts, purge


def table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined, no-any-return]


NOW = utcnow()


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@dataclass
class Seeded:
    old: list[int] = field(default_factory=list)  # must go
    kept: list[int] = field(default_factory=list)  # must stay
    old_chats: list[tuple[str, str]] = field(default_factory=list)
    kept_chats: list[tuple[str, str]] = field(default_factory=list)
    kept_notices: list[tuple[str, str]] = field(default_factory=list)  # outbox rows of chats without a conversation
    kept_referrals: list[int] = field(default_factory=list)  # the conversations of the referrals that must stay


async def seed(engine: AsyncEngine) -> Seeded:
    seeded = Seeded()
    async with engine.begin() as conn:

        async def add(model: type[SQLModel], **values: Any) -> int:
            result = await conn.execute(insert(table(model)).values(**values))
            key = result.inserted_primary_key
            return int(key[0]) if key and isinstance(key[0], int) else 0

        agent = await add(
            Agent, name="sanne", display_name="Sanne", password_hash="x", role="agent", active=True, languages=["nl"]
        )
        await add(AgentSession, token_hash="s" * 64, agent_id=agent, csrf_token="c", created_at=ago(100))

        async def conversation(channel: str, chat_id: str, days: float, keep: bool) -> int:
            cid = await add(
                Conversation,
                channel=channel,
                chat_id=chat_id,
                locale="nl",
                state="start",
                tree_version="t",
                history=[],
                facts={},
                status="bot",
                created_at=ago(days + 1),
                updated_at=ago(days),
            )
            for number in range(3):
                await add(
                    TranscriptEntry, conversation_id=cid, sender="user", text=f"tekst {number}", created_at=ago(days)
                )
            await add(AgentNote, conversation_id=cid, agent_id=agent, text="notitie", created_at=ago(days))
            await add(
                OutboxMessage,
                conversation_id=cid,
                channel=channel,
                chat_id=chat_id,
                batch="b",
                payload={"text": "hoi"},
                created_at=ago(days),
            )
            await add(  # a notice queued for the chat without a conversation id
                OutboxMessage,
                conversation_id=None,
                channel=channel,
                chat_id=chat_id,
                batch="n",
                payload={"text": "let op"},
                created_at=ago(days),
            )
            if channel == "web":
                await add(WebSession, chat_id=chat_id, token_hash=f"{chat_id:x<64}"[:64], created_at=ago(days + 1))
            (seeded.kept if keep else seeded.old).append(cid)
            (seeded.kept_chats if keep else seeded.old_chats).append((channel, chat_id))
            return cid

        def handoff(cid: int, status: str, days: float, **extra: Any) -> Any:
            return add(
                Handoff,
                conversation_id=cid,
                status=status,
                agent_id=agent if status != "queued" else None,
                requested_at=ago(days),
                ended_at=ago(days) if status == "ended" else None,
                **extra,
            )

        # Old: must go, with everything of theirs.
        await conversation("telegram", "1001", 40, keep=False)
        ended = await conversation("telegram", "1002", 31, keep=False)
        await handoff(ended, "ended", 32, outcome="helped")
        await handoff(ended, "ended", 31.5, outcome="helped")
        await conversation("web", "webchat-old", 90, keep=False)
        old_web_ended = await conversation("web", "webchat-old-2", 35, keep=False)
        await handoff(old_web_ended, "ended", 35)
        # Old but a person may still pick it up: stays.
        live = await conversation("telegram", "2001", 60, keep=True)
        await handoff(live, "ended", 70)
        await handoff(live, "live", 60)
        left_message = await conversation("web", "webchat-left", 45, keep=True)
        await handoff(left_message, "queued", 45, after_hours=True, priority=1)
        waiting = await conversation("telegram", "2002", 50, keep=True)
        await handoff(waiting, "queued", 50)
        # Recent: stays.
        await conversation("telegram", "3001", 29, keep=True)
        recent_web = await conversation("web", "webchat-new", 0.5, keep=True)
        await handoff(recent_web, "ended", 1)

        # Warm referrals, in several states: they go with their conversation and stay with a kept one.
        def referral(cid: int, status: str, days: float) -> Any:
            return add(
                Referral,
                conversation_id=cid,
                organisation_id="kindertelefoon",
                status=status,
                note="Wil graag gebeld worden.",
                contact="na school",
                agent_id=agent,
                created_at=ago(days),
            )

        await referral(ended, "accepted", 31.5)
        await referral(ended, "declined", 31.5)
        await referral(old_web_ended, "expired", 35)
        for cid, status in ((live, "sent"), (recent_web, "accepted")):
            await referral(cid, status, 1)
            seeded.kept_referrals.append(cid)

        # Web sessions without a conversation: an old one goes, a fresh one stays.
        await add(WebSession, chat_id="orphan-old", created_at=ago(40))
        await add(WebSession, chat_id="orphan-new", created_at=ago(2))
        # Notices to chats that never started a conversation (the channel was off): an old one goes.
        for chat_id, days in (("telegram-photo-old", 40), ("telegram-photo-new", 2)):
            await add(
                OutboxMessage, channel="telegram", chat_id=chat_id, batch="p", payload={"t": 1}, created_at=ago(days)
            )
            if days == 2:
                seeded.kept_notices.append(("telegram", chat_id))
        # Audit and reasons given: older than a year goes.
        for days in (400, 366, 364, 10):
            await add(AuditEntry, agent_id=agent, conversation_id=seeded.old[0], action="open_transcript", at=ago(days))
            await add(
                AccessGrant,
                agent_id=agent,
                conversation_id=seeded.old[0],
                session_hash="s" * 64,
                reason="dienst",
                granted_at=ago(days),
            )
        # Never touched by retention.
        await add(MonitoringCount, day=ago(400).date(), kind="outcome", node="n", count=3)
        await add(ProcessedUpdate, channel="telegram", update_id="1", processed_at=ago(1))
        await add(LimitCounter, kind="k", key_hash="h" * 64, full_at=0)
    return seeded


async def row_counts(engine: AsyncEngine) -> dict[str, int]:
    """Every table's number of rows (every table the models know, not only those retention touches)."""
    async with engine.connect() as conn:
        return {
            t.name: int(await conn.scalar(select(func.count()).select_from(t)) or 0)
            for t in SQLModel.metadata.sorted_tables
        }


EXPECTED = PurgeCounts(
    conversations=4,
    transcript_entries=12,
    handoffs=3,
    agent_notes=4,
    referrals=3,
    outbox=9,
    web_sessions=3,  # two web chats' sessions and the old orphan
    audit_log=2,
    access_grants=2,
)


async def test_purge_deletes_old_conversations_with_everything_of_theirs(database: AsyncEngine) -> None:
    seeded = await seed(database)
    before = await row_counts(database)

    counts = await purge(database, 30, 365, now=NOW, batch_size=1)  # one per transaction: the batches add up

    assert counts == EXPECTED
    after = await row_counts(database)
    removed = {name: before[name] - after[name] for name in before if before[name] != after[name]}
    stops = -removed.pop("monitoring_counts")  # where the purged conversations stopped, counted anonymously
    assert removed == {name: count for name, count in counts.items() if count}  # nothing else changed
    assert sum((await sums(database, date.min, date.max, "stopped")).values()) == EXPECTED.conversations
    assert stops >= 1

    async with database.connect() as conn:

        async def column(model: type[SQLModel], name: str) -> list[Any]:
            return list((await conn.execute(select(table(model).c[name]))).scalars())

        assert sorted(await column(Conversation, "id")) == sorted(seeded.kept)
        for model in (TranscriptEntry, AgentNote, Handoff, OutboxMessage):
            remaining = set(await column(model, "conversation_id")) - {None}
            assert remaining <= set(seeded.kept), model.__tablename__  # nothing points at a deleted conversation
            if model is not Handoff:  # every kept conversation keeps its own (one recent one never asked a person)
                assert remaining == set(seeded.kept), model.__tablename__
        outbox = (await conn.execute(select(table(OutboxMessage).c.channel, table(OutboxMessage).c.chat_id))).all()
        assert {tuple(row) for row in outbox} == set(seeded.kept_chats) | set(seeded.kept_notices)
        assert set(await column(WebSession, "chat_id")) == {"webchat-left", "webchat-new", "orphan-new"}
        handoffs = (await conn.execute(select(table(Handoff).c.conversation_id, table(Handoff).c.status))).all()
        assert sorted(status for _cid, status in handoffs) == ["ended", "ended", "live", "queued", "queued"]
        assert len(await column(TranscriptEntry, "id")) == 3 * len(seeded.kept)
        assert sorted(await column(Referral, "conversation_id")) == sorted(seeded.kept_referrals)
        assert len(await column(AuditEntry, "id")) == 2
        assert min(await column(AuditEntry, "at")) > ago(365)
        assert min(await column(AccessGrant, "granted_at")) > ago(365)
        old_count = select(table(MonitoringCount).c.count).where(table(MonitoringCount).c.kind == "outcome")
        assert (await conn.execute(old_count)).scalars().all() == [3]  # anonymous counts are never touched

    assert await purge(database, 30, 365, now=NOW) == PurgeCounts()  # idempotent
    assert await row_counts(database) == after


async def test_a_dry_run_counts_the_same_and_deletes_nothing(database: AsyncEngine) -> None:
    await seed(database)
    before = await row_counts(database)

    assert await purge(database, 30, 365, now=NOW, dry_run=True) == EXPECTED

    assert await row_counts(database) == before
    assert await purge(database, 30, 365, now=NOW) == EXPECTED


async def test_the_retention_settings_decide(database: AsyncEngine) -> None:
    seeded = await seed(database)

    counts = await purge(database, 100, 3650, now=NOW)

    assert (counts.conversations, counts.audit_log, counts.access_grants) == (0, 0, 0)
    counts = await purge(database, 1, 365, now=NOW)
    assert counts.conversations == 4 + 1  # the 29-day-old one too; the open hand-offs and the 1-day one stay
    async with database.connect() as conn:
        left = set((await conn.execute(select(table(Conversation).c.id))).scalars())
    assert len(left) == len(seeded.kept) - 1
