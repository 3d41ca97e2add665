"""Closed requests for a person (ended hand-offs), for the console's history (``bot/console/history.py``).

Ids, times, codes of the outcome and what the tree recorded (role, theme): never a line of the transcript and
never the conversation's code, which only the user hands out. The conversations themselves go after
``retention_days`` (``storage.retention``), so the history reaches back that far at most.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import Agent, Conversation, Handoff

HANDOFFS: Table = Handoff.__table__  # type: ignore[attr-defined]
CONVERSATIONS: Table = Conversation.__table__  # type: ignore[attr-defined]
AGENTS: Table = Agent.__table__  # type: ignore[attr-defined]

REFERRED = "referred"


@dataclass(frozen=True, slots=True)
class ClosedItem:
    """One ended hand-off as the history lists it."""

    handoff_id: int
    conversation_id: int
    channel: str
    locale: str
    facts: dict[str, Any]
    crisis: bool
    after_hours: bool
    requested_at: datetime
    ended_at: datetime | None
    outcome: str  # the code ("information"), for a referral with the organisation ("referred:kindertelefoon")
    agent_id: int | None  # who had it last (None: it ended in the queue)
    agent_name: str | None

    @property
    def outcome_code(self) -> str:
        return self.outcome.partition(":")[0]

    @property
    def organisation(self) -> str | None:
        code, _sep, organisation = self.outcome.partition(":")
        return (organisation or None) if code == REFERRED else None


async def closed(
    engine: AsyncEngine,
    *,
    since: datetime,
    until: datetime,
    outcome: str | None = None,
    organisation: str | None = None,
    agent_id: int | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[ClosedItem]:
    """Ended hand-offs with ``since`` ≤ ended_at < ``until``, newest request first.

    ``outcome``: a code (``referred`` also finds ``referred:<organisation>``); ``organisation``: referred to that
    organisation; ``agent_id``: only those that agent had last; ``before_id`` pages back (older hand-offs).
    """
    query = (
        select(
            HANDOFFS,
            CONVERSATIONS.c.channel,
            CONVERSATIONS.c.locale,
            CONVERSATIONS.c.facts,
            AGENTS.c.display_name,
        )
        .join(CONVERSATIONS, CONVERSATIONS.c.id == HANDOFFS.c.conversation_id)
        .outerjoin(AGENTS, AGENTS.c.id == HANDOFFS.c.agent_id)
        .where(HANDOFFS.c.status == "ended", HANDOFFS.c.ended_at >= since, HANDOFFS.c.ended_at < until)
    )
    if outcome:
        query = query.where(
            or_(HANDOFFS.c.outcome == outcome, HANDOFFS.c.outcome.startswith(outcome + ":", autoescape=True))
        )
    if organisation:
        query = query.where(HANDOFFS.c.outcome == f"{REFERRED}:{organisation}")
    if agent_id is not None:
        query = query.where(HANDOFFS.c.agent_id == agent_id)
    if before_id is not None:
        query = query.where(HANDOFFS.c.id < before_id)
    async with engine.connect() as conn:
        rows = (await conn.execute(query.order_by(HANDOFFS.c.id.desc()).limit(limit))).all()
    return [
        ClosedItem(
            handoff_id=r.id,
            conversation_id=r.conversation_id,
            channel=r.channel,
            locale=r.locale,
            facts=dict(r.facts or {}),
            crisis=r.crisis,
            after_hours=r.after_hours,
            requested_at=r.requested_at,
            ended_at=r.ended_at,
            outcome=r.outcome or "",
            agent_id=r.agent_id,
            agent_name=r.display_name,
        )
        for r in rows
    ]
