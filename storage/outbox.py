"""The outbox table: messages to users that must still leave, written inside the turn's transaction.

``add`` runs on the turn's own connection (``storage.unit_of_work``); the sender reads what is due with
``due``, deletes each row once the channel took it (``done``: a sent message is not kept here, the transcript
has it) and postpones a row Telegram asked to wait for (``later``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.models import OutboxMessage, utcnow

logger = logging.getLogger(__name__)

OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
INSERT = insert(OUTBOX)  # built once: every turn of an outbox channel reuses its compiled form


@dataclass(frozen=True, slots=True)
class Pending:
    """One message to send: to whom, which turn it belongs to, and the message itself as data."""

    id: int
    chat_id: str
    batch: str
    payload: dict[str, Any]
    context: dict[str, Any] | None
    attempts: int


async def add(
    conn: AsyncConnection,
    channel: str,
    chat_id: str,
    conversation_id: int | None,
    batch: str,
    payloads: Sequence[dict[str, Any]],
    context: dict[str, Any] | None = None,
) -> None:
    """Queue ``payloads`` for one chat, in order, as part of the caller's transaction."""
    if not payloads:
        return
    now = utcnow()
    await conn.execute(
        INSERT,
        [
            {
                "conversation_id": conversation_id,
                "channel": channel,
                "chat_id": chat_id,
                "batch": batch,
                "payload": payload,
                "context": context if index == 0 else None,  # the turn's context travels with its first message
                "attempts": 0,
                "not_before": None,
                "created_at": now,
            }
            for index, payload in enumerate(payloads)
        ],
    )


class OutboxStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def due(self, channel: str, now: datetime, limit: int = 500) -> list[Pending]:
        """The oldest rows of ``channel``, in order. A chat whose first row must wait is left out entirely."""
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(select(OUTBOX).where(OUTBOX.c.channel == channel).order_by(OUTBOX.c.id).limit(limit))
            ).all()
        waiting: set[str] = set()
        found: list[Pending] = []
        for row in rows:
            if row.chat_id in waiting:
                continue
            if row.not_before is not None and row.not_before > now:
                waiting.add(row.chat_id)  # later rows of this chat wait behind it: the order holds
                continue
            found.append(Pending(row.id, row.chat_id, row.batch, row.payload, row.context, row.attempts))
        return found

    async def done(self, row_id: int) -> None:
        """The channel took it: forget it."""
        async with self.engine.begin() as conn:
            await conn.execute(delete(OUTBOX).where(OUTBOX.c.id == row_id))

    async def done_all(self, row_ids: list[int]) -> None:
        """The channel took these rows (one turn's reply, sent as one message): forget them together."""
        async with self.engine.begin() as conn:
            await conn.execute(delete(OUTBOX).where(OUTBOX.c.id.in_(row_ids)))

    async def later(self, row_id: int, not_before: datetime) -> None:
        """Try this row (and so its chat) again from ``not_before``."""
        async with self.engine.begin() as conn:
            await conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id == row_id)
                .values(not_before=not_before, attempts=OUTBOX.c.attempts + 1)
            )

    async def backlog(self, channel: str | None = None) -> int:
        """How many messages still wait (all channels when ``channel`` is None)."""
        query = select(func.count()).select_from(OUTBOX)
        if channel is not None:
            query = query.where(OUTBOX.c.channel == channel)
        async with self.engine.connect() as conn:
            return int(await conn.scalar(query) or 0)

    async def next_moment(self, channel: str) -> datetime | None:
        """The earliest moment a postponed row of ``channel`` may go (None: none is postponed)."""
        async with self.engine.connect() as conn:
            return await conn.scalar(  # type: ignore[no-any-return]
                select(func.min(OUTBOX.c.not_before)).where(
                    OUTBOX.c.channel == channel, or_(OUTBOX.c.not_before.is_not(None))
                )
            )
