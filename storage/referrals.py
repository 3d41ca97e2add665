"""Warm referrals in the database: the proposal, every change of status, the lists, the timeout.

Every change is one conditional UPDATE from the states its trigger may leave (``storage.referral_lifecycle``)
whose RETURNING row says whether it happened, so it holds across processes and on SQLite and PostgreSQL
alike. ``bound(conn)`` works inside a caller's transaction (a user's turn, an agent's action); a partner's
decision and the timeout open their own, with the anonymous count in the same one.

What a partner may read of a conversation is only what the user agreed to: ``note`` and ``contact`` always,
the transcript only with ``with_transcript`` and only up to the moment of consent (``shared_transcript``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, case, insert, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import aliased

from storage import monitoring
from storage import referral_lifecycle as lifecycle
from storage.bound_store import BoundStore
from storage.models import Agent, Conversation, Referral, TranscriptEntry
from storage.monitoring import Tally

logger = logging.getLogger(__name__)

REFERRALS: Table = Referral.__table__  # type: ignore[attr-defined]
CONVERSATIONS: Table = Conversation.__table__  # type: ignore[attr-defined]
AGENTS: Table = Agent.__table__  # type: ignore[attr-defined]
TRANSCRIPT: Table = TranscriptEntry.__table__  # type: ignore[attr-defined]

# How each change is counted for monitoring (``Tally("referral", node=organisation, detail=outcome)``).
OUTCOMES = {
    "propose": "proposed",
    "consent": "sent",
    "refuse": "refused",
    "withdraw": "withdrawn",
    "accept": "accepted",
    "decline": "declined",
    "expire": "expired",
    "close": "closed",
}


def tally(organisation_id: str, trigger: str) -> Tally:
    """The anonymous count of one referral event: the organisation and the outcome, no id, no text."""
    return Tally("referral", node=organisation_id, detail=OUTCOMES[trigger])


@dataclass(frozen=True, slots=True)
class ReferralRow:
    """A referral as a list shows it, with the conversation's language and who made and decided it."""

    referral: Referral
    locale: str
    agent_name: str | None
    partner_name: str | None


