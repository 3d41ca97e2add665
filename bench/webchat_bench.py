"""Web chat: N pages open at once, each tapping through the tree like a person, against the real server.

For each size (200, 1,000 and 2,000 pages; ``--quick``: 20) and each database, ``python -m bot serve`` runs in a
process of its own (a temporary SQLite file; a PostgreSQL database made for the run and dropped after). The pages
(``bench.web_clients.Page``) open their sockets as ``chat.js`` does, 64 at a time, then each taps an answer every
~5 seconds (4–6 s, at random), starting at a random moment in the first 5 seconds: the first tap stores the
conversation and hands the page its cookie (``rotate``); at an end it taps "Opnieuw beginnen" (``cmd:opnieuw``). It
never picks the "in danger" answers, nor asks for a person (those are the relay benchmark's).

Measured while all pages stay open, in ``repeats`` windows of equal length one after the other: answers per
second, latency from a frame sent to the frame that answers it (median, p99), and errors (error frames, no answer
within 10 s, sockets that failed to open or closed, tickets not traded). Memory: the server's resident memory
(``VmRSS``) with all pages open after the walk, less what it was before the first page opened, per page.

The client is not the bottleneck: it runs in this process, beside the server (2 cores here), and after each size it
prints to standard error how many pages opened and how fast, its own CPU use, how late its event loop woke up (a
ticker every 50 ms), the server's CPU use, and why taps failed. At 2,000 pages the client used 3–5% of a core
(a page taps every ~5 s: about 400 frames a second), so one client process suffices and more would only compete
with the server for the cores; a loop lag well above a few milliseconds then comes from a machine busy with
other work, and the run is not worth comparing (look at the load average before a run).

The per-address limits (``web_sockets_per_address``, ``web_conversations_per_minute``) are raised through the
server's environment (``bench.web_clients.LIMITS``): every page comes from 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.table import Row, percentile, spread, verdict
from bench.web_clients import Page, Server, cli, client_session, database, raise_file_limit, served, temporary_folder

SIZES = (200, 1000, 2000)
QUICK_SIZES = (20,)
WINDOW_SECONDS = 8.0
QUICK_WINDOW_SECONDS = 5.0
THINK_SECONDS = 5.0
OPENING_AT_ONCE = 64
AVOID = ("gevaar:gevaar", "zelfmoord")  # answers that start the crisis path: not a walk through the tree
GOAL_P99_MS = 100.0
GOAL_KIB = 50.0


@dataclass
class Result:
    """One size on one database: a value per window (replies/s, median, p99, errors) and the memory per page."""

    replies: list[float] = field(default_factory=list)
    median: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    errors: list[float] = field(default_factory=list)
    kib_per_page: list[float] = field(default_factory=list)


@dataclass
class Walk:
    samples: list[tuple[float, float]] = field(default_factory=list)  # (sent at, latency ms)
    failures: list[float] = field(default_factory=list)  # when
    why: Counter[str] = field(default_factory=Counter)  # what went wrong, for the log


def next_key(screen: list[dict[str, object]], rng: random.Random) -> str:
    """An answer of the tree on screen (never a crisis answer), or "Opnieuw beginnen" at an end."""
    keys = [str(o["key"]) for m in screen for o in m["options"]]  # type: ignore[attr-defined]
    answers = [k for k in keys if k.startswith("opt:") and not any(a in k for a in AVOID)]
    return rng.choice(answers) if answers else "cmd:opnieuw"


async def walk(page: Page, rng: random.Random, until: float, into: Walk) -> None:
    """Tap every 4–6 s (the first time within 5 s) until ``until``; no tap is sent after it."""
    pause = rng.uniform(0, THINK_SECONDS)
    while time.perf_counter() + pause < until:
        await asyncio.sleep(pause)
        sent = time.perf_counter()
        try:
            into.samples.append((sent, await page.tap(next_key(page.screen, rng))))
        except Exception as error:
            into.failures.append(sent)
            into.why[str(error) or type(error).__name__] += 1
        pause = rng.uniform(THINK_SECONDS * 0.8, THINK_SECONDS * 1.2)


async def loop_lag(into: list[float], step: float = 0.05) -> None:
    """How late the client's event loop wakes up (ms): a busy client would add this to every latency."""
    while True:
        planned = time.perf_counter() + step
        await asyncio.sleep(step)
        into.append((time.perf_counter() - planned) * 1000)


