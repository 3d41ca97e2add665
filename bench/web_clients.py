"""What the web-chat and relay benchmarks drive: the product served by ``python -m bot serve`` in a process of its
own, on a temporary SQLite file or on a fresh PostgreSQL database, and web-chat pages that speak its protocol.

A ``Page`` does what ``bot/channels/static/chat.js`` does: it opens ``/chat/ws`` with the subprotocol
``wegwijzer.resume`` and the ``Origin`` of our own page, sends ``resume`` first, sends one frame at a time (each with
a fresh random id) and waits for the answer with that ``reply_to``, and trades every ``rotate`` ticket at
``POST /chat/rotate`` (with ``Origin``) for the cookie, which it keeps for its next request.

The product limits what one network address may do (``config/default.toml``: ``web_sockets_per_address``,
``web_conversations_per_minute``, ``web_handoffs_per_hour``). Every benchmark client comes from 127.0.0.1, so
``served`` raises these limits through the server process's environment (``LIMITS``); nothing else is changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
LIMITS = {
    "WEGWIJZER_WEB_SOCKETS_PER_ADDRESS": "100000",
    "WEGWIJZER_WEB_CONVERSATIONS_PER_MINUTE": "10000",
    "WEGWIJZER_WEB_HANDOFFS_PER_HOUR": "10000",
}
PROTOCOL = "wegwijzer.resume"
COOKIE = "wegwijzer_sessie"
ANSWER_SECONDS = 10.0  # no answer in this time counts as an error


def raise_file_limit() -> int:
    """Allow this process as many open sockets as the system lets it; the new soft limit."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def database(kind: str, postgres_url: str, folder: Path) -> AsyncIterator[str]:
    """The URL of an empty database: a SQLite file in ``folder``, or a PostgreSQL database made for this run."""
    if kind == "sqlite":
        yield f"sqlite:///{folder}/bench.sqlite3"
        return
    name = f"bench_{secrets.token_hex(6)}"
    admin_url = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def _env(database_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, **LIMITS, **(extra or {})}
    env.pop("WEGWIJZER_CONFIG", None)
    env.pop("TELEGRAM_TOKEN", None)
    return env


