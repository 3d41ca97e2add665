"""The human queue in the database: requests, the atomic claim, transfers, the end, notes and agent lines.

Every change of a hand-off is one conditional UPDATE (``… WHERE status = 'queued' AND agent_id IS NULL``)
whose row count says whether it happened, so it holds across processes and on SQLite and PostgreSQL alike.
Which change may happen from which status is declared once in ``storage.handoff_lifecycle``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, func, insert, or_, select, true, update

from storage import handoff_lifecycle as lifecycle
from storage import monitoring
from storage.bound_store import BoundStore
from storage.models import Agent, AgentNote, Conversation, Handoff, TranscriptEntry, utcnow
from storage.monitoring import Tally

logger = logging.getLogger(__name__)

HANDOFFS: Table = Handoff.__table__  # type: ignore[attr-defined]
CONVERSATIONS: Table = Conversation.__table__  # type: ignore[attr-defined]
AGENTS: Table = Agent.__table__  # type: ignore[attr-defined]
NOTES: Table = AgentNote.__table__  # type: ignore[attr-defined]
TRANSCRIPT: Table = TranscriptEntry.__table__  # type: ignore[attr-defined]

OPEN = lifecycle.OPEN
PRIORITY_CRISIS = 2
PRIORITY_LEFT_MESSAGE = 1
PRIORITY_NORMAL = 0


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One open hand-off as the console lists it (no text: the transcript is opened, and audited, apart)."""

    handoff_id: int
    conversation_id: int
    status: str
    channel: str
    chat_id: str
    locale: str
    state: str
    facts: dict[str, Any]
    history: list[str]
    crisis: bool
    witte_vlek: bool
    after_hours: bool
    waiting_messages: int
    requested_at: datetime
    agent_id: int | None
    agent_name: str | None
    claimed_at: datetime | None = None  # set once an agent had it (it may be back in the queue since)


