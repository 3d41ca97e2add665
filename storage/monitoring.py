"""Anonymous monitoring: how often something happened on a day, never who or when.

A turn adds ``Tally``s (one more of a kind, with what it is about); the unit of work adds them up and writes
them just before its commit as counts per day (``monitoring_counts``: one row per day and combination, UPSERT).
There is no row per event, so no id, no time of day and no order ties a count to a conversation, to its
transcript or to another count of the same person. What is counted (``kind``, and the columns it fills):

- ``started`` (channel, locale): a conversation was stored for the first time; ``language`` (channel, locale):
  the user chose another language.
- ``role`` / ``theme`` / ``stage`` (role, theme, stage): an answer in the tree set it.
- ``outcome`` (node: the outcome) and ``organisation`` (node: organisation id): an outcome was shown.
- ``stopped`` (node: the last node, with role, theme, stage): the conversation went quiet for ``QUIET`` or was
  purged before that was counted; once per quiet spell (``conversations.stop_counted``).
- ``witte_vlek`` (node): "iets anders" / "dit past niet" in the tree.
- ``handoff_requested`` (node: where it was asked; detail: ``open`` or ``after_hours``), ``handoff_claimed``
  (detail: the wait, ``WAIT_BUCKETS``), ``handoff_outcome`` (node: outcome code; detail: the organisation of a
  referral, or the agent's short note with "no fitting organisation"), ``handoff_limited``, ``handoff_closed``.
- ``crisis`` (node: the kind of danger), ``forgotten`` (a user deleted their conversation).
- ``callback_requested`` (node: part of the day; detail: ``open`` or ``after_hours``), ``callback_closed`` (node:
  the final state; detail: the outcome code), never the number.
- ``referral`` (node: the organisation; detail: what happened: proposed, sent, accepted, declined, …).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, astuple, dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.handoff_lifecycle import OPEN
from storage.models import Conversation, Handoff, MonitoringCount

logger = logging.getLogger(__name__)

COUNTS: Table = MonitoringCount.__table__  # type: ignore[attr-defined]
CONVERSATIONS: Table = Conversation.__table__  # type: ignore[attr-defined]
HANDOFFS: Table = Handoff.__table__  # type: ignore[attr-defined]
DIMENSIONS = ("kind", "channel", "locale", "role", "theme", "stage", "node", "detail")
KEY = ("day", *DIMENSIONS)
FACTS = ("role", "theme", "stage")  # what the tree learns and the counts keep
QUIET = timedelta(hours=24)
# Waits in minutes, as the lower edge of each bucket and its label: a count says "between 2 and 5 minutes".
WAIT_BUCKETS: tuple[tuple[int, str], ...] = (
    (0, "0-1"),
    (1, "1-2"),
    (2, "2-5"),
    (5, "5-10"),
    (10, "10-15"),
    (15, "15-30"),
    (30, "30-60"),
    (60, "60+"),
)
WIDTHS = {"kind": 32, "channel": 16, "locale": 16, "role": 32, "theme": 32, "stage": 32, "node": 64, "detail": 200}


@dataclass(frozen=True, slots=True)
class Tally:
    """One more of ``kind`` with what it is about; "" where a column does not apply. No id, no text of a user."""

    kind: str
    channel: str = ""
    locale: str = ""
    role: str = ""
    theme: str = ""
    stage: str = ""
    node: str = ""
    detail: str = ""

    def clipped(self) -> Tally:
        """Every column cut to its width (an agent's note can be long)."""
        return replace(self, **{name: getattr(self, name)[:width] for name, width in WIDTHS.items()})


def about(conversation: Conversation | None, kind: str, node: str = "", detail: str = "") -> Tally:
    """A tally with the conversation's channel and what the tree learnt (role, theme, stage): never its id."""
    if conversation is None:
        return Tally(kind, node=node, detail=detail)
    return _about(conversation.channel, conversation.facts or {}, kind, node, detail)


def _about(channel: str, facts: dict[str, Any], kind: str, node: str, detail: str = "") -> Tally:
    return Tally(
        kind,
        channel=channel,
        role=str(facts.get("role") or ""),
        theme=str(facts.get("theme") or ""),
        stage=str(facts.get("stage") or ""),
        node=node,
        detail=detail,
    )


def wait_bucket(wait: timedelta) -> str:
    """The label of the bucket a wait falls in."""
    minutes = wait.total_seconds() / 60
    label = WAIT_BUCKETS[0][1]
    for edge, name in WAIT_BUCKETS:
        if minutes >= edge:
            label = name
    return label


async def add(conn: AsyncConnection, tallies: Sequence[Tally], day: date) -> None:
    """Add ``tallies`` to the counts of ``day`` on ``conn`` (the caller's transaction).

    Summed first, then written in the order of their key: two transactions that add to the same counts lock the
    rows in the same order and never wait for each other in a circle (PostgreSQL).
    """
    summed = Counter(tally.clipped() for tally in tallies)
    if not summed:
        return
    rows = [{"day": day, **asdict(tally), "count": number} for tally, number in sorted(summed.items(), key=_order)]
    await conn.execute(UPSERTS[conn.dialect.name], rows)


def _upsert(insert: Any) -> Any:
    """Add ``count`` to the row of its key (built once per dialect: a turn reuses the compiled statement)."""
    statement = insert(COUNTS)
    return statement.on_conflict_do_update(
        index_elements=list(KEY), set_={"count": COUNTS.c.count + statement.excluded.count}
    )


UPSERTS: dict[str, Any] = {"postgresql": _upsert(pg_insert), "sqlite": _upsert(sqlite_insert)}


def _order(item: tuple[Tally, int]) -> tuple[str, ...]:
    return astuple(item[0])


async def count_quiet(engine: AsyncEngine, now: datetime, batch_size: int = 200) -> int:
    """Count where people stopped: conversations silent for ``QUIET`` whose stop is not counted yet.

    A conversation with an open hand-off is with a person (or waits for one) and is not counted. Each is counted
    once per quiet spell; a new turn clears ``stop_counted``. On the day the conversation went quiet.
    """
    counted = 0
    while True:
        async with engine.begin() as conn:
            batch = await _count_stops(conn, _quiet(now - QUIET), batch_size)
        counted += batch
        if batch < batch_size:
            break
    if counted:
        logger.info("monitoring: %s conversations went quiet", counted)
    return counted


async def count_stops_of(conn: AsyncConnection, ids: Sequence[int]) -> int:
    """Count where these conversations stopped, unless that is counted already (before a purge deletes them)."""
    if not ids:
        return 0
    return await _count_stops(conn, CONVERSATIONS.c.id.in_(ids) & CONVERSATIONS.c.stop_counted.is_(False), len(ids))


def _quiet(cutoff: datetime) -> Any:
    open_handoff = select(HANDOFFS.c.id).where(
        HANDOFFS.c.conversation_id == CONVERSATIONS.c.id, HANDOFFS.c.status.in_(OPEN)
    )
    return (
        (CONVERSATIONS.c.updated_at < cutoff)
        & CONVERSATIONS.c.stop_counted.is_(False)
        & (CONVERSATIONS.c.status == "bot")
        & ~open_handoff.exists()
    )


async def _count_stops(conn: AsyncConnection, condition: Any, batch_size: int) -> int:
    chosen = (
        select(
            CONVERSATIONS.c.id,
            CONVERSATIONS.c.channel,
            CONVERSATIONS.c.state,
            CONVERSATIONS.c.facts,
            CONVERSATIONS.c.updated_at,
        )
        .where(condition)
        .order_by(CONVERSATIONS.c.id)
        .limit(batch_size)
    )
    if conn.dialect.name == "postgresql":  # a turn under way on one of them: next time
        chosen = chosen.with_for_update(of=CONVERSATIONS, skip_locked=True)
    rows = (await conn.execute(chosen)).all()
    by_day: dict[date, list[Tally]] = {}
    for row in rows:
        stop = _about(row.channel, row.facts or {}, "stopped", row.state)
        by_day.setdefault(_day_of(row.updated_at), []).append(stop)
    for day, tallies in sorted(by_day.items()):
        await add(conn, tallies, day)
    if rows:
        await conn.execute(
            update(CONVERSATIONS).where(CONVERSATIONS.c.id.in_([row.id for row in rows])).values(stop_counted=True)
        )
    return len(rows)


def _day_of(moment: datetime | str) -> date:
    return (moment if isinstance(moment, datetime) else datetime.fromisoformat(moment)).date()


async def sums(
    engine: AsyncEngine, start: date, end: date, kind: str, by: Sequence[str] = ()
) -> dict[tuple[str, ...], int]:
    """The counts of ``kind`` from ``start`` to ``end`` (both included), summed per value of the columns ``by``."""
    rows = await _summed(engine, start, end, kind, [COUNTS.c[name] for name in by])
    return {tuple(str(value) for value in key): number for key, number in rows}


async def per_day(
    engine: AsyncEngine, start: date, end: date, kind: str, by: Sequence[str] = ()
) -> dict[tuple[Any, ...], int]:
    """Like ``sums``, with the day first in each key."""
    rows = await _summed(engine, start, end, kind, [COUNTS.c.day, *(COUNTS.c[name] for name in by)])
    return {(_as_date(key[0]), *(str(value) for value in key[1:])): number for key, number in rows}


async def _summed(
    engine: AsyncEngine, start: date, end: date, kind: str, columns: list[Any]
) -> list[tuple[tuple[Any, ...], int]]:
    query = (
        select(*columns, func.sum(COUNTS.c.count))
        .where(COUNTS.c.kind == kind, COUNTS.c.day >= start, COUNTS.c.day <= end)
        .group_by(*columns)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [(tuple(row[:-1]), int(row[-1])) for row in rows if row[-1] is not None]


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
