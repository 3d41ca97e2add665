"""Reading a request's body within a deadline: every body the app reads goes through here.

``bot/server.py`` cuts off a client whose request *headers* are too slow. After the headers, aiohttp waits for
the body as long as the client likes, so a client that sends the headers of a POST (the Telegram webhook, a
console form) and then stalls or trickles its body held a handler, and a connection, for ever. ``read_body`` and
``read_form`` give the whole body ``http_body_timeout_seconds`` (a total, not per chunk: a trickle of one byte
a second is as slow as a stall). The bodies we take are at most 64 KiB (``client_max_size``), which a phone on a
bad network sends in a second or two; a client that keeps sending steadily and is done in time is served.

A late body gets 408 and the connection is closed at once (the middleware writes the answer, then drops the
connection, instead of letting aiohttp wait up to ten more seconds for the rest of the body).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from multidict import MultiDictProxy

logger = logging.getLogger(__name__)

BODY_SECONDS = web.AppKey("http_body_timeout_seconds", float)
DEFAULT_SECONDS = 10.0
TOO_SLOW = "The request body took too long."


class BodyTimeout(web.HTTPRequestTimeout):
    """The body was not in on time (``close_slow_bodies`` answers it and closes the connection)."""


def setup(app: web.Application, seconds: float) -> None:
    app[BODY_SECONDS] = seconds
    app.middlewares.append(close_slow_bodies)


async def read_body(request: web.Request) -> bytes:
    """The whole body, or ``BodyTimeout`` (408) when it is not in within the deadline."""
    async with _deadline(request):
        return await request.read()


async def read_form(request: web.Request) -> MultiDictProxy[Any]:
    """A form's fields (``request.post()``), or ``BodyTimeout`` (408) when it is not in within the deadline."""
    async with _deadline(request):
        return await request.post()


@asynccontextmanager
async def _deadline(request: web.Request) -> AsyncIterator[None]:
    seconds = request.config_dict.get(BODY_SECONDS, DEFAULT_SECONDS)
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        logger.info("request body not in within %s seconds: 408, connection closed", seconds)
        raise BodyTimeout(text=TOO_SLOW) from None


@web.middleware
async def close_slow_bodies(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer ``BodyTimeout`` with 408 and close the connection (the rest of the body is never read)."""
    try:
        return await handler(request)
    except BodyTimeout:
        response = web.Response(status=408, text=TOO_SLOW)
        response.force_close()
        await response.prepare(request)
        await response.write_eof()
        request.protocol.force_close()  # the answer is written; the transport sends it, then closes
        return response
