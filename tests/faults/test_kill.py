"""Kill -9 of the server at random moments under load, restart, at least 20 times, on SQLite and PostgreSQL.

The load (``load.py``): Telegram users by webhook with Telegram's retry contract (a non-2xx or a lost connection:
the same update again later), web-chat pages that reconnect and resend as the page does, and an agent replying in
the console with a ``message_id`` (the same id again after an error). The fake Bot API runs in this process, so it
outlives every kill and records every sendMessage. After the last kill the run settles (the outbox drains), then:

- every Telegram update acknowledged with 2xx has its reply (the re-ask "Dat begreep ik niet…");
- every user message (Telegram and web) is in the transcript exactly once, none acknowledged and missing;
- every agent message reached its user once: on Telegram at most one documented duplicate (a crash after
  Telegram took the message and before its outbox row was deleted), counted; in the web chat exactly once;
- the queue is consistent: no conversation with two open hand-offs, every live hand-off has an agent;
  the outbox is empty, and every acknowledged update id is in processed_updates.

``make test-faults`` runs it (``.ci/run`` too); it prints a table of the counts per database.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import create_engine
from tests.conftest import sqlite_url
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.telegram_updates import Updates
from tests.faults.load import REASK, Agent, Stats, TelegramUser, WebPage
from tests.faults.server import PASSWORD, Server, command, environment, free_port

KILLS = int(os.environ.get("WEGWIJZER_FAULT_KILLS", "22"))
LOAD_SECONDS = (0.5, 2.5)  # load between a restart and the next kill
TELEGRAM_USERS = 4  # the bot answers these
WEB_USERS = 2
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        yield str(request.getfixturevalue("postgres_url"))


async def rows(engine: AsyncEngine, sql: str) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.exec_driver_sql(sql)).all())


async def wait_for(predicate: Any, within: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await predicate():
        if loop.time() > deadline:
            raise AssertionError(f"never happened within {within:.0f} s: {what}")
        await asyncio.sleep(0.2)


async def test_kill_9_under_load(database_url: str, tmp_path: Path) -> None:
    began = time.monotonic()
    seed = int(os.environ.get("WEGWIJZER_FAULT_SEED", str(random.randrange(1_000_000))))
    random.seed(seed)
    kind = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    api = FakeBotApi()
    await api.start()
    port = free_port()
    env = environment(database_url, api, port)
    db = create_engine(database_url)
    if kind == "postgresql":  # a database of its own for this test: empty it
        async with db.begin() as conn:
            await conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            await conn.exec_driver_sql("CREATE SCHEMA public")
    await command(env, "db", "upgrade")
    await command(env, "agent", "add", "anna", "--display-name", "Anna", stdin=PASSWORD + "\n" + PASSWORD + "\n")
    server = Server(env, port, tmp_path / "server.log")
    stats = Stats()
    updates = Updates(start=5000)
    http = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
    agent = Agent(server.url, stats)
    stop_load, pages_done = asyncio.Event(), asyncio.Event()
    kill_times: list[float] = []
    try:
        await server.start()
        # --- warm-up, no kills: conversations exist, two users with a person (Telegram and web) ------------
        users = [
            TelegramUser(f"tg{n}", 900_000 + n, server.url, updates, api, stats) for n in range(TELEGRAM_USERS + 1)
        ]
        for user in users:
            await user.say(http, "/start")
        live_tg = users[0]
        await live_tg.say(http, "mens")
        live_tg.expect_replies = False
        pages = [WebPage(f"web{n}", server.url, stats) for n in range(WEB_USERS + 1)]
        connections = [asyncio.create_task(page.connect_forever(http, pages_done)) for page in pages]
        for page in pages:
            page.type(key="opt:welkom:start")
            assert await page.answered_all(15), f"{page.name}: no answer to its first frame"
            await asyncio.sleep(1.5)  # the ticket is traded (the conversation's cookie)
        live_web = pages[0]
        live_web.type("mens")
        assert await live_web.answered_all(15)
        await agent.login("anna", PASSWORD)
        queued = await rows(
            db,
            "SELECT h.id, c.channel, c.chat_id FROM handoffs h JOIN conversations c ON c.id = h.conversation_id "
            "WHERE h.status = 'queued' ORDER BY h.id",
        )
        assert len(queued) == 2, queued
        names: dict[int, str] = {}
        for handoff_id, channel, chat_id in queued:
            await agent.claim(handoff_id)
            names[handoff_id] = live_tg.name if channel == "telegram" else live_web.name
            assert channel == "web" or chat_id == str(live_tg.chat_id)
        handoff_of = {name: handoff_id for handoff_id, name in names.items()}
        await api.wait_until(lambda: any("Anna" in t for t in api.texts(live_tg.chat_id)), within=15)

        # --- the load, and kill -9 at random moments ---------------------------------------------------------
        load = [asyncio.create_task(user.run(http, stop_load)) for user in users]
        load += [asyncio.create_task(page.run(stop_load)) for page in pages]
        load.append(asyncio.create_task(agent.run(stop_load, names)))
        for _kill in range(KILLS):
            await asyncio.sleep(random.uniform(*LOAD_SECONDS))
            for task in load:
                if task.done():
                    task.result()  # an actor failed: show why now
            kill_times.append(time.monotonic())
            await server.kill()
            await asyncio.sleep(random.uniform(0.0, 0.5))
            await server.start()
        await asyncio.sleep(2.0)
        stop_load.set()
        await asyncio.wait_for(asyncio.gather(*load), 120)  # each finishes what it was delivering

        # --- settle: every page answered, the outbox empty, the fake Bot API quiet ---------------------------
        for page in pages:
            assert await page.answered_all(60), f"{page.name}: frames never answered: {list(page.pending)}"

        async def drained() -> bool:
            return bool((await rows(db, "SELECT count(*) FROM outbox"))[0][0] == 0)

        await wait_for(drained, 90, "the outbox drains")
        quiet_since = len(api.calls)
        await asyncio.sleep(2.0)
        while len(api.calls) != quiet_since:
            quiet_since = len(api.calls)
            await asyncio.sleep(2.0)
        await asyncio.sleep(1.0)  # pushes and resumes reach the pages

        async def live_page_caught_up() -> bool:  # a page may still be reconnecting after the last start
            shown = Counter(live_web.shown("agent"))
            return all(shown[text] >= 1 for text in agent.sent.get(handoff_of[live_web.name], []))

        with contextlib.suppress(AssertionError):  # late is waited for; a message never shown is a problem below
            await wait_for(live_page_caught_up, 30, "the live page shows every agent message")
        pages_done.set()
        await asyncio.wait_for(asyncio.gather(*connections), 30)
        await server.stop()

        # --- the checks --------------------------------------------------------------------------------------
        problems: list[str] = []
        user_lines = Counter(t for (t,) in await rows(db, "SELECT text FROM transcript_entries WHERE sender = 'user'"))
        agent_lines = Counter(
            t for (t,) in await rows(db, "SELECT text FROM transcript_entries WHERE sender = 'agent'")
        )
        for text, count in user_lines.items():
            if " bericht " in text and count > 1:
                problems.append(f"user message {text!r} is in the transcript {count} times")
        for text, count in agent_lines.items():
            if count > 1:
                problems.append(f"agent message {text!r} is in the transcript {count} times")

        # Telegram: acknowledged → in the transcript once, with its reply (bot users)
        replies = duplicate_replies = acked_texts = 0
        for user in users:
            for text in user.texts():
                acked_texts += 1
                if user_lines[text] != 1:
                    problems.append(f"{user.name}: acknowledged {text!r} is in the transcript {user_lines[text]} times")
            if user is live_tg:
                continue
            expected, got = len(user.texts()), user.replies()
            replies += got
            if got < expected:
                problems.append(f"{user.name}: {expected} acknowledged texts but only {got} replies")
            duplicate_replies += max(0, got - expected)
            if got - expected > len(kill_times):
                problems.append(f"{user.name}: {got - expected} duplicate replies for {len(kill_times)} kills")
        processed = {u for (u,) in await rows(db, "SELECT update_id FROM processed_updates WHERE channel = 'telegram'")}
        for user in users:
            for update_id, _text in user.acked:
                if str(update_id) not in processed:
                    problems.append(f"{user.name}: acknowledged update {update_id} not in processed_updates")

        # web: every typed text answered and in the transcript once; the page shows each agent message once
        web_texts = web_replies = 0
        for page in pages:
            for text in page.typed:
                if " bericht " not in text:
                    continue
                web_texts += 1
                if user_lines[text] != 1:
                    problems.append(f"{page.name}: typed {text!r} is in the transcript {user_lines[text]} times")
            if page is not live_web:  # the bot answers each text once: the page shows one re-ask per text
                asked = sum(" bericht " in t for t in page.typed)
                reasks = sum(REASK in t for t in page.shown("bot"))
                web_replies += reasks
                if reasks != asked:
                    problems.append(f"{page.name}: {asked} texts typed, {reasks} re-asks shown")
            if len(page.chats) > 1:
                problems.append(f"{page.name}: the page was moved to another conversation ({len(page.chats)} chats)")

        # agent messages: acknowledged → transcript once; Telegram once (or one documented duplicate); web once
        agent_duplicates = 0
        tg_texts = api.texts(live_tg.chat_id)
        for text in agent.sent[handoff_of[live_tg.name]]:
            copies = sum(t == f"Anna:\n{text}" for t in tg_texts)
            if copies == 2:  # the documented case: a kill between Telegram taking it and its row's delete
                agent_duplicates += 1
                first, second = (c.at for c in api.calls_of("sendMessage") if c.params["text"] == f"Anna:\n{text}")
                if not any(first < at < second for at in kill_times):
                    problems.append(f"agent message {text!r} was sent twice without a kill in between")
            elif copies != 1:
                problems.append(f"agent message {text!r} reached the Telegram user {copies} times")
        shown = Counter(live_web.shown("agent"))
        for text in agent.sent[handoff_of[live_web.name]]:
            if shown[text] != 1:
                problems.append(f"agent message {text!r} is shown {shown[text]} times in the web page")
        for texts in agent.sent.values():
            for text in texts:
                if agent_lines[text] != 1:
                    problems.append(f"agent message {text!r} is in the transcript {agent_lines[text]} times")

        # the queue
        open_twice = await rows(
            db,
            "SELECT conversation_id, count(*) FROM handoffs WHERE status IN ('queued', 'live') "
            "GROUP BY conversation_id HAVING count(*) > 1",
        )
        if open_twice:
            problems.append(f"conversations with two open hand-offs: {open_twice}")
        orphans = await rows(db, "SELECT id FROM handoffs WHERE status = 'live' AND agent_id IS NULL")
        if orphans:
            problems.append(f"live hand-offs without an agent: {orphans}")
        live = await rows(db, "SELECT id FROM handoffs WHERE status = 'live' ORDER BY id")
        if sorted(h for (h,) in live) != sorted(names):
            problems.append(f"the claimed hand-offs are not live any more: {live}")
        outbox = (await rows(db, "SELECT count(*) FROM outbox"))[0][0]
        if outbox:
            problems.append(f"{outbox} outbox rows never sent")

        table = [
            ("database", kind),
            ("seed (WEGWIJZER_FAULT_SEED)", seed),
            ("kills (SIGKILL) / starts", f"{server.kills} / {server.starts}"),
            ("start-up seconds (median)", f"{sorted(server.start_seconds)[len(server.start_seconds) // 2]:.2f}"),
            ("telegram updates (distinct / POSTs)", f"{stats.updates} / {stats.updates_posted}"),
            ("  acknowledged 2xx", stats.acknowledged),
            ("  refused or lost, redelivered", dict(stats.webhook_failures)),
            ("  user texts acknowledged", acked_texts),
            ("  bot replies (re-asks) sent", replies),
            ("  duplicate replies (crash after send)", duplicate_replies),
            ("web frames (typed / sent)", f"{stats.frames} / {stats.frames_sent}"),
            ("  answered", stats.frames_answered),
            ("  error frames", dict(stats.frame_errors)),
            (
                "  reconnects / chat switched / tickets failed",
                f"{stats.reconnects} / {stats.chat_switched} / {stats.tickets_failed}",
            ),
            ("  user texts typed", web_texts),
            ("  bot replies (re-asks) shown", web_replies),
            ("agent messages (distinct / POSTs)", f"{stats.agent_messages} / {stats.agent_posts}"),
            ("  acknowledged 2xx", stats.agent_acknowledged),
            ("  failed, resent", dict(stats.agent_failures)),
            ("  duplicates on Telegram (crash after send)", agent_duplicates),
            ("transcript lines (user / agent)", f"{sum(user_lines.values())} / {sum(agent_lines.values())}"),
            ("sendMessage calls recorded", len(api.calls_of("sendMessage"))),
            ("problems", len(problems)),
            ("seconds", f"{time.monotonic() - began:.0f}"),
        ]
        width = max(len(k) for k, _v in table)
        report = "\n".join(f"  {k:<{width}}  {v}" for k, v in table)
        report = f"\nkill -9 fault harness, {kind}:\n{report}\n"
        for problem in problems[:40]:
            report += f"  PROBLEM: {problem}\n"
        print(report)
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"faults-{kind}.txt").write_text(report)
        assert not problems, f"{len(problems)} problems (log: test-artifacts/faults-{kind}-server.log):\n" + "\n".join(
            problems[:40]
        )
        assert server.kills >= 20
        assert duplicate_replies + agent_duplicates <= server.kills, "duplicates are not rare"
    finally:
        stop_load.set()
        pages_done.set()
        if server.process is not None and server.process.returncode is None:
            await server.kill()
        if server.log.exists():  # the server's output of every start, for a failure's post-mortem
            ARTIFACTS.mkdir(exist_ok=True)
            (ARTIFACTS / f"faults-{kind}-server.log").write_bytes(server.log.read_bytes())
        await agent.close()
        await http.close()
        await db.dispose()
        await api.close()
