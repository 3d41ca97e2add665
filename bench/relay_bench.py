"""Hand-off relay: how long a line takes from a web-chat user to the agent's console, and back, in live chats.

50 users (``--quick``: 10) each open the web chat as the page does (``bench.web_clients.Page``) and tap "Praat met
een mens" (``cmd:mens``), one after the other; two agents, made with ``python -m bot agent add`` and logged in
through the console's login form, take turns claiming them (25 live chats each) and open each chat they claimed
as the console does (``/console/ws?watch=<conversation>``). Then, per repeat:

- spread: every user writes one line at a random moment within 3 seconds (``--quick``: 1), timed from the frame
  sent to the ``message`` event on the agent's socket; then every chat gets an answer the same way, timed from
  ``POST /console/h/<id>/reply`` sent to the ``messages`` frame on the user's page;
- burst of all: all users write at the same moment; then all answers are posted at the same moment.

One worker on SQLite; on PostgreSQL two ``python -m bot serve`` processes on one new database: first users and
agents both on the second worker ("one worker"; the first one idles), then the users on the first and the agents
on the second ("two workers"), so every line crosses ``bot/live_relay.py`` (``LISTEN/NOTIFY``). Each setting is
one deployment and the repeats are successive rounds on it (median of the rounds, lowest–highest). The
per-address limits (``web_handoffs_per_hour`` above all) are raised through the servers' environment
(``bench.web_clients.LIMITS``), as every user comes from 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import re
import secrets
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.table import Row, percentile, spread, verdict
from bench.web_clients import Page, Server, cli, client_session, database, raise_file_limit, served, temporary_folder

USERS = 50
QUICK_USERS = 10
AGENTS = ("Anna", "Bram")
PASSWORD = "Paarse olifanten dansen op het schoolplein 47"
SPREAD_SECONDS = 3.0
QUICK_SPREAD_SECONDS = 1.0
WAIT_SECONDS = 10.0
GOAL_P99_MS = 50.0
SHARED_SECRET = {"WEGWIJZER_LIMITS_SECRET": "one secret for every benchmark worker"}
Lines = dict[str, list[float]]  # "user → agent, spread: median" → one value per repeat


class Console:
    """An agent logged in to the console, with a socket per chat they have open."""

    def __init__(self, server: Server, name: str) -> None:
        self.server = server
        self.name = name
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""
        self.arrivals: dict[str, asyncio.Future[float]] = {}  # text → when the console got it
        self.sockets: list[aiohttp.ClientWebSocketResponse] = []
        self.readers: list[asyncio.Task[None]] = []

    async def login(self) -> None:
        base = self.server.base + "/console"
        async with self.http.get(base + "/login") as page:
            token = re.search(r'name="login_token" value="([^"]+)"', await page.text())
        assert token is not None, "no login form"
        form = {"login_token": token.group(1), "name": self.name.lower(), "password": PASSWORD}
        async with self.http.post(base + "/login", data=form, headers=self.server.origin, allow_redirects=False) as r:
            assert r.status == 303, f"login failed: {r.status}"
        async with self.http.get(base + "/") as page:
            found = re.search(r'<meta name="csrf" content="([^"]+)">', await page.text())
        assert found is not None, "no CSRF token"
        self.csrf = found.group(1)

    async def post(self, path: str, **data: Any) -> None:
        headers = {"X-CSRF-Token": self.csrf, **self.server.origin}
        async with self.http.post(self.server.base + "/console" + path, json=data, headers=headers) as response:
            assert response.status == 200, f"{path}: {response.status}"

    async def socket(self, query: str = "") -> aiohttp.ClientWebSocketResponse:
        ws = await self.http.ws_connect(self.server.base + "/console/ws" + query, headers=self.server.origin)
        first = await ws.receive_json(timeout=WAIT_SECONDS)
        assert first["type"] == "queue", first["type"]
        return ws

    async def watch(self, conversation: int) -> None:
        """Open a chat as the console does; its users' lines are timed from here."""
        ws = await self.socket(f"?watch={conversation}")
        self.sockets.append(ws)
        self.readers.append(asyncio.create_task(self._read(ws)))

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue
            arrived = time.perf_counter()
            event = json.loads(message.data)
            if event.get("type") == "message" and event.get("sender") == "user" and not event.get("notice"):
                waiting = self.arrivals.get(event.get("text", ""))
                if waiting is not None and not waiting.done():
                    waiting.set_result(arrived)

    async def close(self) -> None:
        for ws in self.sockets:
            await ws.close()
        for reader in self.readers:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        await self.http.close()


