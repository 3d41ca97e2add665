"""PostgreSQL ``LISTEN/NOTIFY`` between the worker processes of one database: small text payloads, both ways.

``Notifications`` holds one connection of its own (asyncpg, outside SQLAlchemy's pool) that listens on one
channel, and sends through the engine's pool: ``send`` only queues the payload, and a task sends what is
queued, in order, in one transaction (``SELECT pg_notify``), so a payload leaves only once the turn that made it
has committed and the order of one worker's payloads is kept. PostgreSQL delivers a payload to every
listening connection, its sender's too: the caller recognises its own.

When the listening connection goes (a database restart, ``pg_terminate_backend``, the network), it is made
again with a growing pause, and ``on_reconnect`` runs, so the caller can read again what it may have missed.
A send that fails is tried again with a growing pause (at most ``BACKLOG`` payloads wait; older ones go).
One warning per outage and one line when it is over; payloads are never logged (they may hold what users
wrote).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

logger = logging.getLogger(__name__)

MAX_PAYLOAD = 7900  # bytes; PostgreSQL refuses payloads of 8000 bytes or more
BACKLOG = 1000  # payloads waiting to be sent while the database is away
PING_SECONDS = 15.0  # a listening connection that is silent this long is asked whether it still lives
FIRST_CONNECT_SECONDS = 5.0  # start-up waits this long for the first LISTEN
MAX_PAUSE = 30.0
FLUSH_SECONDS = 2.0  # at shutdown, what is queued may take this long to leave
NOTIFY = text("SELECT pg_notify(:channel, :payload)")


def fits(payload: str) -> bool:
    return len(payload.encode()) <= MAX_PAYLOAD


class Notifications:
    def __init__(
        self,
        engine: AsyncEngine,
        channel: str,
        on_payload: Callable[[str], None],
        on_reconnect: Callable[[], Awaitable[None]],
    ) -> None:
        self.engine = engine
        self.channel = channel
        self.on_payload = on_payload
        self.on_reconnect = on_reconnect
        self.dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.listening = asyncio.Event()  # set while the LISTEN connection is up
        self._outgoing: asyncio.Queue[str] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._connection: asyncpg.Connection | None = None
        self._lost = False  # set once listening failed or stopped: a new LISTEN reads again what it missed

    @property
    def backend_pid(self) -> int | None:
        """The listening connection's server process (tests end it to play a database restart)."""
        conn = self._connection
        return None if conn is None or conn.is_closed() else conn.get_server_pid()

    async def start(self) -> None:
        """Listen and send in the background; wait a little for the first LISTEN (the rest is retried)."""
        self._tasks = [
            asyncio.create_task(self._listen_forever(), name="wegwijzer-live-listen"),
            asyncio.create_task(self._send_forever(), name="wegwijzer-live-notify"),
        ]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.listening.wait(), FIRST_CONNECT_SECONDS)

    async def stop(self) -> None:
        """Stop listening; send what is queued (for at most ``FLUSH_SECONDS``), then stop sending."""
        if self._tasks:
            self._tasks[0].cancel()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._outgoing.join(), FLUSH_SECONDS)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    def send(self, payload: str) -> None:
        """Queue a payload (at most ``MAX_PAYLOAD`` bytes: ``fits``) for the other workers."""
        if not fits(payload):
            logger.warning("live events: a notification of %d bytes is too large; not sent", len(payload.encode()))
            return
        if self._outgoing.qsize() >= BACKLOG:
            self._outgoing.get_nowait()  # the oldest goes; the receivers read again after an outage
            self._outgoing.task_done()
        self._outgoing.put_nowait(payload)

    async def _send_forever(self) -> None:
        pause, failing = 1.0, False
        while True:
            batch = [await self._outgoing.get()]
            while not self._outgoing.empty() and len(batch) < 100:
                batch.append(self._outgoing.get_nowait())
            while True:
                try:
                    async with self.engine.begin() as conn:
                        for payload in batch:
                            await conn.execute(NOTIFY, {"channel": self.channel, "payload": payload})
                except Exception as error:
                    if not failing:
                        logger.warning("live events: cannot notify the other workers (%s); retrying", _name(error))
                        failing = True
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, MAX_PAUSE)
                    continue
                if failing:
                    logger.info("live events: notifying the other workers again")
                    failing = False
                pause = 1.0
                break
            for _sent in batch:
                self._outgoing.task_done()

    async def _listen_forever(self) -> None:
        pause, outage = 1.0, False
        while True:
            cause = "connection closed"
            try:
                await self._listen()
            except asyncio.CancelledError:
                await self._close()
                raise
            except Exception as error:
                cause = _name(error)
            if self.listening.is_set():  # it was listening: this loss is a new outage
                outage, pause = False, 1.0
            self.listening.clear()
            self._lost = True  # the next connection may have missed something
            await self._close()
            if not outage:
                logger.warning("live events: lost the other workers (%s); reconnecting", cause)
                outage = True
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_PAUSE)

    async def _listen(self) -> None:
        """Connect, LISTEN and stay until the connection goes."""
        gone = asyncio.Event()
        conn = await asyncpg.connect(self.dsn, timeout=10)
        self._connection = conn
        conn.add_termination_listener(lambda _conn: gone.set())
        await conn.add_listener(self.channel, self._received)
        self.listening.set()
        if self._lost:
            logger.info("live events: listening to the other workers again")
            try:
                await self.on_reconnect()
            except Exception as error:
                logger.warning("live events: could not read again what was missed (%s)", _name(error))
        while not gone.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(gone.wait(), PING_SECONDS)
            if not gone.is_set():
                await conn.fetchval("SELECT 1", timeout=10)

    def _received(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            self.on_payload(payload)
        except Exception as error:  # its type only: a payload may hold what a user wrote
            logger.warning("live events: a notification could not be handled (%s)", _name(error))

    async def _close(self) -> None:
        conn, self._connection = self._connection, None
        if conn is not None and not conn.is_closed():
            try:
                await asyncio.wait_for(conn.close(), 5)
            except Exception:
                conn.terminate()


def _name(error: BaseException) -> str:
    return type(error).__name__
