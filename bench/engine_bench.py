"""Engine benchmark: steps per second, latency of one step (load → step → save) on SQLite, and memory.

Run with ``make bench``. Targets (issue 2): median ≤ 2 ms, p99 ≤ 10 ms, and resident memory that does not
grow with the number of stored conversations (their state lives in the database).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bot.dialogs.dialog import Dialog
from bot.engine import Engine
from bot.i18n import I18n
from bot.messages import IncomingMessage
from storage.database import create_engine
from storage.migrate import upgrade
from storage.repository import ConversationStore

WALK = ["start", "nee", "ik ben ouder", "terug", "ik ben leerling", "opnieuw"]


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def timed(engine: Engine, message: IncomingMessage, into: list[float]) -> None:
    started = time.perf_counter()
    await engine.handle(message)
    into.append((time.perf_counter() - started) * 1000)


async def bench(conversations: int, walks: int) -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory() as folder:
        database = create_engine(f"sqlite:///{folder}/bench.sqlite3")
        await upgrade(database)
        engine = Engine(ConversationStore(database), Dialog.load(), I18n(("nl",)))
        rows: list[tuple[str, str, str]] = []
        await timed(engine, IncomingMessage("bench", "warm-up", text="/start"), [])

        new_latency: list[float] = []
        memory: list[tuple[int, float]] = [(0, rss_mib())]
        started = time.perf_counter()
        for n in range(1, conversations + 1):
            await timed(engine, IncomingMessage("bench", f"c{n}", text="/start"), new_latency)
            if n in (conversations // 10, conversations // 2, conversations):
                memory.append((n, rss_mib()))
        new_rate = conversations / (time.perf_counter() - started)

        walk_latency: list[float] = []
        started = time.perf_counter()
        for n in range(walks):
            text = WALK[n % len(WALK)]
            await timed(engine, IncomingMessage("bench", f"c{1 + n // len(WALK)}", text=text), walk_latency)
        walk_rate = walks / (time.perf_counter() - started)
        await database.dispose()

    for name, latency, rate in (("new conversation", new_latency, new_rate), ("step in a walk", walk_latency, walk_rate)):
        ordered = sorted(latency)
        rows.append((f"{name}: steps per second", f"{rate:,.0f}", ""))
        rows.append((f"{name}: median ms", f"{statistics.median(ordered):.2f}", "≤ 2"))
        rows.append((f"{name}: p99 ms", f"{ordered[int(len(ordered) * 0.99) - 1]:.2f}", "≤ 10"))
    for count, mib in memory:
        rows.append((f"resident memory after {count:,} conversations (MiB)", f"{mib:.1f}", "flat"))
    growth = memory[-1][1] - memory[1][1]
    rows.append((f"growth from {memory[1][0]:,} to {memory[-1][0]:,} conversations (MiB)", f"{growth:.1f}", "≈ 0"))
    return rows


def print_table(rows: list[tuple[str, str, str]]) -> None:
    headers = ("measure", "result", "target")
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(3)]
    line = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    print(line)
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print(line)
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--walks", type=int, default=3_000)
    args = parser.parse_args()
    print_table(asyncio.run(bench(args.conversations, args.walks)))


if __name__ == "__main__":
    main()
