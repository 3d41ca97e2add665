"""A client that sends a POST's headers and then stalls or trickles its body is cut off (bot/http_bodies.py).

Over real sockets against the real server (``bot.server.start``): the Telegram webhook and the console login.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.dialogs.dialog import Dialog
from bot.server import Served, start
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.telegram_harness import SECRET, WEBHOOK_PATH, telegram_settings

LIMIT = 1.0  # http_body_timeout_seconds here


@pytest.fixture
async def served(
    bot_api: FakeBotApi, sqlite_database: AsyncEngine, dialog: Dialog, tmp_path: Path
) -> AsyncIterator[Served]:
    settings = telegram_settings(tmp_path, bot_api, http_body_timeout_seconds=LIMIT)
    running = await start(create_app(settings, dialog=dialog), settings, host="127.0.0.1", port=0)
    yield running
    await running.stop()


def head(path: str, length: int, *extra: str) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {length}", *extra, "", ""]
    return "\r\n".join(lines).encode()


async def answer_and_close(reader: asyncio.StreamReader, within: float) -> bytes:
    """The answer's status line; fails unless the server also closes the connection within ``within``."""
    async with asyncio.timeout(within):
        status = await reader.readline()
        await reader.read()  # returns only at EOF: the server closed the connection
    return status


WEBHOOK = (WEBHOOK_PATH, ("Content-Type: application/json", f"X-Telegram-Bot-Api-Secret-Token: {SECRET}"))
LOGIN = ("/console/login", ("Content-Type: application/x-www-form-urlencoded",))


@pytest.mark.parametrize(("path", "headers"), [WEBHOOK, LOGIN], ids=["webhook", "console-login"])
async def test_a_stalled_body_gets_408_and_the_connection_is_closed(
    served: Served, path: str, headers: tuple[str, ...]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    try:
        writer.write(head(path, 500, *headers) + b'{"update_id": 1, "mess')  # 22 of 500 bytes, then nothing
        await writer.drain()
        began = time.monotonic()
        status = await answer_and_close(reader, LIMIT + 2.0)
        assert status.startswith(b"HTTP/1.1 408"), status
        assert time.monotonic() - began < LIMIT + 1.0, "the stalled client kept its connection"
    finally:
        writer.close()


async def test_a_trickled_body_is_cut_off_at_the_limit_too(served: Served) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    body = b'{"update_id": 1, "message": {}}' + b" " * 200

    async def trickle() -> None:  # a byte every 0.1 s: the body would take 23 s
        for byte in body:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.1)

    writer.write(head(WEBHOOK[0], len(body), *WEBHOOK[1]))
    began = time.monotonic()
    sending = asyncio.create_task(trickle())
    try:
        status = await answer_and_close(reader, LIMIT + 2.0)
        assert status.startswith(b"HTTP/1.1 408") and time.monotonic() - began < LIMIT + 1.5
    finally:
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await sending
        writer.close()


async def test_a_slow_but_steady_body_that_is_in_on_time_is_served(served: Served) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    body = b'{"update_id": "not a number"}'
    try:
        writer.write(head(WEBHOOK[0], len(body), *WEBHOOK[1], "Connection: close"))
        for i in range(0, len(body), 8):  # four pieces, 0.15 s apart: 0.45 s of a 1 s limit
            writer.write(body[i : i + 8])
            await writer.drain()
            await asyncio.sleep(0.15)
        status = await answer_and_close(reader, 5.0)
        assert status.startswith(b"HTTP/1.1 400"), status  # read whole, then judged: not an update
    finally:
        writer.close()
