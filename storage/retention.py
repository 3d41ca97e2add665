"""Retention: delete what is older than we keep it (``wegwijzer purge`` and the server's daily housekeeping).

- A conversation whose ``updated_at`` is older than ``retention_days`` goes, with everything that belongs to it:
  its transcript, hand-offs, agent notes, warm referrals (``referrals``, whatever their state), outbox rows (also
  the notices queued for its chat without a conversation id) and, for the web chat, its ``web_sessions`` row.
  Not while it has an open hand-off (``queued`` or ``live``): a person may still pick it up, and a message left
  outside opening hours is such a queued hand-off.
- Outbox rows without a conversation older than ``retention_days`` go too: a notice to a chat that never
  started a conversation (a photo sent first, a group) that could not leave in all that time holds a chat id.
- ``audit_log`` and ``access_grants`` rows older than ``audit_retention_days`` go.
- Call-back requests (``callbacks``) older than ``callback_retention_days`` go, open or closed, number and all;
  before that a conversation with an open one is not purged (someone may still call). A closed request has no
  number (``storage.callbacks`` deletes it as it closes; here it is made sure of), and a number typed for a
  call-back but never confirmed leaves its conversation's ``facts`` after ``UNCONFIRMED_KEPT`` of quiet
  (``callback_numbers`` counts both).
- Anonymous ``monitoring_counts`` are never touched; where a purged conversation stopped is counted first
  (``storage.monitoring``), unless that was counted already.

Every table is deleted from explicitly (the foreign keys' ON DELETE CASCADE would take most of them, but not
``web_sessions``, and the counts are the point), in short transactions of at most ``batch_size`` conversations
or rows, so the chat and the console never wait long for a lock. Purging is idempotent: running it twice, or on
two workers at once, deletes each row once. The counts carry no ids and no text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, Text, and_, cast, delete, exists, func, not_, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage import callback_lifecycle
from storage.callbacks import PENDING_FACT
from storage.handoff_lifecycle import OPEN
from storage.models import (
    AccessGrant,
    AgentNote,
    AuditEntry,
    Callback,
    Conversation,
    Handoff,
    OutboxMessage,
    Referral,
    TranscriptEntry,
    WebSession,
    utcnow,
)
from storage.monitoring import count_stops_of

logger = logging.getLogger(__name__)

CONVERSATIONS: Table = Conversation.__table__  # type: ignore[attr-defined]
TRANSCRIPT: Table = TranscriptEntry.__table__  # type: ignore[attr-defined]
HANDOFFS: Table = Handoff.__table__  # type: ignore[attr-defined]
NOTES: Table = AgentNote.__table__  # type: ignore[attr-defined]
OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
SESSIONS: Table = WebSession.__table__  # type: ignore[attr-defined]
AUDIT: Table = AuditEntry.__table__  # type: ignore[attr-defined]
GRANTS: Table = AccessGrant.__table__  # type: ignore[attr-defined]
CALLBACKS: Table = Callback.__table__  # type: ignore[attr-defined]
REFERRALS: Table = Referral.__table__  # type: ignore[attr-defined]

BATCH_SIZE = 200
DEFAULT_CALLBACK_RETENTION_DAYS = 7  # config/default.toml: callback_retention_days
UNCONFIRMED_KEPT = timedelta(days=1)  # a number typed for a call-back, never confirmed, in a quiet conversation
WEB = "web"


@dataclass(frozen=True)
class PurgeCounts:
    """How many rows of each table were (or, in a dry run, would be) deleted."""

    conversations: int = 0
    transcript_entries: int = 0
    handoffs: int = 0
    callbacks: int = 0
    callback_numbers: int = 0  # numbers deleted from closed requests and unconfirmed ones from conversations
    agent_notes: int = 0
    referrals: int = 0
    outbox: int = 0
    web_sessions: int = 0
    audit_log: int = 0
    access_grants: int = 0

    def __add__(self, other: PurgeCounts) -> PurgeCounts:
        return PurgeCounts(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def items(self) -> list[tuple[str, int]]:
        return [(f.name, getattr(self, f.name)) for f in fields(self)]

    @property
    def total(self) -> int:
        return sum(count for _name, count in self.items())


def _expired_conversations(cutoff: datetime, callback_cutoff: datetime) -> Any:
    """Conversations last touched before ``cutoff`` that have no open hand-off (queued, live, a left message)
    and no open call-back request younger than ``callback_cutoff``."""
    open_handoff = exists().where(HANDOFFS.c.conversation_id == CONVERSATIONS.c.id, HANDOFFS.c.status.in_(OPEN))
    open_callback = exists().where(
        CALLBACKS.c.conversation_id == CONVERSATIONS.c.id,
        CALLBACKS.c.status.in_(callback_lifecycle.OPEN),
        CALLBACKS.c.requested_at >= callback_cutoff,
    )
    return and_(CONVERSATIONS.c.updated_at < cutoff, not_(open_handoff), not_(open_callback))


async def purge(
    engine: AsyncEngine,
    retention_days: int,
    audit_retention_days: int,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    callback_retention_days: int = DEFAULT_CALLBACK_RETENTION_DAYS,
) -> PurgeCounts:
    """Delete what is past its retention (see the module's docstring); return the counts per table.

    ``dry_run``: count only, delete nothing.
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days)
    audit_cutoff = now - timedelta(days=audit_retention_days)
    callback_cutoff = now - timedelta(days=callback_retention_days)
    if dry_run:
        async with engine.connect() as conn:
            counts = await _count(conn, cutoff, audit_cutoff, callback_cutoff, now - UNCONFIRMED_KEPT)
            await conn.rollback()
        return counts
    # call-backs first: an old open request no longer keeps its conversation
    counts = PurgeCounts(
        callbacks=await _delete_in_batches(
            engine, CALLBACKS, CALLBACKS.c.requested_at < callback_cutoff, CALLBACKS.c.id, batch_size
        ),
        callback_numbers=await _closed_numbers(engine) + await _unconfirmed_numbers(engine, now - UNCONFIRMED_KEPT),
    )
    while True:
        async with engine.begin() as conn:
            batch = await _purge_conversations(conn, cutoff, callback_cutoff, batch_size)
        counts += batch
        if batch.conversations < batch_size:
            break
    counts += PurgeCounts(
        web_sessions=await _delete_in_batches(
            engine, SESSIONS, _orphan_web_sessions(cutoff), SESSIONS.c.chat_id, batch_size
        ),
        # a message that could not leave in all that time (the channel off, a chat that is gone): not kept either
        outbox=await _delete_in_batches(engine, OUTBOX, _stale_notices(cutoff), OUTBOX.c.id, batch_size),
        audit_log=await _delete_in_batches(engine, AUDIT, AUDIT.c.at < audit_cutoff, AUDIT.c.id, batch_size),
        access_grants=await _delete_in_batches(
            engine, GRANTS, GRANTS.c.granted_at < audit_cutoff, GRANTS.c.id, batch_size
        ),
    )
    if counts.total:
        logger.info("retention: deleted %s", ", ".join(f"{count} {name}" for name, count in counts.items() if count))
    return counts