async def cli(database_url: str, *args: str, stdin: str = "") -> None:
    """Run ``python -m bot ARGS`` (``db upgrade``, ``agent add``) on the database; raise when it fails."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=ROOT,
        env=_env(database_url),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    out, _ = await process.communicate(stdin.encode())
    if process.returncode != 0:
        raise RuntimeError(f"python -m bot {' '.join(args[:2])} failed: {out.decode()[-500:]}")


@dataclass
class Server:
    """One ``python -m bot serve`` process."""

    process: asyncio.subprocess.Process
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def origin(self) -> dict[str, str]:
        return {"Origin": self.base}

    def rss_kib(self) -> int:
        """The resident memory of the server process (``VmRSS`` of ``/proc/<pid>/status``), in KiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def cpu_seconds(self) -> float:
        """User and system CPU time of the server process so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.asynccontextmanager
async def served(database_url: str, folder: Path, extra_env: dict[str, str] | None = None) -> AsyncIterator[Server]:
    """The product on ``database_url`` in its own process, ready to answer; stopped (SIGTERM) afterwards."""
    port = free_port()
    log = folder / f"server-{port}.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "serve",
            "--port",
            str(port),
            cwd=ROOT,
            env=_env(database_url, extra_env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, port, log)
    try:
        await _ready(server)
        yield server
    finally:
        if process.returncode is None:
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()


async def _ready(server: Server, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if server.process.returncode is not None:
                raise RuntimeError(f"the server stopped: {server.log.read_text()[-800:]}")
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(server.base + "/healthz") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.2)
    raise RuntimeError("the server did not start in time")


def temporary_folder() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="wegwijzer-bench-")


@dataclass
class Page:
    """One open web-chat page (one browser tab) with its own cookie."""

    http: aiohttp.ClientSession
    server: Server
    cookie: str | None = None
    screen: list[dict[str, Any]] = field(default_factory=list)
    pushed: asyncio.Queue[tuple[float, dict[str, Any]]] = field(default_factory=asyncio.Queue)
    errors: int = 0
    ws: aiohttp.ClientWebSocketResponse | None = None
    _waiting: dict[str, asyncio.Future[tuple[float, dict[str, Any]]]] = field(default_factory=dict)
    _reader: asyncio.Task[None] | None = None
    _trades: set[asyncio.Task[None]] = field(default_factory=set)

    async def open(self) -> None:
        """Open the socket as the page does: ``resume`` first, then the history it is sent."""
        headers = dict(self.server.origin)
        if self.cookie is not None:
            headers["Cookie"] = f"{COOKIE}={self.cookie}"
        self.ws = await self.http.ws_connect(
            self.server.base + "/chat/ws", protocols=[PROTOCOL], headers=headers, heartbeat=None
        )
        await self.ws.send_str(json.dumps({"type": "resume", "seq": 0, "chat": None}))
        first = await self.ws.receive_json(timeout=ANSWER_SECONDS)
        if first.get("type") != "history":
            raise RuntimeError(f"expected the history, got {first.get('type')}")
        self.screen = first["messages"]
        self._reader = asyncio.create_task(self._read())

    async def tap(self, key: str) -> float:
        """Tap an option or action; the milliseconds from the frame sent to its answer."""
        return await self._send({"type": "choice", "key": key})

    async def say(self, text: str) -> float:
        return await self._send({"type": "text", "text": text})

    async def _send(self, frame: dict[str, Any]) -> float:
        assert self.ws is not None
        frame_id = secrets.token_hex(12)
        answer: asyncio.Future[tuple[float, dict[str, Any]]] = asyncio.get_running_loop().create_future()
        self._waiting[frame_id] = answer
        started = time.perf_counter()
        await self.ws.send_str(json.dumps({**frame, "id": frame_id}))
        try:
            arrived, reply = await asyncio.wait_for(answer, ANSWER_SECONDS)
        finally:
            self._waiting.pop(frame_id, None)
        if reply["type"] != "messages":
            raise RuntimeError(f"error frame: {reply.get('code')}")
        if any(m["options"] or m["actions"] for m in reply["messages"]):
            self.screen = reply["messages"]
        return (arrived - started) * 1000

    async def _read(self) -> None:
        assert self.ws is not None
        async for message in self.ws:
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue
            arrived = time.perf_counter()
            frame = json.loads(message.data)
            kind, reply_to = frame.get("type"), frame.get("reply_to")
            if kind == "rotate":
                trade = asyncio.create_task(self._trade(frame["ticket"]))
                self._trades.add(trade)
                trade.add_done_callback(self._trades.discard)
            elif reply_to is not None and reply_to in self._waiting:
                if not self._waiting[reply_to].done():
                    self._waiting[reply_to].set_result((arrived, frame))
            elif kind == "messages":
                self.pushed.put_nowait((arrived, frame))
        for waiting in self._waiting.values():
            if not waiting.done():
                waiting.set_exception(RuntimeError(f"socket closed ({self.ws.close_code})"))

    async def _trade(self, ticket: str) -> None:
        """What the page does with a ``rotate`` frame: the ticket for the new cookie."""
        headers = dict(self.server.origin)
        if self.cookie is not None:
            headers["Cookie"] = f"{COOKIE}={self.cookie}"
        try:
            async with self.http.post(
                self.server.base + "/chat/rotate", json={"ticket": ticket}, headers=headers
            ) as response:
                if response.status != 204:
                    self.errors += 1
                    return
                morsel = response.cookies.get(COOKIE)
                self.cookie = morsel.value if morsel is not None else self.cookie
        except aiohttp.ClientError:
            self.errors += 1

    async def close(self) -> None:
        if self._trades:
            await asyncio.gather(*self._trades, return_exceptions=True)
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader


def client_session() -> aiohttp.ClientSession:
    """One HTTP client for many pages: no connection limit, no shared cookies (each page keeps its own)."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0, force_close=False),
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=30),
    )
