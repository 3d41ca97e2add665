"""The database away: which errors mean "try again in a moment", and one log line when an outage starts and ends.

While the database cannot be reached (a restart, a failover, ``ALLOW_CONNECTIONS false``, a full connection
pool) every request that needs it fails the same way. That is not a bug in the request: the web chat answers
the frame with the retryable error ``unavailable`` (``bot/channels/web_socket.py``), the Telegram webhook with
503 so Telegram delivers the update again (``bot/channels/telegram/webhook.py``), the console with 503 and a
calm message (``bot/console/outage.py``). The log gets a warning without a traceback, and never a text or an
address. Nothing needs a restart: the engine's connection pool connects again by itself (``pool_pre_ping`` on
PostgreSQL), and the next call that gets through ends the outage.

Anything else that goes wrong is a bug: it is logged with its traceback, once, and answered as a server error.
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
    """Whether a part of the product is waiting for the database; logs the start and the end of an outage once.

    ``who`` names the part in the log ("web chat"), ``meanwhile`` says what its clients are told to do, ``log``
    is the part's own logger.
    """

    def __init__(
        self,
        who: str = "web chat",
        meanwhile: str = "pages are asked to wait and send again",
        log: logging.Logger = logger,
    ) -> None:
        self.log = log
        self.who = who
        self.meanwhile = meanwhile
        self.down = False
        self.refused = 0  # requests, frames or sockets told to wait during the current outage

    def failed(self, error: BaseException, where: str) -> None:
        """A database call failed because the database is away (only the error's kind is logged)."""
        self.refused += 1
        if self.down:
            return
        self.down = True
        self.log.warning(
            "%s: the database cannot be reached (%s, %s); %s",
            self.who,
            type(error).__name__,
            where,
            self.meanwhile,
        )

    def ok(self) -> None:
        """A database call worked: an outage is over."""
        if self.down:
            self.log.info("%s: the database answers again (%d were asked to wait)", self.who, self.refused)
            self.down = False
            self.refused = 0