def _stale_notices(cutoff: datetime) -> Any:
    """Outbox rows older than ``cutoff`` for a chat that has no conversation (a notice to a chat that never
    started one)."""
    conversation = exists().where(
        CONVERSATIONS.c.channel == OUTBOX.c.channel, CONVERSATIONS.c.chat_id == OUTBOX.c.chat_id
    )
    return and_(OUTBOX.c.conversation_id.is_(None), OUTBOX.c.created_at < cutoff, not_(conversation))


def _orphan_web_sessions(cutoff: datetime) -> Any:
    """Web sessions older than ``cutoff`` whose conversation is gone (or was never stored)."""
    conversation = exists().where(CONVERSATIONS.c.channel == WEB, CONVERSATIONS.c.chat_id == SESSIONS.c.chat_id)
    return and_(SESSIONS.c.created_at < cutoff, not_(conversation))


async def _purge_conversations(
    conn: AsyncConnection, cutoff: datetime, callback_cutoff: datetime, batch_size: int
) -> PurgeCounts:
    """One transaction: up to ``batch_size`` expired conversations and everything of theirs."""
    chosen = (
        select(CONVERSATIONS.c.id, CONVERSATIONS.c.channel, CONVERSATIONS.c.chat_id)
        .where(_expired_conversations(cutoff, callback_cutoff))
        .order_by(CONVERSATIONS.c.id)
        .limit(batch_size)
    )
    if conn.dialect.name == "postgresql":  # a turn or a hand-off under way on one of them: leave it for next time
        chosen = chosen.with_for_update(of=CONVERSATIONS, skip_locked=True)
    rows = (await conn.execute(chosen)).all()
    if not rows:
        return PurgeCounts()
    ids = [row.id for row in rows]
    await count_stops_of(conn, ids)  # where they stopped, if the quiet count has not seen them (anonymous)
    chats = [(row.channel, row.chat_id) for row in rows]
    web_chats = [row.chat_id for row in rows if row.channel == WEB]

    async def gone(statement: Any) -> int:
        return int((await conn.execute(statement)).rowcount or 0)

    return PurgeCounts(
        transcript_entries=await gone(delete(TRANSCRIPT).where(TRANSCRIPT.c.conversation_id.in_(ids))),
        agent_notes=await gone(delete(NOTES).where(NOTES.c.conversation_id.in_(ids))),
        handoffs=await gone(delete(HANDOFFS).where(HANDOFFS.c.conversation_id.in_(ids))),
        callbacks=await gone(delete(CALLBACKS).where(CALLBACKS.c.conversation_id.in_(ids))),
        referrals=await gone(delete(REFERRALS).where(REFERRALS.c.conversation_id.in_(ids))),
        outbox=await gone(delete(OUTBOX).where(_outbox_of(ids, chats))),
        web_sessions=await gone(delete(SESSIONS).where(SESSIONS.c.chat_id.in_(web_chats))) if web_chats else 0,
        conversations=await gone(delete(CONVERSATIONS).where(CONVERSATIONS.c.id.in_(ids))),
    )