@dataclass
class Chat:
    page: Page
    console: Console
    handoff: int


@dataclass
class Tally:
    lines: Lines = field(default_factory=dict)
    errors: int = 0


async def user_writes(chat: Chat) -> float:
    """A user's line, from the frame sent to the agent's console; the milliseconds."""
    text = f"vraag {secrets.token_hex(6)}"
    arrived: asyncio.Future[float] = asyncio.get_running_loop().create_future()
    chat.console.arrivals[text] = arrived
    started = time.perf_counter()
    try:
        await chat.page.say(text)
        return (await asyncio.wait_for(arrived, WAIT_SECONDS) - started) * 1000
    finally:
        chat.console.arrivals.pop(text, None)


async def agent_answers(chat: Chat) -> float:
    """An agent's answer, from the POST sent to the ``messages`` frame on the user's page; the milliseconds."""
    text = f"antwoord {secrets.token_hex(6)}"
    started = time.perf_counter()
    await chat.console.post(f"/h/{chat.handoff}/reply", text=text)
    deadline = started + WAIT_SECONDS
    while True:
        arrived, frame = await asyncio.wait_for(chat.page.pushed.get(), max(0.01, deadline - time.perf_counter()))
        if any(m["text"] == text for m in frame["messages"]):
            return (arrived - started) * 1000


async def round_of(
    chats: list[Chat], one: Callable[[Chat], Awaitable[float]], within: float, tally: Tally
) -> list[float]:
    """Every chat once, each at a random moment ``within`` seconds (0: all at once); the latencies."""
    rng = random.Random()

    async def timed(chat: Chat) -> float | None:
        await asyncio.sleep(rng.uniform(0, within))
        try:
            return await one(chat)
        except Exception:
            tally.errors += 1
            return None

    results = await asyncio.gather(*(timed(c) for c in chats))
    return [r for r in results if r is not None]


async def measure_rounds(chats: list[Chat], repeats: int, window: float) -> Tally:
    tally = Tally()
    for _ in range(repeats):
        for pattern, within in (("spread", window), ("burst of all", 0.0)):
            for direction, one in (("user → agent", user_writes), ("agent → user", agent_answers)):
                latency = await round_of(chats, one, within, tally)
                await asyncio.sleep(1.1)  # the page's frame limit: one a second after a burst of five
                key = f"{direction}, {pattern}"
                tally.lines.setdefault(f"{key}: median ms", []).append(
                    statistics.median(latency) if latency else float("nan")
                )
                tally.lines.setdefault(f"{key}: p99 ms", []).append(percentile(latency, 0.99))
    return tally


async def hand_over(users: Server, consoles: list[Console], http: aiohttp.ClientSession, count: int) -> list[Chat]:
    """``count`` users ask for a person, one after the other; the agents take turns claiming them."""
    queue = await consoles[0].socket()
    chats = []
    seen: set[int] = set()
    try:
        for n in range(count):
            page = Page(http, users)
            await page.open()
            await page.tap("cmd:mens")
            item = None
            while item is None:
                event = await queue.receive_json(timeout=WAIT_SECONDS)
                fresh = [i for i in event.get("items", []) if i["status"] == "queued" and i["handoff"] not in seen]
                item = fresh[0] if event.get("type") == "queue" and fresh else None
            seen.add(item["handoff"])
            console = consoles[n % len(consoles)]
            await console.post(f"/h/{item['handoff']}/claim")
            await console.watch(item["conversation"])
            await asyncio.wait_for(page.pushed.get(), WAIT_SECONDS)  # "Je praat nu met …"
            chats.append(Chat(page, console, item["handoff"]))
    finally:
        await queue.close()
    return chats


