"""Partner accounts: console accounts with the role ``partner``, each linked to one organisation of the directory.

They live in ``agents`` (one login, one session and audit mechanism for everybody who uses the console); what a
partner may open is ``bot/console/access.py``'s ``partner_fence`` and the referrals addressed to its organisation.
"""

from __future__ import annotations

import logging

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.agents import AgentExists
from storage.models import Agent

logger = logging.getLogger(__name__)

AGENTS: Table = Agent.__table__  # type: ignore[attr-defined]
PARTNER = "partner"


class PartnerStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def add(self, name: str, display_name: str, password_hash: str, organisation_id: str) -> Agent:
        """A new partner account for ``organisation_id`` (checked against the directory by the caller)."""
        agent = Agent(
            name=name,
            display_name=display_name,
            password_hash=password_hash,
            role=PARTNER,
            organisation_id=organisation_id,
        )
        async with self.engine.begin() as conn:
            if await conn.scalar(select(AGENTS.c.id).where(AGENTS.c.name == name)) is not None:
                raise AgentExists(name)
            agent.id = await conn.scalar(
                insert(AGENTS).values(**agent.model_dump(exclude={"id"})).returning(AGENTS.c.id)
            )
        return agent

    async def organisations(self) -> set[str]:
        """The organisations with at least one active partner account: only they can receive a referral."""
        async with self.engine.connect() as conn:
            found = await conn.scalars(
                select(AGENTS.c.organisation_id)
                .where(AGENTS.c.role == PARTNER, AGENTS.c.active.is_(True), AGENTS.c.organisation_id.is_not(None))
                .distinct()
            )
            return {organisation for organisation in found if organisation}
