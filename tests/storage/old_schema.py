"""Rows for a database migrated back to an older revision: only the columns that revision has."""

from __future__ import annotations

from sqlalchemy import MetaData, Table, insert, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import Conversation
from storage.repository import CONVERSATIONS, TRANSCRIPT, Line


async def add_conversation(engine: AsyncEngine, conversation: Conversation, lines: list[Line] | None = None) -> int:
    """Insert ``conversation`` (and its transcript ``lines``) with the columns the database has now; its id."""
    async with engine.begin() as conn:
        columns = await conn.run_sync(lambda sync: {c["name"] for c in inspect(sync).get_columns("conversations")})
        old = Table("conversations", MetaData(), *(c._copy() for c in CONVERSATIONS.columns if c.name in columns))
        values = {k: v for k, v in conversation.model_dump(exclude={"id"}).items() if k in columns}
        conversation_id = int(await conn.scalar(insert(old).values(**values).returning(old.c.id)))
        for line in lines or []:
            await conn.execute(
                insert(TRANSCRIPT).values(conversation_id=conversation_id, sender=line.sender, text=line.text)
            )
    conversation.id = conversation_id
    return conversation_id


async def has_conversation(engine: AsyncEngine, channel: str, chat_id: str) -> bool:
    """Whether the database (at any revision) holds the conversation of ``chat_id`` on ``channel``."""
    async with engine.connect() as conn:
        found = await conn.scalar(
            text("SELECT count(*) FROM conversations WHERE channel = :channel AND chat_id = :chat"),
            {"channel": channel, "chat": chat_id},
        )
    return bool(found)