class HandoffStore(BoundStore):
    """Reads and writes of the queue; ``bound(conn)`` does them inside a caller's transaction (a turn)."""

    async def open_for(self, conversation_id: int) -> Handoff | None:
        """The conversation's queued or live hand-off, if any."""
        async with self._read() as conn:
            row = (
                await conn.execute(
                    select(HANDOFFS)
                    .where(HANDOFFS.c.conversation_id == conversation_id, HANDOFFS.c.status.in_(OPEN))
                    .order_by(HANDOFFS.c.id.desc())
                )
            ).first()
        return None if row is None else Handoff(**row._mapping)

    async def has_handoff(self, conversation_id: int) -> bool:
        """Whether the conversation ever went to the chat-ondersteuning (open or ended)."""
        async with self._read() as conn:
            found = await conn.scalar(
                select(HANDOFFS.c.id).where(HANDOFFS.c.conversation_id == conversation_id).limit(1)
            )
        return found is not None

    async def get(self, handoff_id: int) -> Handoff | None:
        async with self._read() as conn:
            row = (await conn.execute(select(HANDOFFS).where(HANDOFFS.c.id == handoff_id))).first()
        return None if row is None else Handoff(**row._mapping)

    async def create(self, handoff: Handoff) -> Handoff:
        handoff.status = lifecycle.destination("ask")
        values = handoff.model_dump(exclude={"id"})
        async with self._write() as conn:
            handoff.id = await conn.scalar(insert(HANDOFFS).values(**values).returning(HANDOFFS.c.id))
        return handoff

    async def count_message(self, handoff_id: int) -> int:
        """One more user message kept for the agent; the count before it."""
        async with self._write() as conn:
            before = await conn.scalar(select(HANDOFFS.c.waiting_messages).where(HANDOFFS.c.id == handoff_id))
            await conn.execute(
                update(HANDOFFS)
                .where(HANDOFFS.c.id == handoff_id)
                .values(waiting_messages=HANDOFFS.c.waiting_messages + 1)
            )
        return int(before or 0)

    async def position(self, handoff: Handoff) -> int:
        """1 for the first in line: higher priority first, then who asked first."""
        ahead = and_(
            HANDOFFS.c.status == "queued",
            or_(
                HANDOFFS.c.priority > handoff.priority,
                and_(HANDOFFS.c.priority == handoff.priority, HANDOFFS.c.requested_at < handoff.requested_at),
                and_(
                    HANDOFFS.c.priority == handoff.priority,
                    HANDOFFS.c.requested_at == handoff.requested_at,
                    HANDOFFS.c.id < handoff.id,
                ),
            ),
        )
        async with self._read() as conn:
            count = await conn.scalar(select(func.count()).select_from(HANDOFFS).where(ahead))
        return int(count or 0) + 1

    async def recent_waits(self, now: datetime, within: timedelta, limit: int = 20) -> list[timedelta]:
        """How long the last claimed requests waited (newest first), for an honest estimate."""
        async with self._read() as conn:
            rows = (
                await conn.execute(
                    select(HANDOFFS.c.requested_at, HANDOFFS.c.claimed_at)
                    .where(HANDOFFS.c.claimed_at.is_not(None), HANDOFFS.c.claimed_at >= now - within)
                    .order_by(HANDOFFS.c.claimed_at.desc())
                    .limit(limit)
                )
            ).all()
        return [claimed - requested for requested, claimed in rows]

    async def queue(self) -> list[QueueItem]:
        """Every open hand-off: the waiting ones in queue order, then the live ones."""
        query = (
            select(
                HANDOFFS,
                CONVERSATIONS.c.channel,
                CONVERSATIONS.c.chat_id,
                CONVERSATIONS.c.locale,
                CONVERSATIONS.c.state,
                CONVERSATIONS.c.facts,
                CONVERSATIONS.c.history,
                AGENTS.c.display_name,
            )
            .join(CONVERSATIONS, CONVERSATIONS.c.id == HANDOFFS.c.conversation_id)
            .outerjoin(AGENTS, AGENTS.c.id == HANDOFFS.c.agent_id)
            .where(HANDOFFS.c.status.in_(OPEN))
            .order_by(
                (HANDOFFS.c.status == "live").asc(),
                HANDOFFS.c.priority.desc(),
                HANDOFFS.c.requested_at,
                HANDOFFS.c.id,
            )
        )
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [
            QueueItem(
                handoff_id=r.id,
                conversation_id=r.conversation_id,
                status=r.status,
                channel=r.channel,
                chat_id=r.chat_id,
                locale=r.locale,
                state=r.state,
                facts=dict(r.facts or {}),
                history=list(r.history or []),
                crisis=r.crisis,
                witte_vlek=r.witte_vlek,
                after_hours=r.after_hours,
                waiting_messages=r.waiting_messages,
                requested_at=r.requested_at,
                agent_id=r.agent_id,
                agent_name=r.display_name,
                claimed_at=r.claimed_at,
            )
            for r in rows
        ]

    async def claim(self, handoff_id: int, agent_id: int, now: datetime | None = None) -> bool:
        """Take a waiting conversation. Exactly one of several agents claiming at once gets True."""
        now = now or utcnow()
        return await self._change(
            handoff_id,
            "claim",
            HANDOFFS.c.agent_id.is_(None),
            {"agent_id": agent_id, "claimed_at": now, "agent_seen_at": now},
        )

    async def mark_crisis(self, handoff_id: int) -> bool:
        """An open request whose user wrote of danger: marked Crisis and moved to the front of the queue."""
        async with self._write() as conn:
            result = await conn.execute(
                update(HANDOFFS)
                .where(HANDOFFS.c.id == handoff_id, HANDOFFS.c.status.in_(OPEN))
                .values(crisis=True, priority=PRIORITY_CRISIS)
            )
        return bool(result.rowcount == 1)

    async def transfer(
        self, handoff_id: int, from_agent: int | None, to_agent: int, now: datetime | None = None
    ) -> bool:
        """Give a live conversation to another agent (``from_agent`` None: whoever has it, for an admin)."""
        return await self._change(
            handoff_id, "transfer", _with(from_agent), {"agent_id": to_agent, "agent_seen_at": now or utcnow()}
        )

    async def requeue(self, handoff_id: int, from_agent: int | None) -> bool:
        """Put a live conversation back in the queue, at the place its first request earned."""
        return await self._change(handoff_id, "requeue", _with(from_agent), {"agent_id": None, "agent_seen_at": None})

    async def end(
        self,
        handoff_id: int,
        from_agent: int | None,
        outcome: str,
        note: str | None = None,
        now: datetime | None = None,
        trigger: str | None = None,
    ) -> bool:
        """Close a hand-off with an outcome code: the agent's ``end`` of a live one (``from_agent``), else ``trigger``

        (default: ``user_left`` when ``from_agent`` is None; see ``storage.handoff_lifecycle`` for what each may end).
        """
        trigger = trigger or ("end" if from_agent is not None else "user_left")
        values = {"ended_at": now or utcnow(), "outcome": outcome, "outcome_note": note}
        return await self._change(handoff_id, trigger, _with(from_agent), values)

    async def stale(self, cutoff: datetime) -> list[Handoff]:
        """Live hand-offs whose agent has not been seen since ``cutoff`` (their console is gone)."""
        async with self._read() as conn:
            rows = (
                await conn.execute(
                    select(HANDOFFS).where(HANDOFFS.c.status == "live", HANDOFFS.c.agent_seen_at < cutoff)
                )
            ).all()
        return [Handoff(**row._mapping) for row in rows]

    async def requeue_if_stale(self, handoff: Handoff, cutoff: datetime) -> bool:
        """Back to the queue, unless the agent came back since ``stale`` looked."""
        assert handoff.id is not None
        condition = and_(HANDOFFS.c.agent_id == handoff.agent_id, HANDOFFS.c.agent_seen_at < cutoff)
        return await self._change(handoff.id, "agent_gone", condition, {"agent_id": None, "agent_seen_at": None})

    async def touch(self, agent_id: int, now: datetime | None = None) -> None:
        """The agent's console is there: keep their live conversations from going back to the queue."""
        async with self._write() as conn:
            await conn.execute(
                update(HANDOFFS)
                .where(HANDOFFS.c.status == "live", HANDOFFS.c.agent_id == agent_id)
                .values(agent_seen_at=now or utcnow())
            )

    async def add_line(self, conversation_id: int, sender: str, text: str, original: str | None = None) -> None:
        """One transcript line; ``original``: the Dutch that ``text`` (what the user saw) was translated from."""
        async with self._write() as conn:
            await conn.execute(
                insert(TRANSCRIPT).values(
                    conversation_id=conversation_id, sender=sender, text=text, original=original, created_at=utcnow()
                )
            )

    async def add_note(self, conversation_id: int, agent_id: int, text: str) -> None:
        async with self._write() as conn:
            await conn.execute(insert(NOTES).values(conversation_id=conversation_id, agent_id=agent_id, text=text))

    async def notes(self, conversation_id: int) -> list[tuple[AgentNote, str | None]]:
        """The notes with their author's display name, oldest first."""
        async with self._read() as conn:
            rows = (
                await conn.execute(
                    select(NOTES, AGENTS.c.display_name)
                    .outerjoin(AGENTS, AGENTS.c.id == NOTES.c.agent_id)
                    .where(NOTES.c.conversation_id == conversation_id)
                    .order_by(NOTES.c.id)
                )
            ).all()
        return [
            (AgentNote(**{k: v for k, v in r._mapping.items() if k != "display_name"}), r.display_name) for r in rows
        ]

    async def count(self, tally: Tally, day: date) -> None:
        """An anonymous count outside a turn (``storage.monitoring``)."""
        async with self._write() as conn:
            await monitoring.add(conn, [tally], day)

    async def _change(self, handoff_id: int, trigger: str, condition: Any, values: dict[str, Any]) -> bool:
        """Fire ``trigger`` of the lifecycle: one conditional UPDATE from the states it may leave."""
        allowed = HANDOFFS.c.status.in_(lifecycle.sources(trigger))
        values = {**values, "status": lifecycle.destination(trigger)}
        async with self._write() as conn:
            result = await conn.execute(
                update(HANDOFFS).where(HANDOFFS.c.id == handoff_id, allowed, condition).values(**values)
            )
        changed = result.rowcount == 1
        if changed:
            logger.debug("hand-off %s: %s", handoff_id, trigger)
        return bool(changed)


def _with(agent_id: int | None) -> Any:
    """Only the agent's own (``agent_id``), or whoever has it (None: an admin, the user, the system)."""
    return true() if agent_id is None else HANDOFFS.c.agent_id == agent_id
