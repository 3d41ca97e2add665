"""Who may read which conversation in the console: reasons given (``access_grants``) and taking part.

``took_part``: the agent holds or last held one of the conversation's hand-offs (claimed it, or had it
transferred to them), or did something in it that only its agent can do (the audit
log's ``PARTICIPATION`` actions). A reason given (``grant``) counts only in that session and for a while.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import AccessGrant, AuditEntry, Handoff, utcnow

logger = logging.getLogger(__name__)

GRANTS: Table = AccessGrant.__table__  # type: ignore[attr-defined]
HANDOFFS: Table = Handoff.__table__  # type: ignore[attr-defined]
AUDIT: Table = AuditEntry.__table__  # type: ignore[attr-defined]

# Audit actions that show an agent took part: each needs the conversation live with them. Not "note": any agent
# may still note on any conversation with a hand-off, so a note must not open it.
PARTICIPATION = ("claim", "reply", "reply_translated", "transfer", "end")


class AccessGrantStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def took_part(self, agent_id: int, conversation_id: int) -> bool:
        """Whether the agent claimed, was given, replied in, transferred or ended this conversation."""
        held = select(HANDOFFS.c.id).where(
            HANDOFFS.c.conversation_id == conversation_id, HANDOFFS.c.agent_id == agent_id
        )
        acted = select(AUDIT.c.id).where(
            AUDIT.c.conversation_id == conversation_id,
            AUDIT.c.agent_id == agent_id,
            AUDIT.c.action.in_(PARTICIPATION),
        )
        async with self.engine.connect() as conn:
            found = await conn.scalar(held.union_all(acted).limit(1))
        return found is not None

    async def grant(
        self, agent_id: int, conversation_id: int, session_hash: str, reason: str, now: datetime | None = None
    ) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                insert(GRANTS).values(
                    agent_id=agent_id,
                    conversation_id=conversation_id,
                    session_hash=session_hash,
                    reason=reason,
                    granted_at=now or utcnow(),
                )
            )

    async def granted(self, agent_id: int, conversation_id: int, session_hash: str, since: datetime) -> bool:
        """A reason given for this conversation in this session, at or after ``since``."""
        async with self.engine.connect() as conn:
            found = await conn.scalar(
                select(GRANTS.c.id)
                .where(
                    GRANTS.c.agent_id == agent_id,
                    GRANTS.c.conversation_id == conversation_id,
                    GRANTS.c.session_hash == session_hash,
                    GRANTS.c.granted_at >= since,
                )
                .limit(1)
            )
        return found is not None

    async def newest(self, limit: int = 200) -> list[AccessGrant]:
        """The newest reasons, for the admins' audit page."""
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(GRANTS).order_by(GRANTS.c.id.desc()).limit(limit))).all()
        return [AccessGrant(**row._mapping) for row in rows]
