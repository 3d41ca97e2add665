"""Console accounts, their sessions and the audit log (who opened which conversation when: ids only).

The display name (what users read: "Je praat nu met Anna") is checked where people type it, ``wegwijzer agent``
and the admins' page (``bot/console/display_names.py``); this store keeps what it is given.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Table, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import Agent, AgentSession, AuditEntry, utcnow

logger = logging.getLogger(__name__)

AGENTS: Table = Agent.__table__  # type: ignore[attr-defined]
SESSIONS: Table = AgentSession.__table__  # type: ignore[attr-defined]
AUDIT: Table = AuditEntry.__table__  # type: ignore[attr-defined]


class AgentExists(Exception):
    """There is already an account with this name."""


class AgentStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def add(
        self,
        name: str,
        display_name: str,
        password_hash: str,
        role: str = "agent",
        languages: Sequence[str] = ("nl",),
    ) -> Agent:
        if await self.by_name(name) is not None:
            raise AgentExists(name)
        agent = Agent(
            name=name, display_name=display_name, password_hash=password_hash, role=role, languages=list(languages)
        )
        async with self.engine.begin() as conn:
            agent.id = await conn.scalar(
                insert(AGENTS).values(**agent.model_dump(exclude={"id"})).returning(AGENTS.c.id)
            )
        return agent

    async def set_password(self, agent_id: int, password_hash: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(AGENTS).where(AGENTS.c.id == agent_id).values(password_hash=password_hash))

    async def deactivate(self, agent_id: int, at: datetime | None = None) -> None:
        """They can no longer log in; their sessions end (sockets follow at their next check); audited."""
        async with self.engine.begin() as conn:
            await conn.execute(update(AGENTS).where(AGENTS.c.id == agent_id).values(active=False))
            await conn.execute(delete(SESSIONS).where(SESSIONS.c.agent_id == agent_id))
            await conn.execute(insert(AUDIT).values(agent_id=None, action=f"deactivate:{agent_id}", at=at or utcnow()))

    async def reset_password(self, agent_id: int, password_hash: str, at: datetime | None = None) -> None:
        """A new password; every session of the agent ends (a stolen cookie with it); audited."""
        async with self.engine.begin() as conn:
            await conn.execute(update(AGENTS).where(AGENTS.c.id == agent_id).values(password_hash=password_hash))
            await conn.execute(delete(SESSIONS).where(SESSIONS.c.agent_id == agent_id))
            await conn.execute(
                insert(AUDIT).values(agent_id=None, action=f"password_reset:{agent_id}", at=at or utcnow())
            )

    async def set_display_name(
        self, agent_id: int, display_name: str, by: int | None = None, at: datetime | None = None
    ) -> bool:
        """The name users see from now on (their next message); audited as ``display_name:<id>`` by ``by`` (an
        admin's id; None: the command line). False when there is no such agent."""
        async with self.engine.begin() as conn:
            result = await conn.execute(update(AGENTS).where(AGENTS.c.id == agent_id).values(display_name=display_name))
            if result.rowcount != 1:
                return False
            await conn.execute(insert(AUDIT).values(agent_id=by, action=f"display_name:{agent_id}", at=at or utcnow()))
        return True

    async def set_languages(self, agent_id: int, languages: Sequence[str]) -> bool:
        """Record the languages an agent speaks; False when there is no such agent."""
        async with self.engine.begin() as conn:
            result = await conn.execute(update(AGENTS).where(AGENTS.c.id == agent_id).values(languages=list(languages)))
        return bool(result.rowcount == 1)

    async def by_name(self, name: str) -> Agent | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(AGENTS).where(AGENTS.c.name == name))).first()
        return None if row is None else Agent(**row._mapping)

    async def get(self, agent_id: int) -> Agent | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(AGENTS).where(AGENTS.c.id == agent_id))).first()
        return None if row is None else Agent(**row._mapping)

    async def active(self) -> list[Agent]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(AGENTS).where(AGENTS.c.active.is_(True)).order_by(AGENTS.c.name))).all()
        return [Agent(**row._mapping) for row in rows]

    async def everyone(self) -> list[Agent]:
        """Every account, active or not, by login name (for the admins' page)."""
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(AGENTS).order_by(AGENTS.c.name))).all()
        return [Agent(**row._mapping) for row in rows]

    async def start_session(self, token_hash: str, agent_id: int, csrf_token: str, now: datetime) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                insert(SESSIONS).values(
                    token_hash=token_hash, agent_id=agent_id, csrf_token=csrf_token, created_at=now, last_seen_at=now
                )
            )

    async def session(
        self, token_hash: str, idle_since: datetime, now: datetime, started_since: datetime | None = None
    ) -> tuple[AgentSession, Agent] | None:
        """The live session and its agent; a session idle since before ``idle_since``, or started before
        ``started_since`` (its absolute lifetime), is deleted instead."""
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    select(SESSIONS, AGENTS)
                    .join(AGENTS, AGENTS.c.id == SESSIONS.c.agent_id)
                    .where(SESSIONS.c.token_hash == token_hash)
                )
            ).first()
            if row is None:
                return None
            values = row._mapping
            session = AgentSession(**{c.name: values[SESSIONS.c[c.name]] for c in SESSIONS.columns})
            agent = Agent(**{c.name: values[AGENTS.c[c.name]] for c in AGENTS.columns})
            too_old = started_since is not None and session.created_at < started_since
            if session.last_seen_at < idle_since or too_old or not agent.active:
                await conn.execute(delete(SESSIONS).where(SESSIONS.c.token_hash == token_hash))
                return None
            await conn.execute(update(SESSIONS).where(SESSIONS.c.token_hash == token_hash).values(last_seen_at=now))
        return session, agent

    async def session_alive(self, token_hash: str, idle_since: datetime, started_since: datetime | None = None) -> bool:
        """Whether the session still counts, without touching it (an open socket is not activity)."""
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(SESSIONS.c.last_seen_at, SESSIONS.c.created_at)
                    .join(AGENTS, AGENTS.c.id == SESSIONS.c.agent_id)
                    .where(SESSIONS.c.token_hash == token_hash, AGENTS.c.active.is_(True))
                )
            ).first()
        if row is None or row.last_seen_at < idle_since:
            return False
        return started_since is None or row.created_at >= started_since

    async def online(self, idle_since: datetime, started_since: datetime | None = None) -> dict[int, datetime]:
        """Active helpdesk agents (not partners) with a session that still counts, each with the last moment they
        used the console."""
        query = (
            select(SESSIONS.c.agent_id, func.max(SESSIONS.c.last_seen_at))
            .join(AGENTS, AGENTS.c.id == SESSIONS.c.agent_id)
            .where(AGENTS.c.active.is_(True), AGENTS.c.role != "partner", SESSIONS.c.last_seen_at >= idle_since)
            .group_by(SESSIONS.c.agent_id)
        )
        if started_since is not None:
            query = query.where(SESSIONS.c.created_at >= started_since)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return {int(agent_id): last_seen for agent_id, last_seen in rows}

    async def end_session(self, token_hash: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(SESSIONS).where(SESSIONS.c.token_hash == token_hash))

    async def prune_sessions(self, idle_since: datetime, started_since: datetime | None = None) -> int:
        too_old = SESSIONS.c.last_seen_at < idle_since
        if started_since is not None:
            too_old = or_(too_old, SESSIONS.c.created_at < started_since)
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(SESSIONS).where(too_old))
        return int(result.rowcount or 0)

    async def audit(
        self, agent_id: int | None, conversation_id: int | None, action: str, at: datetime | None = None
    ) -> None:
        """One audit row, ids only. ``None``: no known agent (failed login) or not about a conversation."""
        async with self.engine.begin() as conn:
            await conn.execute(
                insert(AUDIT).values(
                    agent_id=agent_id, conversation_id=conversation_id, action=action, at=at or utcnow()
                )
            )

    async def audit_search(
        self,
        *,
        action: str | None = None,
        agent_id: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[tuple[AuditEntry, str | None]]:
        """Audit rows, newest first, filtered: ``action`` is a kind (``languages`` also finds ``languages:7``),
        ``agent_id`` who did it, ``since`` ≤ at < ``until``; ``before_id`` pages back (rows older than that id)."""
        query = select(AUDIT, AGENTS.c.name.label("agent_name")).outerjoin(AGENTS, AGENTS.c.id == AUDIT.c.agent_id)
        if action is not None:
            query = query.where(or_(AUDIT.c.action == action, AUDIT.c.action.startswith(action + ":", autoescape=True)))
        if agent_id is not None:
            query = query.where(AUDIT.c.agent_id == agent_id)
        if since is not None:
            query = query.where(AUDIT.c.at >= since)
        if until is not None:
            query = query.where(AUDIT.c.at < until)
        if before_id is not None:
            query = query.where(AUDIT.c.id < before_id)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query.order_by(AUDIT.c.id.desc()).limit(limit))).all()
        return [
            (AuditEntry(**{c.name: r._mapping[AUDIT.c[c.name]] for c in AUDIT.columns}), r.agent_name) for r in rows
        ]

    async def audit_count(self, agent_id: int, action: str, since: datetime) -> int:
        """How often ``agent_id`` did ``action`` at or after ``since`` (e.g. codes searched that did not exist)."""
        async with self.engine.connect() as conn:
            count = await conn.scalar(
                select(func.count())
                .select_from(AUDIT)
                .where(AUDIT.c.agent_id == agent_id, AUDIT.c.action == action, AUDIT.c.at >= since)
            )
        return int(count or 0)

    async def audit_kinds(self) -> list[str]:
        """The kinds of action in the log (``languages:7`` counts as ``languages``), for the filter."""
        async with self.engine.connect() as conn:
            actions = (await conn.execute(select(AUDIT.c.action).distinct())).scalars().all()
        return sorted({action.split(":", 1)[0] for action in actions})

    async def audit_log(self, limit: int = 200) -> list[tuple[AuditEntry, str | None]]:
        """The newest audit rows with the agent's login name."""
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(AUDIT, AGENTS.c.name.label("agent_name"))
                    .outerjoin(AGENTS, AGENTS.c.id == AUDIT.c.agent_id)
                    .order_by(AUDIT.c.id.desc())
                    .limit(limit)
                )
            ).all()
        return [
            (AuditEntry(**{c.name: r._mapping[AUDIT.c[c.name]] for c in AUDIT.columns}), r.agent_name) for r in rows
        ]
