"""``wegwijzer serve`` stopped by SIGTERM, as a process manager stops it during a deploy (bot/shutdown.py).

A real server process on SQLite with Telegram on the fake Bot API: a webhook call whose turn is still waiting
for the database, a reply being sent, and a reply whose send hangs. After SIGTERM a new connection is refused,
the turn in flight is committed and answered 200, the send in progress finishes, the hanging one is given up
when ``shutdown_grace_seconds`` runs out (its row stays in the outbox for the next process), and the process
exits 0 within the grace.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import sqlite3
import time
from pathlib import Path

import aiohttp
from pytest_aiohttp import AiohttpClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.dialogs.dialog import Dialog
from bot.settings import Settings
from bot.shutdown import DRAIN
from tests.bot.test_cli import WEGWIJZER, environment, run
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.telegram_harness import SECRET, SECRET_HEADER, WEBHOOK_PATH
from tests.fakes.telegram_updates import Updates

GRACE = 1.5
LATE = 3.0  # seconds after the grace the process may take to exit (a hanging send only times out after 5 s, then
# is tried again: a process that waited for it would exit far later; 3 s leaves room for a slow, loaded machine)
SENT, IN_FLIGHT, HANGING = 501, 502, 503  # three private chats


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def until_up(session: aiohttp.ClientSession, base: str) -> None:
    for _attempt in range(150):
        try:
            async with session.get(f"{base}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("the server never answered /healthz")


async def test_sigterm_finishes_what_is_in_flight_within_the_grace_and_exits_0(
    tmp_path: Path, bot_api: FakeBotApi
) -> None:
    code, _, _ = await run(tmp_path, "db", "upgrade")
    assert code == 0
    database = tmp_path / "cli.sqlite3"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = environment(
        tmp_path,
        TELEGRAM_TOKEN=bot_api.token,
        TELEGRAM_API_BASE_URL=bot_api.base_url,
        WEGWIJZER_TELEGRAM_WEBHOOK_SECRET=SECRET,
        WEGWIJZER_SHUTDOWN_GRACE_SECONDS=str(GRACE),
    )
    server = await asyncio.create_subprocess_exec(
        *WEGWIJZER, "serve", "--port", str(port), env=env, stdout=asyncio.subprocess.DEVNULL
    )
    updates = Updates()
    headers = {SECRET_HEADER: SECRET}
    lock: sqlite3.Connection | None = None
    try:
        async with aiohttp.ClientSession() as session:
            await until_up(session, base)
            sending = bot_api.hold(SENT)  # its reply is being sent when the stop comes
            hanging = bot_api.hold(HANGING)  # its reply's send never ends
            webhook = f"{base}{WEBHOOK_PATH}"
            for chat in (SENT, HANGING):
                async with session.post(webhook, json=updates.text(chat, "/start"), headers=headers) as answered:
                    assert answered.status == 200
            await asyncio.sleep(0.3)  # the sender has both chats' sends under way (held by the fake)

            lock = sqlite3.connect(database, timeout=5, isolation_level=None)
            lock.execute("BEGIN IMMEDIATE")  # the next turn waits for the database inside its transaction
            in_flight_update = updates.text(IN_FLIGHT, "/start")
            in_flight = asyncio.create_task(session.post(webhook, json=in_flight_update, headers=headers))
            await asyncio.sleep(0.3)
            assert not in_flight.done()

            server.send_signal(signal.SIGTERM)
            stopped_at = time.monotonic()
            await asyncio.sleep(0.2)
            try:  # a new connection after the signal: refused (or, had it got in, 503)
                async with aiohttp.ClientSession() as fresh, fresh.get(f"{base}/healthz") as late:
                    assert late.status == 503
            except aiohttp.ClientConnectionError:
                pass

            lock.execute("COMMIT")  # the database is free: the turn in flight goes on
            lock.close()
            lock = None
            response = await asyncio.wait_for(in_flight, 5)
            assert response.status == 200, "the turn in flight is finished and answered"
            response.release()

            await asyncio.sleep(0.1)
            assert server.returncode is None, "the stop waits for the send in progress"
            sending.set()
            code = await asyncio.wait_for(server.wait(), GRACE + LATE)
            took = time.monotonic() - stopped_at
    finally:
        if lock is not None:
            lock.close()
        if server.returncode is None:
            server.kill()
            await server.wait()
    assert code == 0
    assert took < GRACE + LATE
    assert bot_api.texts(SENT) and bot_api.texts(SENT)[0].startswith("Hoi, ik ben de Wegwijzer.")

    with sqlite3.connect(database) as db:
        committed = db.execute(
            "SELECT count(*) FROM processed_updates WHERE channel = 'telegram' AND update_id = ?",
            (str(in_flight_update["update_id"]),),
        ).fetchone()[0]
        lines = db.execute(
            "SELECT count(*) FROM transcript_entries t JOIN conversations c ON c.id = t.conversation_id "
            "WHERE c.chat_id = ? AND t.sender = 'user'",
            (str(IN_FLIGHT),),
        ).fetchone()[0]
        left = {chat for (chat,) in db.execute("SELECT DISTINCT chat_id FROM outbox")}
    assert committed == 1 and lines == 1, "the turn in flight is committed, once"
    assert str(HANGING) in left, "what was not sent stays in the outbox for the next process"
    assert str(SENT) not in left
    assert left <= {str(HANGING), str(IN_FLIGHT)}  # the in-flight turn's reply: sent, or waiting in the outbox
    hanging.set()


async def test_a_request_that_reaches_the_app_while_it_stops_gets_503(
    aiohttp_client: AiohttpClient, settings: Settings, dialog: Dialog, sqlite_database: AsyncEngine
) -> None:
    client = await aiohttp_client(create_app(settings, dialog=dialog))
    assert (await client.get("/healthz")).status == 200
    client.app[DRAIN].begin()  # what aiohttp's on_shutdown does at a stop
    refused = await client.get("/healthz")
    assert refused.status == 503 and refused.headers["Retry-After"]
    assert 0 < client.app[DRAIN].left() <= settings.shutdown_grace_seconds