@contextlib.asynccontextmanager
async def deployment(kind: str, postgres_url: str, workers: int, folder: Path) -> AsyncIterator[list[Server]]:
    """The servers on a new database with the agents made, once it is migrated (the agents while they start)."""
    async with database(kind, postgres_url, folder) as url:
        await cli(url, "db", "upgrade")
        async with contextlib.AsyncExitStack() as stack:
            adding = [cli(url, "agent", "add", a.lower(), "--display-name", a, stdin=PASSWORD + "\n") for a in AGENTS]
            starting = [stack.enter_async_context(served(url, folder, SHARED_SECRET)) for _ in range(workers)]
            servers, _added = await asyncio.gather(asyncio.gather(*starting), asyncio.gather(*adding))
            yield servers


async def relay(
    users: Server, agents: Server, http: aiohttp.ClientSession, count: int, repeats: int, window: float
) -> Tally:
    consoles = [Console(agents, agent) for agent in AGENTS]
    try:
        for console in consoles:
            await console.login()
        chats = await hand_over(users, consoles, http, count)
        tally = await measure_rounds(chats, repeats, window)
        await asyncio.gather(*(c.page.close() for c in chats), return_exceptions=True)
        return tally
    finally:
        for console in consoles:
            await console.close()


async def run(kind: str, postgres_url: str, users: int, repeats: int, window: float) -> list[Tally]:
    """One worker; on PostgreSQL then also two (users on the first, agents on the second; same database)."""
    workers = 1 if kind == "sqlite" else 2
    with temporary_folder() as name:
        async with deployment(kind, postgres_url, workers, Path(name)) as servers, client_session() as http:
            tallies = [await relay(servers[-1], servers[-1], http, users, repeats, window)]
            if workers == 2:
                tallies.append(await relay(servers[0], servers[1], http, users, repeats, window))
            return tallies


def rows(setting: str, sqlite: Tally | None, postgres: Tally) -> list[Row]:
    out = []
    for measure, values in postgres.lines.items():
        cells = [spread(sqlite.lines[measure]) if sqlite is not None else "n/a", spread(values)]
        medians = [statistics.median(values)] + ([statistics.median(sqlite.lines[measure])] if sqlite else [])
        p99 = measure.endswith("p99 ms")
        met = verdict(medians, lambda v: v <= GOAL_P99_MS) if p99 else ""
        out.append(
            Row("relay", f"{setting}: {measure}", cells[0], cells[1], f"≤ {GOAL_P99_MS:.0f}" if p99 else "", met)
        )
    errors = [str(sqlite.errors) if sqlite is not None else "n/a", str(postgres.errors)]
    failed = postgres.errors + (sqlite.errors if sqlite is not None else 0)
    out.append(Row("relay", f"{setting}: errors", errors[0], errors[1], "0", "yes" if failed == 0 else "no"))
    return out


def sqlite_rows(tally: Tally) -> list[Row]:
    """One worker on SQLite only (``--postgres-url ''``)."""
    return [Row(r.benchmark, r.measure, r.postgres, "n/a", r.goal, r.met) for r in rows("one worker", None, tally)]


def measure(options: argparse.Namespace) -> list[Row]:
    raise_file_limit()
    users = QUICK_USERS if options.quick else USERS
    repeats = max(1, options.repeats)
    window = QUICK_SPREAD_SECONDS if options.quick else SPREAD_SECONDS
    (sqlite,) = asyncio.run(run("sqlite", "", users, repeats, window))
    if not options.postgres_url:
        return sqlite_rows(sqlite)
    one, two = asyncio.run(run("postgres", options.postgres_url, users, repeats, window))
    return rows("one worker", sqlite, one) + rows("two workers", None, two)