def _outbox_of(ids: list[int], chats: list[tuple[str, str]]) -> Any:
    """The outbox rows of these conversations, and the notices queued for their chats without a conversation."""
    return or_(
        OUTBOX.c.conversation_id.in_(ids),
        and_(OUTBOX.c.conversation_id.is_(None), tuple_(OUTBOX.c.channel, OUTBOX.c.chat_id).in_(chats)),
    )


async def _delete_in_batches(engine: AsyncEngine, table: Table, condition: Any, key: Any, batch_size: int) -> int:
    deleted = 0
    while True:
        async with engine.begin() as conn:
            keys = (await conn.execute(select(key).where(condition).order_by(key).limit(batch_size))).scalars().all()
            if keys:
                await conn.execute(delete(table).where(key.in_(keys)))
        deleted += len(keys)
        if len(keys) < batch_size:
            return deleted


async def _closed_numbers(engine: AsyncEngine) -> int:
    """Make sure no closed request keeps a number (closing deletes it already; this catches any left)."""
    async with engine.begin() as conn:
        result = await conn.execute(update(CALLBACKS).where(_closed_with_number()).values(phone=None))
    return int(result.rowcount or 0)


def _closed_with_number() -> Any:
    return and_(CALLBACKS.c.status.in_(callback_lifecycle.CLOSED), CALLBACKS.c.phone.is_not(None))


def _with_pending_fact(quiet_before: datetime) -> Any:
    """Conversations quiet since before ``quiet_before`` whose facts may hold the call-back questions under way."""
    return and_(
        CONVERSATIONS.c.updated_at < quiet_before,
        cast(CONVERSATIONS.c.facts, Text).like(f'%"{PENDING_FACT}"%'),
    )


