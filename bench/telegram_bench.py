"""Telegram benchmark: the whole product path against a bare python-telegram-bot echo bot, same fake, same load.

Four processes: the fake Bot API (``bench.fake_bot_api_process``), the bot under test (ours:
``bench.product_process``, i.e. ``wegwijzer serve`` on a fresh SQLite file or PostgreSQL database; or
``bench.echo_bot``), and this one, the load. K users walk at once: each posts an update to the bot's webhook
(with the secret header), waits until the fake has received the bot's reply for its chat (the fake streams
every sendMessage over a websocket), then taps the first tree option of the reply (``opt:…``), or sends ``/start``
at an end (what ``bench.engine_bench`` does). A reply is complete at the message with a keyboard; a
reply without one counts as complete ``QUIET`` seconds after its last message, which the latency then includes.

Per configuration: updates/s (completed steps in the measured window), reply latency median and p99 (update
posted → the reply's keyboard message received by the fake), Bot API calls per step (calls bound to a chat,
which Telegram's limits count: send*, edit*, …; answerCallbackQuery is not counted) and CPU time of the bot
process per update. With limiters as in production (our sender's ``limits``; the echo bot with PTB's
``AIORateLimiter``) and with both off (ours: ``product_process --no-limits`` patches the sender's limit
constants, as no setting switches them off).

Concurrent users servable under Telegram's limits at a 2-second reply: Telegram takes about 30 messages a
second for a bot (and about one a second per chat, which a reply of ≤ 2 messages within 2 s keeps). Users who
each take a step as soon as their reply is there, every 2 seconds, need users × calls per step / 2 s ≤ 30 per
second, so users = 30 × 2 / calls per step (a person reading before tapping makes it more: × (2 + reading) / 2).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from bench import echo_bot, load, product_process
from bench.product_process import SECRET, SECRET_HEADER, WEBHOOK_PATH
from bench.table import Row, percentile, spread, verdict
from tests.fakes.telegram_updates import Updates

QUIET = 0.3  # seconds after a reply's last message without a keyboard before the user acts
LOST = 30.0  # seconds without a reply: the step is counted as lost and the user starts again
ENOUGH_STEPS = 20  # steps in a window (or one per user, for fewer users) to divide calls and CPU time by
WARM_UP = 60.0  # seconds at most until every user has had about one reply (the bots start all at once)
NOT_CHAT_BOUND = {"getMe", "setMyCommands", "answerCallbackQuery", "sendChatAction", "setWebhook", "deleteWebhook"}
OPTION = "opt:"  # callback data of a tree option; the other buttons are actions ("Terug", "Meer over …")
GOAL_RATIO = 0.6
GOAL_CALLS = 1.3


@dataclass(frozen=True)
class Result:
    updates_per_second: float
    median_ms: float
    p99_ms: float
    calls_per_step: float
    cpu_ms_per_update: float
    lost: int


class Chat:
    """One user's wait for the bot's reply: resolved by the keyboard message, or ``QUIET`` after the last one."""

    def __init__(self) -> None:
        self.reply: asyncio.Future[tuple[float, dict[str, Any] | None]] = asyncio.Future()
        self._quiet: asyncio.TimerHandle | None = None

    def arrived(self, at: float, message: dict[str, Any]) -> None:
        if self.reply.done():
            return
        if self._quiet is not None:
            self._quiet.cancel()
        if (message.get("reply_markup") or {}).get("inline_keyboard"):
            self.reply.set_result((at, message))
        else:
            self._quiet = asyncio.get_running_loop().call_later(QUIET, self._settle, at)

    def _settle(self, at: float) -> None:
        if not self.reply.done():
            self.reply.set_result((at, None))


class Walk:
    """K users walking on one bot for ``warm + window`` seconds; the window's steps are measured."""

    def __init__(self, bot_url: str, fake_url: str, first_chat: int, users: int) -> None:
        self.webhook = bot_url + WEBHOOK_PATH
        self.fake = fake_url
        self.chats = range(first_chat, first_chat + users)
        self.updates = Updates(start=first_chat * 1000)
        self.waiting: dict[int, Chat] = {}
        self.latency: list[float] = []
        self.lost = 0
        self.window = (float("inf"), float("inf"))
        self.stopping = False
        self.replies = 0  # all replies so far, also outside the window
        self.warmed = asyncio.Event()  # set when there were as many replies as users

    async def run(self, session: aiohttp.ClientSession, bot: load.Server, warm: float, window: float) -> Result:
        """Walk until every user has had about one reply (and ``warm`` seconds passed), then measure ``window``
        seconds; then let the users finish their step, so nothing is left queued for the next measurement.
        """
        async with session.ws_connect(self.fake + "/bench/events") as events:
            listening = asyncio.create_task(self._listen(events))
            users = [asyncio.create_task(self._user(session, chat)) for chat in self.chats]
            await asyncio.sleep(warm)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.warmed.wait(), WARM_UP)
            calls, cpu, start = await self._calls(session), bot.cpu_seconds(), time.monotonic()
            self.window = (start, start + window)
            await asyncio.sleep(window)
            calls, cpu = await self._calls(session) - calls, bot.cpu_seconds() - cpu
            self.stopping = True
            await asyncio.wait(users, timeout=LOST)
            for task in [*users, listening]:
                task.cancel()
            await asyncio.gather(*users, listening, return_exceptions=True)
        steps = len(self.latency)
        enough = steps >= min(ENOUGH_STEPS, len(self.chats))  # fewer: calls and CPU per step are not told
        return Result(
            updates_per_second=steps / window,
            median_ms=statistics.median(self.latency) if steps else float("nan"),
            p99_ms=percentile(self.latency, 0.99),
            calls_per_step=calls / steps if enough else float("nan"),
            cpu_ms_per_update=cpu * 1000 / steps if enough else float("nan"),
            lost=self.lost,
        )

    async def _calls(self, session: aiohttp.ClientSession) -> int:
        async with session.get(self.fake + "/bench/counts") as response:
            counts = await response.json()
        return sum(n for kind in ("ok", "refused") for m, n in counts[kind].items() if m not in NOT_CHAT_BOUND)

    async def _listen(self, events: aiohttp.ClientWebSocketResponse) -> None:
        async for frame in events:
            for event in json.loads(frame.data):
                chat = self.waiting.get(event["chat"])
                if chat is not None:
                    chat.arrived(event["at"], event["message"])

    async def _user(self, session: aiohttp.ClientSession, chat_id: int) -> None:
        update = self.updates.text(chat_id, "/start")
        headers = {SECRET_HEADER: SECRET}
        while not self.stopping:
            chat = self.waiting[chat_id] = Chat()
            posted = time.monotonic()
            async with session.post(self.webhook, json=update, headers=headers) as response:
                if response.status != 200:
                    raise RuntimeError(f"the webhook answered {response.status}")
            try:
                at, message = await asyncio.wait_for(asyncio.shield(chat.reply), LOST)
            except TimeoutError:
                self.lost += 1
                update = self.updates.text(chat_id, "/start")
                continue
            self.replies += 1
            if self.replies >= len(self.chats):
                self.warmed.set()
            if self.window[0] <= at <= self.window[1]:
                self.latency.append((at - posted) * 1000)
            option = first_option(message)
            if message is not None and option is not None:
                update = self.updates.tap(chat_id, message, option)
            else:  # an end of the tree (only "Meer over …", "Terug", "Opnieuw beginnen", …): start again
                update = self.updates.text(chat_id, "/start")