async def one_size(server: Server, size: int, windows: int, window: float, rng: random.Random) -> Result:
    result = Result()
    before = server.rss_kib()
    async with client_session() as http:
        pages = [Page(http, server) for _ in range(size)]
        gate = asyncio.Semaphore(OPENING_AT_ONCE)

        async def open_one(page: Page) -> bool:
            async with gate:
                try:
                    await page.open()
                    return True
                except Exception:
                    return False

        opening = time.perf_counter()
        opened = await asyncio.gather(*(open_one(p) for p in pages))
        opening = time.perf_counter() - opening
        live = [p for p, ok in zip(pages, opened, strict=True) if ok]
        lag: list[float] = []
        ticker = asyncio.create_task(loop_lag(lag))
        cpu, server_cpu, started = time.process_time(), server.cpu_seconds(), time.perf_counter()
        until = started + windows * window
        walked = Walk()
        await asyncio.gather(*(walk(p, random.Random(rng.random()), until, walked) for p in live))
        elapsed = time.perf_counter() - started
        client_share, server_share = (
            (time.process_time() - cpu) / elapsed,
            (server.cpu_seconds() - server_cpu) / elapsed,
        )
        ticker.cancel()
        with_pages = server.rss_kib()
        result.kib_per_page.append((with_pages - before) / size)
        dropped = sum(1 for p in live if p.ws is None or p.ws.closed) + sum(p.errors for p in live)
        for n in range(windows):
            low, high = started + n * window, started + (n + 1) * window
            latency = [ms for sent, ms in walked.samples if low <= sent < high]
            result.replies.append(len(latency) / window)
            result.median.append(statistics.median(latency) if latency else float("nan"))
            result.p99.append(percentile(latency, 0.99))
            failed = sum(1 for sent in walked.failures if low <= sent < high)
            result.errors.append(failed + (size - len(live) + dropped if n == 0 else 0))
        await asyncio.gather(*(p.close() for p in live), return_exceptions=True)
    print(
        f"  {size} pages open in {opening:.1f} s, {len(walked.samples)} answers; "
        f"client CPU {client_share:.0%} of a core, loop lag p99 {percentile(lag, 0.99):.1f} ms "
        f"(max {max(lag, default=0):.1f}); server CPU {server_share:.0%}; failed: {dict(walked.why) or 'none'}",
        file=sys.stderr,
        flush=True,
    )
    return result


async def run(kind: str, postgres_url: str, sizes: tuple[int, ...], windows: int, window: float) -> list[Result]:
    """Each size on a new server process (so its memory is its own), all on one new database."""
    results = []
    with temporary_folder() as name:
        folder = Path(name)
        async with database(kind, postgres_url, folder) as url:
            await cli(url, "db", "upgrade")
            for size in sizes:
                async with served(url, folder) as server:
                    print(f"  {kind}:", end="", file=sys.stderr)
                    results.append(await one_size(server, size, windows, window, random.Random(size)))
    return results


def rows(sizes: tuple[int, ...], sqlite: list[Result], postgres: list[Result] | None) -> list[Row]:
    out: list[Row] = []

    def row(measure: str, pick: str, size_index: int, fmt: str, goal: str = "", ok: object = None) -> Row:
        results = [sqlite[size_index]] + ([postgres[size_index]] if postgres is not None else [])
        values = [[x for x in getattr(r, pick) if not math.isnan(x)] for r in results]  # a window with no answer
        cells = [spread(v, fmt) for v in values]
        met = verdict([statistics.median(v) if v else math.inf for v in values], ok) if callable(ok) else ""
        return Row("web chat", measure, cells[0], cells[1] if postgres is not None else "n/a", goal, met)

    for i, size in enumerate(sizes):
        goal = size == max(SIZES)
        out += [
            row(f"{size:,} pages: replies/s", "replies", i, "{:,.0f}"),
            row(f"{size:,} pages: latency median ms", "median", i, "{:,.1f}"),
            row(
                f"{size:,} pages: latency p99 ms",
                "p99",
                i,
                "{:,.1f}",
                f"≤ {GOAL_P99_MS:.0f}" if goal else "",
                (lambda v: v <= GOAL_P99_MS) if goal else None,
            ),
            row(f"{size:,} pages: errors", "errors", i, "{:,.0f}", "0", lambda v: v == 0),
            row(
                f"{size:,} pages: server KiB per open page",
                "kib_per_page",
                i,
                "{:,.1f}",
                f"< {GOAL_KIB:.0f}" if goal else "",
                (lambda v: v < GOAL_KIB) if goal else None,
            ),
        ]
    return out


def measure(options: argparse.Namespace) -> list[Row]:
    raise_file_limit()
    sizes = QUICK_SIZES if options.quick else SIZES
    window = QUICK_WINDOW_SECONDS if options.quick else WINDOW_SECONDS
    windows = max(1, options.repeats)
    sqlite = asyncio.run(run("sqlite", "", sizes, windows, window))
    postgres = (
        asyncio.run(run("postgres", options.postgres_url, sizes, windows, window)) if options.postgres_url else None
    )
    return rows(sizes, sqlite, postgres)
