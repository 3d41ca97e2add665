"""The console while the database is away: 503 with a calm message, one warning line, no traceback.

Every console route needs the database (the login, the session, the queue). While it cannot be reached
(``storage.outage``) a request gets 503 with ``Retry-After``: JSON ``{"ok": false, "error": …}`` for the
console's own calls (the page shows the error as a notice), plain text otherwise. Nothing of the request was
saved (its transaction rolled back), so the agent can simply try again. The log gets one warning when the
outage starts and one line when the database answers again. Any other error is not caught here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from storage.outage import Outage, unreachable

AWAY = "De database is even niet bereikbaar. Er is niets opgeslagen; probeer het over een paar seconden opnieuw."
RETRY_AFTER = "5"

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
OUTAGE = web.AppKey("console_outage", Outage)


def setup(console: web.Application) -> None:
    """Answer the console's requests calmly while the database is away (call before the middlewares that use it)."""
    console[OUTAGE] = Outage("console", "agents are asked to try again in a moment", logger)


@web.middleware
async def database_away(request: web.Request, handler: Handler) -> web.StreamResponse:
    outage = request.app[OUTAGE]
    try:
        response = await handler(request)
    except web.HTTPException:
        raise
    except Exception as error:
        if not unreachable(error) or request.writer.output_size > 0:  # a socket already open: not ours to answer
            raise
        outage.failed(error, f"{request.method} {request.path}")
        headers = {"Retry-After": RETRY_AFTER}
        if request.content_type == "application/json" or "json" in request.headers.get("Accept", ""):
            return web.json_response({"ok": False, "error": AWAY}, status=503, headers=headers)
        return web.Response(status=503, text=AWAY, headers=headers)
    if not isinstance(request.match_info.route.resource, web.StaticResource):
        outage.ok()  # static files do not ask the database
    return response
