"""Conversation storage: load a conversation, save one step atomically, read and delete transcripts."""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, text, update
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import configure_mappers
from sqlalchemy.sql import Executable
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

# The statements of every turn, built once: SQLAlchemy then finds their compiled form in its cache instead of
# building and compiling a new statement per message (``make bench``: that was a third of a step).
LOAD = core_select(CONVERSATIONS).where(
    CONVERSATIONS.c.channel == bindparam("b_channel"), CONVERSATIONS.c.chat_id == bindparam("b_chat_id")
)
INSERT_CONVERSATION = insert(CONVERSATIONS).returning(CONVERSATIONS.c.id)
UPDATE_CONVERSATION = update(CONVERSATIONS).where(CONVERSATIONS.c.id == bindparam("b_id"))
INSERT_LINES = insert(TRANSCRIPT)
CLAIM: dict[str, Executable] = {
    "postgresql": pg_insert(PROCESSED).on_conflict_do_nothing(),
    "sqlite": sqlite_insert(PROCESSED).on_conflict_do_nothing(),
}


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
        conversation.id = await conn.scalar(INSERT_CONVERSATION, values)
    else:
        await conn.execute(UPDATE_CONVERSATION, {**values, "b_id": conversation.id})
    if lines:
        await conn.execute(
            INSERT_LINES,
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
    result = await conn.execute(
        CLAIM[conn.dialect.name], {"channel": channel, "update_id": update_id, "processed_at": utcnow()}
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
    row = (await conn.execute(LOAD, {"b_channel": channel, "b_chat_id": chat_id})).first()
    return None if row is None else conversation_of(row._mapping)


def new_conversation(**values: Any) -> Conversation:
    """A new conversation: ``Conversation(**values)`` at a fraction of its cost (``conversation_of``)."""
    return conversation_of(values)


def conversation_of(values: Mapping[Any, Any]) -> Conversation:
    """A ``Conversation`` holding ``values`` (a row, or the fields of a new one), the others at their defaults.

    The same object ``Conversation(**values)`` makes, without its cost: SQLModel's constructor sets each field
    through SQLAlchemy's instrumentation and asks pydantic for each default factory's signature (0.1–0.5 ms, more
    than the rest of a step). Like SQLAlchemy loading a row: a new instance, its fields written at once.
    """
    _configure_once()  # what ``Conversation()`` does first: the attributes need their configured mapper
    conversation: Conversation = Conversation._sa_class_manager.new_instance()  # type: ignore[attr-defined]
    fields = {name: values[name] if name in values else default() for name, default in _DEFAULTS.items()}
    conversation.__dict__.update(fields)
    object.__setattr__(conversation, "__pydantic_fields_set__", {name for name in values if name in _DEFAULTS})
    return conversation


def _default(name: str) -> Any:
    field = Conversation.model_fields[name]
    factory = field.default_factory
    if factory is not None:
        return factory  # list, dict, utcnow: a new value for each conversation
    if field.is_required():
        return lambda: _missing(name)
    value = field.default
    return lambda: value


def _missing(name: str) -> Any:
    raise TypeError(f"a conversation needs '{name}'")


@functools.cache
def _configure_once() -> None:
    configure_mappers()


_DEFAULTS: dict[str, Any] = {name: _default(name) for name in Conversation.model_fields}