class ReferralStore(BoundStore):
    """Reads and writes of ``referrals``; ``bound(conn)`` does them inside a caller's transaction."""

    async def create(self, referral: Referral) -> Referral:
        """A new proposal (``proposed``): nobody outside the helpdesk sees it before the user says yes."""
        referral.status = lifecycle.INITIAL
        values = referral.model_dump(exclude={"id"})
        async with self._write() as conn:
            referral.id = await conn.scalar(insert(REFERRALS).values(**values).returning(REFERRALS.c.id))
        return referral

    async def get(self, referral_id: int) -> Referral | None:
        async with self._read() as conn:
            row = (await conn.execute(select(REFERRALS).where(REFERRALS.c.id == referral_id))).first()
        return None if row is None else Referral(**row._mapping)

    async def standing(self, conversation_id: int, organisation_id: str) -> Referral | None:
        """The conversation's referral to the organisation that still stands (proposed, sent or accepted)."""
        async with self._read() as conn:
            row = (
                await conn.execute(
                    select(REFERRALS).where(
                        REFERRALS.c.conversation_id == conversation_id,
                        REFERRALS.c.organisation_id == organisation_id,
                        REFERRALS.c.status.in_(lifecycle.OPEN),
                    )
                )
            ).first()
        return None if row is None else Referral(**row._mapping)

    async def awaiting_user(self, conversation_id: int) -> list[Referral]:
        """The referrals of a conversation the user can still answer (``proposed``) or withdraw (``sent``)."""
        waiting = (lifecycle.PROPOSED, lifecycle.SENT)
        query = (
            select(REFERRALS)
            .where(REFERRALS.c.conversation_id == conversation_id, REFERRALS.c.status.in_(waiting))
            .order_by(REFERRALS.c.id)
        )
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [Referral(**row._mapping) for row in rows]

    async def fire(
        self, referral_id: int, trigger: str, values: dict[str, Any] | None = None, where: Any = None
    ) -> Referral | None:
        """Fire ``trigger``: one conditional UPDATE from the states it may leave (and ``where``); the changed
        referral, or None when it was not in such a state (any more)."""
        condition = and_(
            REFERRALS.c.id == referral_id,
            REFERRALS.c.status.in_(lifecycle.sources(trigger)),
            true() if where is None else where,
        )
        changes = {**(values or {}), "status": lifecycle.destination(trigger)}
        async with self._write() as conn:
            row = (
                await conn.execute(update(REFERRALS).where(condition).values(**changes).returning(REFERRALS))
            ).first()
        if row is None:
            return None
        logger.info("referral %s: %s", referral_id, trigger)
        return Referral(**row._mapping)

    async def for_organisation(self, organisation_id: str) -> list[ReferralRow]:
        """What a partner organisation sees: its referrals the user sent (waiting first), newest first."""
        waiting_first = case((REFERRALS.c.status == lifecycle.SENT, 0), else_=1)
        condition = and_(REFERRALS.c.organisation_id == organisation_id, REFERRALS.c.status.in_(lifecycle.PARTNER_SEES))
        return await self._rows(condition, [waiting_first, REFERRALS.c.consented_at.desc(), REFERRALS.c.id.desc()])

    async def for_helpdesk(self, conversation_id: int | None = None, limit: int = 200) -> list[ReferralRow]:
        """Every referral (of one conversation): those that came back first, then the open ones, newest first."""
        order = case(
            (REFERRALS.c.status.in_(lifecycle.BACK), 0),
            (REFERRALS.c.status.in_((lifecycle.PROPOSED, lifecycle.SENT)), 1),
            else_=2,
        )
        condition = true() if conversation_id is None else REFERRALS.c.conversation_id == conversation_id
        return await self._rows(condition, [order, REFERRALS.c.created_at.desc(), REFERRALS.c.id.desc()], limit)

    async def _rows(self, condition: Any, order: Sequence[Any], limit: int = 200) -> list[ReferralRow]:
        maker = aliased(AGENTS)
        partner = aliased(AGENTS)
        query = (
            select(
                REFERRALS,
                CONVERSATIONS.c.locale.label("conversation_locale"),
                maker.c.display_name.label("agent_name"),
                partner.c.display_name.label("partner_name"),
            )
            .join(CONVERSATIONS, CONVERSATIONS.c.id == REFERRALS.c.conversation_id)
            .outerjoin(maker, maker.c.id == REFERRALS.c.agent_id)
            .outerjoin(partner, partner.c.id == REFERRALS.c.partner_id)
            .where(condition)
            .order_by(*order)
            .limit(limit)
        )
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        columns = [column.name for column in REFERRALS.columns]
        return [
            ReferralRow(
                Referral(**{name: row._mapping[REFERRALS.c[name]] for name in columns}),
                row.conversation_locale,
                row.agent_name,
                row.partner_name,
            )
            for row in rows
        ]

    async def shared_transcript(self, referral: Referral) -> list[TranscriptEntry]:
        """The conversation as it was when the user agreed to share it; nothing without that consent."""
        if not referral.with_transcript or referral.consented_at is None:
            return []
        async with self._read() as conn:
            rows = (
                await conn.execute(
                    select(TRANSCRIPT)
                    .where(
                        TRANSCRIPT.c.conversation_id == referral.conversation_id,
                        TRANSCRIPT.c.created_at <= referral.consented_at,
                    )
                    .order_by(TRANSCRIPT.c.id)
                )
            ).all()
        return [TranscriptEntry(**row._mapping) for row in rows]


async def expire_overdue(engine: AsyncEngine, now: datetime, timeout_days: int) -> int:
    """Referrals nobody answered within ``timeout_days`` come back to the helpdesk (``expired``), counted.

    A proposal the user did not answer counts from when it was made, a sent one from the user's consent. One
    conditional UPDATE: idempotent, and two workers running it at once expire each referral once.
    """
    cutoff = now - timedelta(days=timeout_days)
    overdue = or_(
        and_(REFERRALS.c.status == lifecycle.PROPOSED, REFERRALS.c.created_at < cutoff),
        and_(REFERRALS.c.status == lifecycle.SENT, REFERRALS.c.consented_at < cutoff),
    )
    allowed = REFERRALS.c.status.in_(lifecycle.sources("expire"))
    async with engine.begin() as conn:
        rows = (
            await conn.execute(
                update(REFERRALS)
                .where(allowed, overdue)
                .values(status=lifecycle.destination("expire"), decided_at=now)
                .returning(REFERRALS.c.id, REFERRALS.c.organisation_id)
            )
        ).all()
        await monitoring.add(conn, [tally(row.organisation_id, "expire") for row in rows], now.date())
    if rows:
        logger.info("%d referrals came back to the helpdesk: not accepted within %d days", len(rows), timeout_days)
    return len(rows)
