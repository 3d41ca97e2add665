"""``conversations.reference``: the code a user can quote (``bot/helpdesk/reference.py`` draws it).

Set once, in the turn's transaction, each try in a SAVEPOINT: on PostgreSQL a unique-index conflict aborts the
whole transaction unless it happened inside one, and the turn (the hand-off, its messages) must survive a code
that was taken. Found again only by the exact code.
"""

from __future__ import annotations

from sqlalchemy import Table, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.models import Conversation

CONVERSATIONS: Table = Conversation.__table__  # type: ignore[attr-defined]


async def set_reference(conn: AsyncConnection, conversation_id: int, code: str) -> bool:
    """Give the conversation ``code`` (when it has none yet); False when another conversation has that code."""
    try:
        async with conn.begin_nested():
            await conn.execute(
                update(CONVERSATIONS)
                .where(CONVERSATIONS.c.id == conversation_id, CONVERSATIONS.c.reference.is_(None))
                .values(reference=code)
            )
    except IntegrityError:
        return False
    return True


async def find(engine: AsyncEngine, code: str) -> int | None:
    """The id of the conversation with exactly this code, if it (still) exists."""
    async with engine.connect() as conn:
        found = await conn.scalar(select(CONVERSATIONS.c.id).where(CONVERSATIONS.c.reference == code))
    return None if found is None else int(found)