def first_option(message: dict[str, Any] | None) -> str | None:
    """The callback data of the first tree option on a reply (``opt:…``, bot.channels.telegram.render), if any."""
    rows = ((message or {}).get("reply_markup") or {}).get("inline_keyboard") or []
    data = [str(b.get("callback_data")) for row in rows for b in row]
    return next((d for d in data if d.startswith(OPTION)), None)


@dataclass(frozen=True)
class Plan:
    sizes: tuple[int, ...]
    repeats: int
    warm: float
    window: float
    limited_warm: float
    limited_window: float

    @classmethod
    def of(cls, options: argparse.Namespace) -> Plan:
        if options.quick:
            return cls((5,), max(1, options.repeats), 0.3, 1.5, 0.3, 2.0)
        return cls((50, 200), max(1, options.repeats), 1.0, 4.0, 1.0, 5.0)


Key = tuple[str, str, bool, int]  # bot ("ours"/"echo"), database ("sqlite"/"postgres"/""), limited, K


async def bench(options: argparse.Namespace) -> dict[Key, list[Result]]:
    """All bots start at once (idle until driven), then the walks run one at a time, interleaved, so that ours
    and the echo bot share whatever else the machine is doing.
    """
    plan = Plan.of(options)
    results: dict[Key, list[Result]] = {}
    chats = itertools.count(1)
    databases = [("sqlite", "")] + ([("postgres", options.postgres_url)] if options.postgres_url else [])
    async with contextlib.AsyncExitStack() as stack:
        fake = await load.start("bench.fake_bot_api_process", ready="port ")
        stack.push_async_callback(load.stop, fake)
        fake_url = f"http://127.0.0.1:{fake.first_line.split()[1]}"
        launches: dict[tuple[str, str, bool], contextlib.AbstractAsyncContextManager[tuple[load.Server, str]]] = {}
        for limited in (False, True):
            launches["echo", "", limited] = echo_bot.running(fake_url, limited)
            for name, admin_url in databases:
                launches["ours", name, limited] = product_process.running(fake_url, admin_url, limited)
        started = await asyncio.gather(
            *(stack.enter_async_context(c) for c in launches.values()), return_exceptions=True
        )
        for outcome in started:
            if isinstance(outcome, BaseException):
                raise outcome
        bots = dict(zip(launches, started, strict=True))
        session = await stack.enter_async_context(aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)))
        for limited in (False, True):
            warm, window = (plan.limited_warm, plan.limited_window) if limited else (plan.warm, plan.window)
            for size in plan.sizes:
                for _ in range(1 if limited else plan.repeats):
                    for key, (bot, url) in bots.items():  # type: ignore[misc]
                        if key[2] != limited:
                            continue
                        walk = Walk(url, fake_url, next(chats) * 1_000_000, size)
                        result = await walk.run(session, bot, warm, window)
                        print(f"  telegram {key} K={size}: {result}", file=sys.stderr, flush=True)
                        results.setdefault((*key, size), []).append(result)
    return results


