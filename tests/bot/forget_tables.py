"""What is left in the database after "wissen": every table that can hold something of a conversation."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

TABLES = (
    "conversations",
    "transcript_entries",
    "handoffs",
    "agent_notes",
    "outbox",
    "web_sessions",
    "callbacks",
    "referrals",
)


async def left(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        return {table: int(await conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0) for table in TABLES}


async def forgotten_events(engine: AsyncEngine) -> list[tuple[object, ...]]:
    """The ``forgotten`` counts: the kind only (no node, role, theme or channel), one row per day with its count."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT node, role, theme, channel, locale, stage, detail, count FROM monitoring_counts"
                " WHERE kind = 'forgotten'"
            )
        )
        return [tuple(row) for row in rows]
