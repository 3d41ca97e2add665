"""One turn, one transaction: the delivery id, the conversation's lock, every write, then the effects.

    async with turns.open(channel, chat_id, delivery_id) as work:
        if work.duplicate: return            # seen before, here or in another worker: nothing to do
        conversation = await work.load()
        ...                                  # step; writes go through ``work`` (its connection)
        await work.save(conversation, lines, tallies)
        await work.send(...)                 # outbox rows, same transaction
        work.after_commit(publish)           # live events: only once the turn is committed
    # committed here; then the effects run

In order: this process's lock for the conversation (``KeyedLocks``: first come, first served, and the only
lock SQLite needs, which runs one process), BEGIN, the delivery id (a conflict means a duplicate, also across
workers and after a restart), on PostgreSQL ``pg_advisory_xact_lock`` on the conversation's key (held until
COMMIT, so two workers take turns and the second reads what the first wrote). Agent actions open the same
unit on the conversation they change. When anything raises, nothing of the turn is kept, the delivery id
neither, so a redelivery is processed as new.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage import monitoring, outbox
from storage.handoffs import HandoffStore
from storage.locks import KeyedLocks
from storage.models import Conversation, utcnow
from storage.monitoring import Tally
from storage.repository import Line, claim_delivery, forget_conversation, load_conversation, write_step

logger = logging.getLogger(__name__)

Effect = Callable[[], Awaitable[None]]
CONVERSATION_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")


class UnitOfWork:
    """The open transaction of one turn on one conversation."""

    def __init__(
        self, conn: AsyncConnection, engine: AsyncEngine, channel: str, chat_id: str, now: datetime | None = None
    ) -> None:
        self.conn = conn
        self.now = now or utcnow()  # the time of this turn (``Turns.clock``): of its lines and its counts' day
        self.channel = channel
        self.chat_id = chat_id
        self.handoffs = HandoffStore(engine, conn)
        self.duplicate = False
        self.effects: list[Effect] = []
        self.outboxes: set[str] = set()  # channels this unit wrote outbox rows for
        self.tallies: list[Tally] = []  # anonymous counts, added up just before the commit

    async def load(self) -> Conversation | None:
        return await load_conversation(self.conn, self.channel, self.chat_id)

    async def save(self, conversation: Conversation, lines: Sequence[Line] = (), tallies: Sequence[Tally] = ()) -> None:
        # Active again: where it stops next is counted once more (unless the user stopped in this very turn).
        conversation.stop_counted = any(tally.kind == "stopped" for tally in tallies)
        await write_step(self.conn, conversation, lines, self.now)
        self.count(*tallies)

    async def forget(self, conversation: Conversation, tallies: Sequence[Tally] = ()) -> None:
        """Delete the conversation and all that belongs to it; keep only the anonymous ``tallies``."""
        await forget_conversation(self.conn, conversation)
        self.count(*tallies)

    def count(self, *tallies: Tally) -> None:
        """Anonymous counts of this turn (``storage.monitoring``): written with it, by day, just before COMMIT."""
        self.tallies.extend(tallies)

    async def send(
        self,
        channel: str,
        chat_id: str,
        conversation_id: int | None,
        batch: str,
        payloads: Sequence[dict[str, Any]],
        context: dict[str, Any] | None = None,
    ) -> None:
        """Outbox rows for a chat, committed with the turn (the sender delivers them after)."""
        await outbox.add(self.conn, channel, chat_id, conversation_id, batch, payloads, context)
        self.outboxes.add(channel)

    def after_commit(self, effect: Effect) -> None:
        """Run ``effect`` once the turn is committed (never when it is rolled back)."""
        self.effects.append(effect)


class Turns:
    """Opens units of work; one per database, shared by the engine and the helpdesk."""

    def __init__(self, engine: AsyncEngine, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.clock = clock  # the day of the counts
        self.locks = KeyedLocks()
        self.postgres = engine.dialect.name == "postgresql"
        self.senders: dict[str, Callable[[], None]] = {}  # channel → wakes its sender when rows were committed

    @asynccontextmanager
    async def open(self, channel: str, chat_id: str, delivery_id: str | None = None) -> AsyncIterator[UnitOfWork]:
        async with self.locks.hold((channel, chat_id)):
            async with self.engine.begin() as conn:
                work = UnitOfWork(conn, self.engine, channel, chat_id, self.clock())
                if delivery_id is not None and not await claim_delivery(conn, channel, delivery_id):
                    work.duplicate = True
                elif self.postgres:
                    await conn.execute(CONVERSATION_LOCK, {"key": f"conversation:{channel}:{chat_id}"})
                yield work
                await monitoring.add(conn, work.tallies, work.now.date())
            for channel in work.outboxes:
                wake = self.senders.get(channel)
                if wake is not None:
                    wake()
            await run_effects(work.effects)


async def run_effects(effects: Sequence[Effect]) -> None:
    """After the commit: each effect runs; one that fails is logged and the others still run."""
    for effect in effects:
        try:
            await effect()
        except Exception:
            logger.exception("an effect after a committed turn failed (the turn itself is saved)")