def at_most_goal(calls: float) -> bool:
    return calls <= GOAL_CALLS


def measure(options: argparse.Namespace) -> list[Row]:
    return table(asyncio.run(bench(options)), Plan.of(options).sizes)


def table(results: dict[Key, list[Result]], sizes: tuple[int, ...]) -> list[Row]:
    """Rows: the headline ratio first, then per K and limiter the measures of ours (per database) and echo."""
    rows: list[Row] = []
    dbs = ("sqlite", "postgres")

    def of(bot: str, db: str, limited: bool, size: int) -> list[Result]:
        return results.get((bot, db, limited, size), [])

    def values(runs: list[Result], pick: Callable[[Result], float]) -> list[float]:
        """``pick`` of the runs that completed steps (a run without any has no latency or calls per step)."""
        return [value for r in runs if not math.isnan(value := pick(r))]

    def cells(values: dict[str, list[float]], fmt: str) -> tuple[str, str]:
        sqlite, postgres = (spread(values[db], fmt) if values[db] else "n/a" for db in dbs)
        return sqlite, postgres

    def add(
        measure: str,
        pick: Callable[[Result], float],
        fmt: str,
        bot: str,
        limited: bool,
        size: int,
        goal: str = "",
        ok: Callable[[float], bool] | None = None,
    ) -> None:
        if bot == "echo":
            echo = values(of("echo", "", limited, size), pick)
            rows.append(Row("telegram", f"echo bot: {measure} (no database)", spread(echo, fmt) if echo else "n/a"))
            return
        per_db = {db: values(of("ours", db, limited, size), pick) for db in dbs}
        medians = [statistics.median(v) for v in per_db.values() if v]
        met = verdict(medians, ok) if ok else ""
        rows.append(Row("telegram", f"ours: {measure}", *cells(per_db, fmt), goal, met))

    for size in sizes:
        ratios: dict[str, list[float]] = {}
        for db in dbs:
            ours, echo = of("ours", db, False, size), of("echo", "", False, size)
            ratios[db] = [o.updates_per_second / e.updates_per_second for o, e in zip(ours, echo, strict=False)]
        medians = [statistics.median(v) for v in ratios.values() if v]
        rows.append(
            Row(
                "telegram",
                f"ours / echo updates/s, limiters off, K={size}",
                *cells(ratios, "{:.2f}×"),
                f"≥ {GOAL_RATIO}×",
                verdict(medians, lambda r: r >= GOAL_RATIO),
            )
        )
    for limited in (False, True):
        mode = "limiters on (1 run)" if limited else "limiters off"
        for size in sizes:
            for bot in ("ours", "echo"):
                at = f"K={size}, {mode}"
                add(f"updates/s, {at}", lambda r: r.updates_per_second, "{:,.0f}", bot, limited, size)
                add(f"reply ms median, {at}", lambda r: r.median_ms, "{:,.1f}", bot, limited, size)
                add(f"reply ms p99, {at}", lambda r: r.p99_ms, "{:,.1f}", bot, limited, size)
    big = sizes[-1]
    for bot in ("ours", "echo"):
        goal, ok = (f"≤ {GOAL_CALLS}", at_most_goal) if bot == "ours" else ("", None)
        add(f"Bot API calls per step, K={big}", lambda r: r.calls_per_step, "{:.2f}", bot, False, big, goal, ok)
        add(f"CPU ms per update, K={big}, limiters off", lambda r: r.cpu_ms_per_update, "{:.2f}", bot, False, big)
        add(
            "users servable at a 2-s reply under Telegram's limits (60 / calls per step)",
            lambda r: 60 / r.calls_per_step,
            "{:,.0f}",
            bot,
            False,
            big,
        )
    lost = sum(r.lost for runs in results.values() for r in runs)
    rows.append(
        Row(
            "telegram",
            f"steps without a reply within {LOST:.0f} s, all runs",
            str(lost),
            "",
            "0",
            verdict([lost], lambda n: n == 0),
        )
    )
    return rows
