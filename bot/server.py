"""Serving the app over HTTP: aiohttp's runner, with a deadline for a request's headers and no access log.

aiohttp closes a connection that stays idle for ``keepalive_timeout`` (``http_keepalive_seconds``), but a
client that sends its request headers a byte at a time ("slowloris") keeps the connection, and a share of the
server, for as long as it likes. ``HeaderDeadline`` closes a connection whose first request has no complete
headers within ``http_header_timeout_seconds`` of connecting; after that request the keep-alive timeout
(counted from the end of each response, not reset by a trickle of bytes) bounds the next one.

There is no access log: it would write every client's address (see README "Privacy").

The port is bound before the app starts (a port in use is ``PortUnavailable``, before any other work), and
"serving on http://host:port/" is logged only once the socket accepts connections.

``serve`` stops gracefully on SIGTERM or SIGINT (``bot.shutdown``): the listening socket closes first, then
aiohttp's runner gives the requests in flight ``shutdown_grace_seconds`` (its ``shutdown_timeout``) and runs
the app's ``on_shutdown`` and ``cleanup_ctx``; the process then exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from bot.settings import Settings, env_name

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


class PortUnavailable(Exception):
    """The address to listen on cannot be had (in use, not ours, or privileged); the message names the port."""

    def __init__(self, host: str, port: int, error: OSError) -> None:
        in_use = error.errno == errno.EADDRINUSE
        why = "is already in use" if in_use else f"cannot be used ({error.strerror or error})"
        super().__init__(
            f"Port {port} on {host} {why}: choose another with --port or {env_name('port')}"
            + ("" if in_use else f" (the address: --host or {env_name('host')})")
            + "."
        )
        self.port = port


async def start(
    app: web.Application,
    settings: Settings,
    host: str | None = None,
    port: int | None = None,
    before_setup: Callable[[], Awaitable[None]] | None = None,
) -> Served:
    """Start serving ``app`` on ``host``:``port`` (the settings' by default; port 0: any free port).

    The port is bound first, so a port in use stops start-up before anything else (``PortUnavailable``); then
    ``before_setup`` (e.g. the database's pre-flight, bot/startup.py) and the app's start-up run, and only then
    does the socket accept connections.
    """
    host = settings.host if host is None else host
    port = settings.port if port is None else port
    runner = web.AppRunner(
        app,
        access_log=None,
        keepalive_timeout=settings.http_keepalive_seconds,
        shutdown_timeout=settings.shutdown_grace_seconds,  # requests in flight at a stop (bot/shutdown.py)
    )
    seconds = settings.http_header_timeout_seconds

    def connection() -> asyncio.Protocol:  # called only once the socket accepts, after runner.setup()
        assert runner.server is not None
        return HeaderDeadline(runner.server(), seconds)

    try:
        listening = await asyncio.get_running_loop().create_server(connection, host, port, start_serving=False)
    except OSError as exc:
        raise PortUnavailable(host, port, exc) from None
    try:
        if before_setup is not None:
            await before_setup()
        await runner.setup()
        await listening.start_serving()
    except BaseException:
        listening.close()
        await runner.cleanup()
        raise
    return Served(runner, listening)


def url(host: str, port: int) -> str:
    """The address a browser opens for ``host``:``port``."""
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def stop_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM (installed before start-up, so a stop during it is not lost)."""
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on every platform
            loop.add_signal_handler(signum, stopped.set)
    return stopped


async def run_until(served: Served, host: str, stopped: asyncio.Event) -> None:
    """Say where ``served`` listens (once, now that it accepts), serve until ``stopped``, then stop cleanly."""
    try:
        logger.info("serving on %s", url(host, served.port))
        await stopped.wait()
    finally:
        await served.stop()
    logger.info("stopped")


def serve(app: web.Application, settings: Settings) -> None:
    """Serve until SIGINT or SIGTERM, then stop cleanly (``wegwijzer serve`` adds its pre-flight: bot/startup.py)."""

    async def until_stopped() -> None:
        stopped = stop_signals()
        await run_until(await start(app, settings), settings.host, stopped)

    asyncio.run(until_stopped())
