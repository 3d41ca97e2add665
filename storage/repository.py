"""Conversation storage: load a conversation, save one step atomically, read and delete transcripts."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, delete, func, insert, text, update
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import col, select

from storage.database import SessionFactory, session_factory
from storage.models import (
    AgentNote,
    Callback,
    Conversation,
    Handoff,
    OutboxMessage,
    ProcessedUpdate,
    Referral,
    TranscriptEntry,
    WebSession,
    utcnow,
)

logger = logging.getLogger(__name__)

CONVERSATIONS: Table = Conversation.__table__  # type: ignore[attr-defined]
TRANSCRIPT: Table = TranscriptEntry.__table__  # type: ignore[attr-defined]
PROCESSED: Table = ProcessedUpdate.__table__  # type: ignore[attr-defined]
# What belongs to one conversation, deleted with it (``forget_conversation``), children first.
BELONGING: tuple[Table, ...] = (
    TRANSCRIPT,
    AgentNote.__table__,  # type: ignore[attr-defined]
    Handoff.__table__,  # type: ignore[attr-defined]
    OutboxMessage.__table__,  # type: ignore[attr-defined]
    Callback.__table__,  # type: ignore[attr-defined]
    Referral.__table__,  # type: ignore[attr-defined]
)
OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
WEB_SESSIONS: Table = WebSession.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Line:
    """One transcript line to append: who said it and what."""

    sender: str
    text: str


class ConversationStore:
    """All reads and writes the engine needs, each in its own short transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions: SessionFactory = session_factory(engine)

    async def ping(self) -> None:
        """Raise if the database cannot be reached."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def load(self, channel: str, chat_id: str) -> Conversation | None:
        async with self.engine.connect() as conn:
            return await load_conversation(conn, channel, chat_id)

    async def get(self, conversation_id: int) -> Conversation | None:
        async with self.sessions() as session:
            return await session.get(Conversation, conversation_id)

    async def is_processed(self, channel: str, update_id: str) -> bool:
        async with self.sessions() as session:
            found = await session.get(ProcessedUpdate, (channel, update_id))
            return found is not None

    async def save(
        self,
        conversation: Conversation,
        lines: Sequence[Line] = (),
        update_id: str | None = None,
    ) -> Conversation:
        """Write the conversation, its new transcript lines and the update id in one transaction.

        Plain Core statements: this runs for every message, and the ORM's unit of work costs more than the
        rest of the step (see ``make bench``).
        """
        async with self.engine.begin() as conn:
            await write_step(conn, conversation, lines)
            if update_id is not None:
                await claim_delivery(conn, conversation.channel, update_id)
        return conversation

    async def transcript(self, conversation_id: int, after: int = 0) -> list[TranscriptEntry]:
        """The conversation's lines in order; ``after``: only those with a higher id (what a page lacks)."""
        async with self.sessions() as session:
            result = await session.exec(
                select(TranscriptEntry)
                .where(TranscriptEntry.conversation_id == conversation_id, col(TranscriptEntry.id) > after)
                .order_by(col(TranscriptEntry.id))
            )
            return list(result.all())

    async def line_count(self, conversation_id: int) -> int:
        """How many lines the transcript has (from the index alone)."""
        async with self.engine.connect() as conn:
            count = await conn.scalar(
                core_select(func.count()).select_from(TRANSCRIPT).where(TRANSCRIPT.c.conversation_id == conversation_id)
            )
        return int(count or 0)

    async def delete_conversation(self, conversation_id: int) -> None:
        """Delete a conversation and, with it, every transcript line (real deletion, not a flag)."""
        async with self.sessions() as session, session.begin():
            await session.exec(delete(TranscriptEntry).where(col(TranscriptEntry.conversation_id) == conversation_id))
            await session.exec(delete(Conversation).where(col(Conversation.id) == conversation_id))

    async def prune_processed(self, before: datetime) -> int:
        """Forget delivery ids older than ``before``; channels only redeliver recent updates."""
        async with self.sessions() as session, session.begin():
            result = await session.exec(delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < before))
            return int(getattr(result, "rowcount", 0) or 0)


async def write_step(
    conn: AsyncConnection,
    conversation: Conversation,
    lines: Sequence[Line] = (),
    now: datetime | None = None,
) -> None:
    """Write the conversation and its new transcript lines on ``conn`` (the caller's transaction).

    Plain Core statements: this runs for every message, and the ORM's unit of work costs more than the
    rest of the step (see ``make bench``).
    """
    now = now or utcnow()
    conversation.updated_at = now
    values = conversation.model_dump(exclude={"id"})
    if conversation.id is None:
        conversation.id = await conn.scalar(insert(CONVERSATIONS).values(**values).returning(CONVERSATIONS.c.id))
    else:
        await conn.execute(update(CONVERSATIONS).where(CONVERSATIONS.c.id == conversation.id).values(**values))
    if lines:
        await conn.execute(
            insert(TRANSCRIPT),
            [
                {"conversation_id": conversation.id, "sender": line.sender, "text": line.text, "created_at": now}
                for line in lines
            ],
        )


async def claim_delivery(conn: AsyncConnection, channel: str, update_id: str) -> bool:
    """Record a delivery id in the caller's transaction; False when it was there already (a duplicate).

    On PostgreSQL a second transaction inserting the same id waits for the first: it sees the conflict once
    the first commits (a duplicate) or inserts it when the first rolled back (it was never processed).
    """
    upsert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    result = await conn.execute(
        upsert(PROCESSED).values(channel=channel, update_id=update_id, processed_at=utcnow()).on_conflict_do_nothing()
    )
    return bool(result.rowcount == 1)


async def forget_conversation(conn: AsyncConnection, conversation: Conversation) -> None:
    """Delete a conversation and all that belongs to it on ``conn`` (the caller's transaction): its transcript,
    agent notes, hand-offs, outbox rows (also those of its chat without a conversation id) and, for the web
    chat, its session. Anonymous monitoring counts have no link to it and stay; so do the audit log and
    delivery ids.
    """
    if conversation.id is not None:
        for table in BELONGING:
            await conn.execute(delete(table).where(table.c.conversation_id == conversation.id))
    await conn.execute(
        delete(OUTBOX).where(OUTBOX.c.channel == conversation.channel, OUTBOX.c.chat_id == conversation.chat_id)
    )
    if conversation.channel == "web":
        await conn.execute(delete(WEB_SESSIONS).where(WEB_SESSIONS.c.chat_id == conversation.chat_id))
    if conversation.id is not None:
        await conn.execute(delete(CONVERSATIONS).where(CONVERSATIONS.c.id == conversation.id))


async def load_conversation(conn: AsyncConnection, channel: str, chat_id: str) -> Conversation | None:
    row = (
        await conn.execute(
            core_select(CONVERSATIONS).where(CONVERSATIONS.c.channel == channel, CONVERSATIONS.c.chat_id == chat_id)
        )
    ).first()
    return None if row is None else Conversation(**row._mapping)
