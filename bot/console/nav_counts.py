"""The count in the console's navigation, on every page the server renders: how many call-back requests wait.

``base.html`` shows it beside "Terugbellen" (for the chat-ondersteuning: roles ``agent`` and ``admin``) by calling
``callbacks_waiting()``; ``console.js`` keeps it live from the socket's ``callbacks`` events
(``bot.helpdesk.callback_events``). The middleware reads it once per page (a GET of a logged-in agent; not the
socket, not a POST) before the handler runs, and holds it in a context variable for that request only (the
handler and its synchronous template rendering run in the request's task). A page without it (an answer to a
POST) shows the link without a count until the socket tells it, a moment later.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

import aiohttp_jinja2
from aiohttp import web

from bot.appkeys import STORE
from bot.console.auth import AGENT, Handler
from storage.callbacks import CallbackStore

logger = logging.getLogger(__name__)

STAFF = frozenset({"agent", "admin"})  # who has the call-back list (bot/console/callbacks.py)
NOT_PAGES = frozenset({"socket"})
_waiting: ContextVar[int | None] = ContextVar("callbacks_waiting", default=None)


def callbacks_waiting() -> int | None:
    """How many call-back requests wait, for the page being rendered; None when it was not read."""
    return _waiting.get()


@web.middleware
async def nav_counts(request: web.Request, handler: Handler) -> web.StreamResponse:
    agent = request.get(AGENT)
    page = request.method == "GET" and request.match_info.route.name not in NOT_PAGES
    if agent is None or agent.role not in STAFF or not page:
        return await handler(request)
    token = _waiting.set(await CallbackStore(request.config_dict[STORE].engine).waiting())
    try:
        return await handler(request)
    finally:
        _waiting.reset(token)


def setup(console: web.Application) -> None:
    """Every template of ``console`` can show the counts; the middleware stands behind ``require_login`` (which
    knows the agent), so it is added last."""
    aiohttp_jinja2.get_env(console).globals["callbacks_waiting"] = callbacks_waiting
    console.middlewares.append(nav_counts)
