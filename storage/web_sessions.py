"""The ``web_sessions`` table: which token hash opens which web chat conversation, and open one-time tickets.

Every change is one statement (or one transaction), so it holds across processes on SQLite and PostgreSQL.
Only sha256 hashes are stored: a copy of the database opens no conversation. A session whose page sent nothing
since ``idle_since`` (``last_seen_at``, or ``created_at`` before its first frame) opens nothing: the first
lookup that finds it so deletes it, and so does ``expire_idle`` (housekeeping).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Table, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import WebSession, utcnow

logger = logging.getLogger(__name__)

SESSIONS: Table = WebSession.__table__  # type: ignore[attr-defined]


def _idle(idle_since: datetime) -> ColumnElement[bool]:
    """The session's page sent nothing since ``idle_since``."""
    return func.coalesce(SESSIONS.c.last_seen_at, SESSIONS.c.created_at) <= idle_since


@dataclass(frozen=True, slots=True)
class Found:
    """What a token hash opens: a chat, or (``expired``) the chat whose idle session this lookup just ended."""

    chat_id: str | None = None
    expired: bool = False


class WebSessionStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def chat_of(self, token_hash: str) -> str | None:
        """The chat_id the token with this hash opens; None when it opens nothing (unknown, rotated, ended)."""
        async with self.engine.connect() as conn:
            found = await conn.scalar(select(SESSIONS.c.chat_id).where(SESSIONS.c.token_hash == token_hash))
        return None if found is None else str(found)

    async def find(self, token_hash: str, idle_since: datetime) -> Found:
        """The chat this token hash opens; a session idle since ``idle_since`` is deleted and opens nothing.

        ``expired`` is set for the one lookup that deleted it (so the chat's hand-off is ended once).
        """
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    select(SESSIONS.c.chat_id, _idle(idle_since)).where(SESSIONS.c.token_hash == token_hash)
                )
            ).first()
            if row is None:
                return Found()
            chat_id, idle = str(row[0]), bool(row[1])
            if not idle:
                return Found(chat_id)
            result = await conn.execute(delete(SESSIONS).where(SESSIONS.c.chat_id == chat_id, _idle(idle_since)))
        return Found(chat_id, expired=True) if result.rowcount == 1 else Found()

    async def touch(self, chat_id: str, now: datetime, idle_since: datetime) -> None:
        """The session's page sent a frame at ``now`` (a session that is idle already stays so)."""
        async with self.engine.begin() as conn:
            await conn.execute(
                update(SESSIONS).where(SESSIONS.c.chat_id == chat_id, ~_idle(idle_since)).values(last_seen_at=now)
            )

    async def expire_idle(self, idle_since: datetime) -> list[str]:
        """Delete the sessions idle since ``idle_since``; the chat_ids they opened."""
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(SESSIONS).where(_idle(idle_since)).returning(SESSIONS.c.chat_id))
            return [str(chat_id) for chat_id in result.scalars()]

    async def offer(self, chat_id: str, ticket_hash: str, until: datetime, now: datetime | None = None) -> None:
        """Offer a new token for ``chat_id`` against a one-time ticket; the current token stops working now."""
        async with self.engine.begin() as conn:
            changed = await conn.execute(
                update(SESSIONS)
                .where(SESSIONS.c.chat_id == chat_id)
                .values(token_hash=None, ticket_hash=ticket_hash, ticket_until=until)
            )
            if changed.rowcount == 0:
                await conn.execute(
                    insert(SESSIONS).values(
                        chat_id=chat_id,
                        ticket_hash=ticket_hash,
                        ticket_until=until,
                        created_at=utcnow(),
                        last_seen_at=now or utcnow(),
                    )
                )

    async def redeem(self, ticket_hash: str, token_hash: str, now: datetime) -> bool:
        """Turn an unexpired ticket into the session's token (once: the ticket is gone after this)."""
        async with self.engine.begin() as conn:
            changed = await conn.execute(
                update(SESSIONS)
                .where(SESSIONS.c.ticket_hash == ticket_hash, SESSIONS.c.ticket_until > now)
                .values(token_hash=token_hash, ticket_hash=None, ticket_until=None)
            )
        return bool(changed.rowcount == 1)

    async def end(self, chat_id: str) -> bool:
        """No browser opens this conversation any more (the conversation itself stays until it is deleted)."""
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(SESSIONS).where(SESSIONS.c.chat_id == chat_id))
        return bool(result.rowcount)

    async def prune(self, now: datetime) -> int:
        """Forget sessions whose ticket ran out before anyone used it: they open nothing."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                delete(SESSIONS).where(SESSIONS.c.token_hash.is_(None), SESSIONS.c.ticket_until <= now)
            )
        return int(result.rowcount or 0)
