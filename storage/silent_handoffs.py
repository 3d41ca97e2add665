"""Queue entries without a word from the user since the request, and clearing such entries in bulk.

A request for a person is *silent* while it waits (``queued``), has never been with an agent (``claimed_at`` is
empty: a chat that went live and came back may well have had messages, which ``waiting_messages`` does not
count) and the user wrote nothing since (``waiting_messages`` is 0). A script that floods the queue leaves
exactly such entries; a child who wrote even one line never looks silent.

``clear`` ends the silent entries among the given ids in one conditional UPDATE: an entry that an agent
claimed, that the user wrote in, or that ended meanwhile stays as it is and is reported, with its reason, as
skipped. The lifecycle's ``cleared`` (``storage.handoff_lifecycle``) says which entries may be cleared.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import handoff_lifecycle as lifecycle
from storage.handoffs import HANDOFFS, QueueItem

logger = logging.getLogger(__name__)


class Skipped(enum.StrEnum):
    """Why an entry that was asked for was not cleared."""

    LIVE = "live"  # an agent claimed it meanwhile
    WROTE = "message"  # the user wrote since (or it was with an agent before)
    GONE = "gone"  # ended meanwhile, or never there


def is_silent(item: QueueItem) -> bool:
    """Whether a queue row is waiting without a user message since its request (see the module's doc)."""
    return item.status == "queued" and item.waiting_messages == 0 and item.claimed_at is None


SILENT: Any = and_(
    HANDOFFS.c.status.in_(lifecycle.sources("cleared")),
    HANDOFFS.c.agent_id.is_(None),
    HANDOFFS.c.claimed_at.is_(None),
    HANDOFFS.c.waiting_messages == 0,
)


@dataclass(frozen=True, slots=True)
class Cleared:
    """One entry that was cleared: the ids the rest of the work (audit, user, counts) needs."""

    handoff_id: int
    conversation_id: int
    crisis: bool


class SilentHandoffs:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def silent_ids(self, handoff_ids: Collection[int] | None = None) -> set[int]:
        """The silent entries now (among ``handoff_ids``, when given)."""
        query = select(HANDOFFS.c.id).where(SILENT)
        if handoff_ids is not None:
            query = query.where(HANDOFFS.c.id.in_(list(handoff_ids)))
        async with self.engine.connect() as conn:
            return set((await conn.execute(query)).scalars().all())

    async def clear(
        self, handoff_ids: Collection[int], outcome: str, now: datetime
    ) -> tuple[list[Cleared], dict[int, Skipped]]:
        """End those of ``handoff_ids`` that are silent at this moment with ``outcome``; the rest is skipped."""
        wanted = sorted(set(handoff_ids))
        if not wanted:
            return [], {}
        async with self.engine.begin() as conn:
            rows = (
                await conn.execute(
                    update(HANDOFFS)
                    .where(HANDOFFS.c.id.in_(wanted), SILENT)
                    .values(
                        status=lifecycle.destination("cleared"), ended_at=now, outcome=outcome[:64], outcome_note=None
                    )
                    .returning(HANDOFFS.c.id, HANDOFFS.c.conversation_id, HANDOFFS.c.crisis)
                )
            ).all()
            cleared = sorted(
                (Cleared(r.id, r.conversation_id, bool(r.crisis)) for r in rows), key=lambda c: c.handoff_id
            )
            done = {c.handoff_id for c in cleared}
            rest = [i for i in wanted if i not in done]
            found = (
                (
                    await conn.execute(
                        select(HANDOFFS.c.id, HANDOFFS.c.status, HANDOFFS.c.waiting_messages).where(
                            HANDOFFS.c.id.in_(rest)
                        )
                    )
                ).all()
                if rest
                else []
            )
        skipped = {i: Skipped.GONE for i in rest}
        for row in found:
            if row.status == "live":
                skipped[row.id] = Skipped.LIVE
            elif row.status == "queued":
                skipped[row.id] = Skipped.WROTE
        return cleared, skipped
