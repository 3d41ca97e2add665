"""Engine benchmark: steps per second, the latency of one step (load → step → save), memory and database growth.

``python -m bench --only engine`` runs it on SQLite and on PostgreSQL (a fresh database per run, created with
asyncpg on ``--postgres-url`` and dropped after), ``--repeats`` times each. One run stores ``conversations`` new
conversations (``/start`` each: a new conversation's first step) and then walks the product tree with one
conversation, tapping the first option at each question and starting again at each end, so it follows whatever
the tree is. Goals (issue 15, SQLite): a walk step's median ≤ 1 ms and p99 ≤ 5 ms; resident memory flat in the
number of stored conversations (their state lives in the database). The CPU time per step counts this process
only (not the PostgreSQL server); on a busy machine it moves less than the latencies do.

Bytes per step: how much the database grew over the run divided by the steps it took. SQLite: the database file
plus its write-ahead log, after a ``wal_checkpoint(TRUNCATE)`` at both ends (so what the WAL held is counted once,
in the file); PostgreSQL: ``pg_database_size``. Both count the transcript lines, the conversations and their
indexes; the monitoring counts hardly grow (one row per day and combination).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.table import Row, percentile, spread, verdict
from bot.dialogs.dialog import Dialog
from bot.engine import Engine
from bot.i18n import I18n
from bot.messages import IncomingMessage, OutgoingMessage
from bot.settings import load_settings
from storage.database import create_engine
from storage.migrate import upgrade
from storage.repository import ConversationStore

NAME = "engine"
MEDIAN_GOAL_MS = 1.0
P99_GOAL_MS = 5.0


@dataclass
class Run:
    """What one run on one database measured."""

    walk_ms: list[float] = field(default_factory=list)
    walk_seconds: float = 0.0
    walk_cpu_seconds: float = 0.0  # CPU time of the process (event loop and aiosqlite's thread) over the walk
    new_ms: list[float] = field(default_factory=list)
    memory: list[tuple[int, float]] = field(default_factory=list)  # (stored conversations, resident MiB)
    growth_bytes: int = 0
    steps: int = 0

    @property
    def steps_per_second(self) -> float:
        return len(self.walk_ms) / self.walk_seconds if self.walk_seconds else float("nan")

    @property
    def memory_growth(self) -> float:
        """MiB from a tenth of the conversations to all of them (the first tenth fills caches)."""
        return self.memory[-1][1] - self.memory[1][1]


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def next_message(chat_id: str, shown: list[OutgoingMessage]) -> IncomingMessage:
    """Tap the first option on screen, or start again at an end."""
    options = [choice for message in shown for choice in message.options]
    if options:
        return IncomingMessage("bench", chat_id, choice=options[0].key)
    return IncomingMessage("bench", chat_id, text="/opnieuw")


async def timed(engine: Engine, message: IncomingMessage, into: list[float]) -> list[OutgoingMessage]:
    started = time.perf_counter()
    reply = await engine.handle(message)
    into.append((time.perf_counter() - started) * 1000)
    return reply.messages


async def run_once(database: AsyncEngine, size: Any, conversations: int, walk_steps: int) -> Run:
    """One run on a fresh, migrated database; ``size()`` says how many bytes it takes now."""
    engine = Engine(ConversationStore(database), Dialog.load(), I18n(load_settings({}).locales))
    await timed(engine, IncomingMessage("bench", "warm-up", text="/start"), [])
    run = Run(memory=[(0, rss_mib())])
    before = await size()
    checkpoints = {max(1, conversations // 10), conversations}
    for n in range(1, conversations + 1):
        await timed(engine, IncomingMessage("bench", f"c{n}", text="/start"), run.new_ms)
        if n in checkpoints:
            run.memory.append((n, rss_mib()))
    shown = await timed(engine, IncomingMessage("bench", "walker", text="/start"), [])
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(walk_steps):
        shown = await timed(engine, next_message("walker", shown), run.walk_ms)
    run.walk_seconds = time.perf_counter() - started
    run.walk_cpu_seconds = time.process_time() - cpu
    run.steps = conversations + walk_steps + 1
    run.growth_bytes = await size() - before
    return run


@asynccontextmanager
async def sqlite_database() -> AsyncIterator[tuple[AsyncEngine, Any]]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        database = create_engine(f"sqlite:///{path}")
        await upgrade(database)

        async def size() -> int:
            async with database.connect() as conn:
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())

        try:
            yield database, size
        finally:
            await database.dispose()


@asynccontextmanager
async def postgres_database(url: str) -> AsyncIterator[tuple[AsyncEngine, Any]]:
    """A fresh PostgreSQL database next to the one ``url`` names, dropped after."""
    import asyncpg  # only where PostgreSQL is benchmarked

    admin_url = make_url(url).set(drivername="postgresql")
    name = f"bench_engine_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_url.render_as_string(hide_password=False))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        database = create_engine(admin_url.set(database=name).render_as_string(hide_password=False))
        try:
            await upgrade(database)

            async def size() -> int:
                async with database.connect() as conn:
                    return int(await conn.scalar(text("SELECT pg_database_size(current_database())")) or 0)

            yield database, size
        finally:
            await database.dispose()
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def runs(options: Any, conversations: int, walk_steps: int) -> dict[str, list[Run]]:
    found: dict[str, list[Run]] = {"sqlite": [], "postgres": []}
    for _ in range(options.repeats):
        async with sqlite_database() as (database, size):
            found["sqlite"].append(await run_once(database, size, conversations, walk_steps))
        if options.postgres_url:
            async with postgres_database(options.postgres_url) as (database, size):
                found["postgres"].append(await run_once(database, size, conversations, walk_steps))
    return found


def measure(options: Any) -> list[Row]:
    """The engine's rows for ``python -m bench``."""
    conversations, walk_steps = (200, 300) if options.quick else (3_000, 3_000)
    found = asyncio.run(runs(options, conversations, walk_steps))
    sqlite, postgres = found["sqlite"], found["postgres"]

    def row(measure: str, value: Any, fmt: str, goal: str = "", ok: Any = None, sqlite_only: bool = False) -> Row:
        lite = [value(r) for r in sqlite]
        pg = [value(r) for r in postgres]
        met = verdict(_medians(lite) if sqlite_only else _medians(lite, pg), ok) if ok else ""
        return Row(NAME, measure, spread(lite, fmt), spread(pg, fmt) if postgres else "n/a", goal, met)

    tenth = max(1, conversations // 10)
    return [
        row(f"walk: steps/s ({walk_steps:,} steps)", lambda r: r.steps_per_second, "{:,.0f}"),
        row(
            "walk: step median ms",
            lambda r: statistics.median(r.walk_ms),
            "{:.2f}",
            f"≤ {MEDIAN_GOAL_MS:g} (SQLite)",
            lambda v: v <= MEDIAN_GOAL_MS,
            sqlite_only=True,
        ),
        row(
            "walk: step p99 ms",
            lambda r: percentile(r.walk_ms, 0.99),
            "{:.2f}",
            f"≤ {P99_GOAL_MS:g} (SQLite)",
            lambda v: v <= P99_GOAL_MS,
            sqlite_only=True,
        ),
        row("walk: CPU ms per step (this process)", lambda r: r.walk_cpu_seconds * 1000 / len(r.walk_ms), "{:.2f}"),
        row("new conversation: median ms", lambda r: statistics.median(r.new_ms), "{:.2f}"),
        row("new conversation: p99 ms", lambda r: percentile(r.new_ms, 0.99), "{:.2f}"),
        row(
            f"memory growth {tenth:,} → {conversations:,} conversations (MiB)",
            lambda r: r.memory_growth,
            "{:.1f}",
            "flat (< 5)",
            lambda v: v < 5,
        ),
        row("database growth per step (bytes)", lambda r: r.growth_bytes / r.steps, "{:,.0f}"),
    ]


def _medians(*results: list[float]) -> list[float]:
    return [statistics.median(values) for values in results if values]


def main() -> None:
    """``python -m bench.engine_bench``: the same as ``python -m bench --only engine``."""
    from bench.__main__ import main as bench_main

    raise SystemExit(bench_main(["--only", NAME]))


if __name__ == "__main__":
    main()
