"""The open console sockets, per session (by the hash of its token), so a session's end closes them.

A socket is only as good as the session it was opened with: logging out closes that session's sockets
at once, and ``revalidate`` (the socket's heartbeat and the console's watchdog) closes the sockets of a
session that expired or whose agent was deactivated. Closing never waits for the browser: each close
runs in its own task, so a slow or silent browser cannot hold up a logout.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from aiohttp import web

from storage.agents import AgentStore

logger = logging.getLogger(__name__)

SESSION_ENDED = 4401  # close code: log in again (the console's script goes to the login page)
SHUTDOWN = 1001


class ConsoleSockets:
    def __init__(self) -> None:
        self._by_session: dict[str, set[web.WebSocketResponse]] = {}
        self._closing: set[asyncio.Task[bool]] = set()

    def add(self, token_hash: str, socket: web.WebSocketResponse) -> None:
        self._by_session.setdefault(token_hash, set()).add(socket)

    def discard(self, token_hash: str, socket: web.WebSocketResponse) -> None:
        sockets = self._by_session.get(token_hash)
        if sockets is not None:
            sockets.discard(socket)
            if not sockets:
                del self._by_session[token_hash]

    def open_for(self, token_hash: str) -> int:
        return len(self._by_session.get(token_hash, ()))

    def __len__(self) -> int:
        return sum(len(sockets) for sockets in self._by_session.values())

    def close_session(self, token_hash: str, code: int = SESSION_ENDED, message: bytes = b"session ended") -> None:
        """Close every socket of this session (in the background) and forget them."""
        for socket in self._by_session.pop(token_hash, set()):
            self._close(socket, code, message)

    async def revalidate(self, agents: AgentStore, idle_since: datetime, started_since: datetime | None = None) -> int:
        """Close the sockets of sessions that are gone, idle since before ``idle_since``, started before
        ``started_since``, or of inactive agents."""
        ended = 0
        for token_hash in list(self._by_session):
            if not await agents.session_alive(token_hash, idle_since, started_since):
                logger.info("console session ended; closing its sockets")
                self.close_session(token_hash)
                ended += 1
        return ended

    async def close_all(self) -> None:
        for token_hash in list(self._by_session):
            self.close_session(token_hash, SHUTDOWN, b"server shutdown")
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

    def _close(self, socket: web.WebSocketResponse, code: int, message: bytes) -> None:
        task = asyncio.create_task(socket.close(code=code, message=message))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)
