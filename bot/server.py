"""Serving the app over HTTP: aiohttp's runner, with a deadline for a request's headers and no access log.

aiohttp closes a connection that stays idle for ``keepalive_timeout`` (``http_keepalive_seconds``), but a
client that sends its request headers a byte at a time ("slowloris") keeps the connection, and a share of the
server, for as long as it likes. ``HeaderDeadline`` closes a connection whose first request has no complete
headers within ``http_header_timeout_seconds`` of connecting; after that request the keep-alive timeout
(counted from the end of each response, not reset by a trickle of bytes) bounds the next one.

There is no access log: it would write every client's address (see README "Privacy").

``serve`` stops gracefully on SIGTERM or SIGINT (``bot.shutdown``): the listening socket closes first, then
aiohttp's runner gives the requests in flight ``shutdown_grace_seconds`` (its ``shutdown_timeout``) and runs
the app's ``on_shutdown`` and ``cleanup_ctx``; the process then exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from bot.settings import Settings

logger = logging.getLogger(__name__)

HEADERS_END = (b"\r\n\r\n", b"\n\n")


class HeaderDeadline(asyncio.Protocol):
    """Wraps aiohttp's protocol for one connection: closed unless its first request's headers are in on time."""

    def __init__(self, inner: asyncio.Protocol, seconds: float) -> None:
        self.inner = inner
        self.seconds = seconds
        self.transport: asyncio.BaseTransport | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._tail = b""  # the last bytes so far, to find the end of the headers across two reads

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self._timer = asyncio.get_running_loop().call_later(self.seconds, self._expired)
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._timer is not None:
            seen = self._tail + data
            if any(end in seen for end in HEADERS_END):
                self._stop()
            else:
                self._tail = seen[-3:]
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop()
        self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()

    def _stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expired(self) -> None:
        self._timer = None
        logger.info("connection closed: no complete request headers within %s seconds", self.seconds)
        if self.transport is not None:
            self.transport.close()


@dataclass
class Served:
    """A running server: where it listens, and how to stop it (the app's shutdown and cleanup run)."""

    runner: web.AppRunner
    listening: asyncio.Server

    @property
    def port(self) -> int:
        port: int = self.listening.sockets[0].getsockname()[1]
        return port

    async def stop(self) -> None:
        """Refuse new connections, then aiohttp's graceful shutdown: in-flight requests finish (bot/shutdown.py)."""
        self.listening.close()
        await self.runner.cleanup()


async def start(app: web.Application, settings: Settings, host: str | None = None, port: int | None = None) -> Served:
    """Start serving ``app`` on ``host``:``port`` (the settings' by default; port 0: any free port)."""
    runner = web.AppRunner(
        app,
        access_log=None,
        keepalive_timeout=settings.http_keepalive_seconds,
        shutdown_timeout=settings.shutdown_grace_seconds,  # requests in flight at a stop (bot/shutdown.py)
    )
    await runner.setup()
    server = runner.server
    assert server is not None
    seconds = settings.http_header_timeout_seconds
    factory: Callable[[], asyncio.Protocol] = lambda: HeaderDeadline(server(), seconds)  # noqa: E731
    try:
        listening = await asyncio.get_running_loop().create_server(
            factory, settings.host if host is None else host, settings.port if port is None else port
        )
    except BaseException:
        await runner.cleanup()
        raise
    return Served(runner, listening)


def serve(app: web.Application, settings: Settings) -> None:
    """Serve until SIGINT or SIGTERM, then stop cleanly (what ``wegwijzer serve`` runs)."""

    async def until_stopped() -> None:
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):  # not on every platform
                loop.add_signal_handler(signum, stopped.set)
        served = await start(app, settings)
        try:
            await stopped.wait()
        finally:
            await served.stop()
        logger.info("stopped")

    asyncio.run(until_stopped())
