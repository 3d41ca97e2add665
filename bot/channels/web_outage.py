"""The database away, as the web chat sees it: which errors mean "try again in a moment", and one log line each.

While the database cannot be reached (a restart, a failover, ``ALLOW_CONNECTIONS false``, a full connection
pool) every frame would fail the same way. That is not a bug in the frame: the socket answers it with the
retryable error ``unavailable`` (the page keeps the message and sends it again, ``static/chat.js``), and the
log gets one warning when the outage starts and one line when the database answers again, never a traceback
per frame, and never the text or the address. Nothing needs a restart: the engine's connection pool connects
again by itself (``pool_pre_ping`` on PostgreSQL), and the next frame that gets through ends the outage.

Anything else that goes wrong while a frame is handled is a bug: it is logged with its traceback, and the page
gets ``server_error``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from sqlalchemy import exc

logger = logging.getLogger(__name__)

# SQLSTATE classes and codes that say "the database is not there (now)", not "this statement is wrong":
# 08 connection exception, 53 insufficient resources (too many connections), 57P admin or crash shutdown and
# "cannot connect now", 55000 "database does not allow connections" (ALTER DATABASE … ALLOW_CONNECTIONS false).
UNREACHABLE_STATES = ("08", "53", "57P", "55000")
TRANSIENT = (OSError, TimeoutError, exc.TimeoutError, exc.OperationalError, exc.InterfaceError, exc.DisconnectionError)


def unreachable(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) means the database cannot be reached now."""
    for cause in _chain(error):
        if isinstance(cause, TRANSIENT):
            return True
        if isinstance(cause, exc.DBAPIError) and cause.connection_invalidated:
            return True
        state = getattr(getattr(cause, "orig", None), "sqlstate", None) or getattr(cause, "sqlstate", None)
        if isinstance(state, str) and state.startswith(UNREACHABLE_STATES):
            return True
    return False


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen and len(seen) < 20:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


class Outage:
    """Whether the web chat is waiting for the database; logs the start and the end of an outage once."""

    def __init__(self) -> None:
        self.down = False
        self.refused = 0  # frames and sockets told to wait during the current outage

    def failed(self, error: BaseException, where: str) -> None:
        """A database call failed because the database is away (only the error's kind is logged)."""
        self.refused += 1
        if self.down:
            return
        self.down = True
        logger.warning(
            "web chat: the database cannot be reached (%s, %s); pages are asked to wait and send again",
            type(error).__name__,
            where,
        )

    def ok(self) -> None:
        """A database call worked: an outage is over."""
        if self.down:
            logger.info("web chat: the database answers again (%d frames or sockets waited)", self.refused)
            self.down = False
            self.refused = 0
