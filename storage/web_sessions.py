"""The ``web_sessions`` table: which token hash opens which web chat conversation, and open one-time tickets.

Every change is one statement (or one transaction), so it holds across processes on SQLite and PostgreSQL.
Only sha256 hashes are stored: a copy of the database opens no conversation.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import WebSession, utcnow

logger = logging.getLogger(__name__)

SESSIONS: Table = WebSession.__table__  # type: ignore[attr-defined]


class WebSessionStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def chat_of(self, token_hash: str) -> str | None:
        """The chat_id the token with this hash opens; None when it opens nothing (unknown, rotated, ended)."""
        async with self.engine.connect() as conn:
            found = await conn.scalar(select(SESSIONS.c.chat_id).where(SESSIONS.c.token_hash == token_hash))
        return None if found is None else str(found)

    async def offer(self, chat_id: str, ticket_hash: str, until: datetime) -> None:
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
                        chat_id=chat_id, ticket_hash=ticket_hash, ticket_until=until, created_at=utcnow()
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