async def _unconfirmed_numbers(engine: AsyncEngine, quiet_before: datetime) -> int:
    """Remove the call-back questions under way (with the number typed, never confirmed) from quiet conversations.

    Each UPDATE holds only while the conversation is still quiet: a turn that came in meanwhile is left alone.
    """
    removed, after = 0, 0
    while True:
        async with engine.begin() as conn:
            rows = await _pending_facts(conn, quiet_before, after)
            for row in rows:
                if PENDING_FACT not in (row.facts or {}):
                    continue  # the word was somewhere else in the facts
                facts = {key: value for key, value in row.facts.items() if key != PENDING_FACT}
                result = await conn.execute(
                    update(CONVERSATIONS)
                    .where(CONVERSATIONS.c.id == row.id, CONVERSATIONS.c.updated_at < quiet_before)
                    .values(facts=facts)
                )
                removed += int(result.rowcount or 0)
        if len(rows) < BATCH_SIZE:
            return removed
        after = rows[-1].id


async def _pending_facts(conn: AsyncConnection, quiet_before: datetime, after: int, limit: int = BATCH_SIZE) -> Any:
    """Up to ``limit`` quiet conversations after id ``after`` whose facts may hold the call-back questions under
    way (the caller checks the key)."""
    return (
        await conn.execute(
            select(CONVERSATIONS.c.id, CONVERSATIONS.c.facts)
            .where(_with_pending_fact(quiet_before), CONVERSATIONS.c.id > after)
            .order_by(CONVERSATIONS.c.id)
            .limit(limit)
        )
    ).all()


async def _count(
    conn: AsyncConnection, cutoff: datetime, audit_cutoff: datetime, callback_cutoff: datetime, quiet_before: datetime
) -> PurgeCounts:
    """What a purge now would delete, counted the way it deletes."""
    gone = _expired_conversations(cutoff, callback_cutoff)
    expired = select(CONVERSATIONS.c.id).where(gone).scalar_subquery()
    expired_chats = select(CONVERSATIONS.c.channel, CONVERSATIONS.c.chat_id).where(gone)
    expired_web = (select(CONVERSATIONS.c.chat_id).where(gone, CONVERSATIONS.c.channel == WEB)).scalar_subquery()

    async def number(table: Table, condition: Any) -> int:
        return int(await conn.scalar(select(func.count()).select_from(table).where(condition)) or 0)

    outbox = or_(
        OUTBOX.c.conversation_id.in_(expired),
        and_(OUTBOX.c.conversation_id.is_(None), tuple_(OUTBOX.c.channel, OUTBOX.c.chat_id).in_(expired_chats)),
        _stale_notices(cutoff),
    )
    old_callbacks = or_(CALLBACKS.c.requested_at < callback_cutoff, CALLBACKS.c.conversation_id.in_(expired))
    unconfirmed = sum(PENDING_FACT in (row.facts or {}) for row in await _pending_facts(conn, quiet_before, 0, 2**31))
    return PurgeCounts(
        conversations=await number(CONVERSATIONS, gone),
        transcript_entries=await number(TRANSCRIPT, TRANSCRIPT.c.conversation_id.in_(expired)),
        handoffs=await number(HANDOFFS, HANDOFFS.c.conversation_id.in_(expired)),
        callbacks=await number(CALLBACKS, old_callbacks),
        callback_numbers=await number(CALLBACKS, _closed_with_number()) + unconfirmed,
        agent_notes=await number(NOTES, NOTES.c.conversation_id.in_(expired)),
        referrals=await number(REFERRALS, REFERRALS.c.conversation_id.in_(expired)),
        outbox=await number(OUTBOX, outbox),
        web_sessions=await number(SESSIONS, or_(SESSIONS.c.chat_id.in_(expired_web), _orphan_web_sessions(cutoff))),
        audit_log=await number(AUDIT, AUDIT.c.at < audit_cutoff),
        access_grants=await number(GRANTS, GRANTS.c.granted_at < audit_cutoff),
    )
