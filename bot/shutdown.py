"""A graceful stop: no new work, the work in flight finishes within ``shutdown_grace_seconds``, then exit.

On SIGTERM or SIGINT ``wegwijzer serve`` (``bot.server``) closes its listening socket, so a new connection is
refused, and runs aiohttp's runner cleanup, which does the rest in this order:

1. idle keep-alive connections close, and a connection with a request in progress takes no further one;
2. ``on_shutdown``: the drain begins here (``Drain.begin``), and the web chat and console close their sockets
   (the pages and consoles reconnect by themselves; a frame that was not answered stays pending in the page
   and is sent again, to this server after a restart or to another worker);
3. the requests in flight (a webhook call, a console action) finish, for at most the grace (the runner's
   ``shutdown_timeout``); one still running then is cancelled, its transaction rolled back, and the client
   (Telegram) delivers it again;
4. ``cleanup_ctx``: the Telegram sender lets the chats being sent finish for what is left of the grace
   (``Drain.left``); what is not sent stays in the outbox for the next process. The database closes last.

A request that still reaches a handler once the drain began gets 503 with ``Retry-After`` (``refuse_new``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

logger = logging.getLogger(__name__)

RETRY_AFTER = "5"  # seconds: a restart, or a proxy sending the client to another worker

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Drain:
    """Whether the server is stopping, and how much of the grace is left."""

    def __init__(self, grace: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.grace = grace
        self.clock = clock
        self.deadline: float | None = None

    @property
    def draining(self) -> bool:
        return self.deadline is not None

    def begin(self) -> None:
        if self.deadline is None:
            self.deadline = self.clock() + self.grace
            logger.info("stopping: no new work; what is in flight gets %s seconds", self.grace)

    def left(self) -> float:
        """Seconds of the grace still left (all of it before the drain began)."""
        if self.deadline is None:
            return self.grace
        return max(0.0, self.deadline - self.clock())


DRAIN = web.AppKey("drain", Drain)


def setup(app: web.Application, grace: float) -> None:
    """Put a ``Drain`` on ``app``: begun by aiohttp's shutdown, checked by ``refuse_new``."""
    app[DRAIN] = Drain(grace)
    app.on_shutdown.insert(0, _begin)  # first: before the sockets close
    app.middlewares.insert(0, refuse_new)


async def _begin(app: web.Application) -> None:
    app[DRAIN].begin()


@web.middleware
async def refuse_new(request: web.Request, handler: Handler) -> web.StreamResponse:
    """503 for a request that arrives once the server is stopping (try again, here after a restart or elsewhere)."""
    drain = request.config_dict.get(DRAIN)
    if drain is not None and drain.draining:
        return web.Response(status=503, text="The server is restarting.", headers={"Retry-After": RETRY_AFTER})
    return await handler(request)
