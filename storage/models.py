"""SQLModel tables. All timestamps are timezone-aware UTC (SQLModel's UTCDateTime column type).

We keep the minimum: no names, no phone numbers, no Telegram profile data. The transcript is kept so a
conversation can be resumed and handed to a person; deleting a conversation deletes its transcript.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Now, as aware UTC (what every timestamp column holds)."""
    return datetime.now(UTC)


class Conversation(SQLModel, table=True):
    """One chat between one user on one channel and the wegwijzer."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "chat_id", name="uq_conversations_channel_chat"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    chat_id: str = Field(max_length=128)
    locale: str = Field(max_length=16)
    state: str = Field(max_length=64)
    tree_version: str = Field(max_length=64)
    history: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    facts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="bot", max_length=16)  # bot | queued | live | ended
    handoff_requested_at: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class TranscriptEntry(SQLModel, table=True):
    """One message in a conversation: from the user, the bot, an agent or the system."""

    __tablename__ = "transcript_entries"
    __table_args__ = (Index("ix_transcript_conversation_id", "conversation_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False)
    )
    sender: str = Field(max_length=8)  # user | bot | agent | system
    text: str
    created_at: datetime = Field(default_factory=utcnow)


class ProcessedUpdate(SQLModel, table=True):
    """A channel delivery id we have handled, so a redelivery is processed once."""

    __tablename__ = "processed_updates"

    channel: str = Field(primary_key=True, max_length=16)
    update_id: str = Field(primary_key=True, max_length=64)
    processed_at: datetime = Field(default_factory=utcnow, index=True)


class MonitoringEvent(SQLModel, table=True):
    """An anonymous count for monitoring: no conversation id, no text, just what happened where."""

    __tablename__ = "monitoring_events"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, index=True)  # outcome | witte_vlek | handoff_requested | …
    node: str | None = Field(default=None, max_length=64)
    role: str | None = Field(default=None, max_length=32)
    theme: str | None = Field(default=None, max_length=32)
    channel: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
