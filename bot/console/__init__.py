"""The agents' console at ``/console/``: a sub-application with its own middlewares, templates and static.

``setup(app)`` mounts it; at start-up (after the parent's database, helpdesk and engine, which the app
factory wires) it opens the agent store and runs the watchdog that gives the conversations of disconnected
agents back to the queue. See README "Chat-ondersteuning (console)".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.appkeys import HELPDESK, SETTINGS, STORE
from bot.console import nav_counts, outage
from bot.console.access import partner_fence
from bot.console.actions import routes as action_routes
from bot.console.admin import routes as admin_routes
from bot.console.agent_languages import known_languages
from bot.console.audit_log import audit_page
from bot.console.auth import security_headers
from bot.console.bulk_clear import routes as bulk_clear_routes
from bot.console.callbacks import routes as callback_routes
from bot.console.dutch_source import DutchSources
from bot.console.history import routes as history_routes
from bot.console.ids import bounded_ids
from bot.console.keys import AGENTS, DUTCH, LANGUAGES, LIMITER, SOCKETS, TRANSLATOR, TRUSTED_PROXIES
from bot.console.limiter import LoginLimiter, trusted_networks
from bot.console.login import require_login, session_cutoffs
from bot.console.login import routes as login_routes
from bot.console.monitoring import routes as monitoring_routes
from bot.console.outage import database_away
from bot.console.partners import routes as partner_routes
from bot.console.referrals import routes as referral_routes
from bot.console.socket import handle as socket_handler
from bot.console.sockets import ConsoleSockets
from bot.console.supervisor import routes as supervisor_routes
from bot.console.translator import Translator
from bot.console.views import routes as page_routes
from storage.agents import AgentStore
from storage.leader import Leadership
from storage.limit_counters import LimitCounterStore

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
WATCHDOG_EVERY = timedelta(seconds=15)


def setup(app: web.Application) -> web.Application:
    """Mount the console under /console/ on the product's app; returns the sub-application."""
    console = web.Application(
        middlewares=[security_headers, database_away, bounded_ids, require_login, partner_fence]  # access.py
    )
    outage.setup(console)  # 503 and a calm message while the database is away (bot/console/outage.py)
    zone = ZoneInfo(app[SETTINGS].helpdesk_timezone)
    aiohttp_jinja2.setup(
        console,
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        filters={
            "hm": lambda moment: moment.astimezone(zone).strftime("%H:%M"),
            "dmhm": lambda moment: moment.astimezone(zone).strftime("%d-%m-%Y %H:%M"),
        },
    )
    app[SOCKETS] = ConsoleSockets()  # on the product's app, like AGENTS: tests and the watchdog reach it
    app[TRUSTED_PROXIES] = trusted_networks(app[SETTINGS].console_trusted_proxies)
    app[TRANSLATOR] = Translator(app[SETTINGS].translation_url)  # opens nothing while translation_url is empty
    app[DUTCH] = DutchSources()
    app[LANGUAGES] = known_languages(app[SETTINGS].locales)
    login_routes(console)
    # the audit log with filters and paging (audit_log.py); registered first, so it answers /audit
    console.router.add_get("/audit", audit_page, name="audit_log")
    page_routes(console)
    action_routes(console)
    bulk_clear_routes(console)  # clear fake queue entries in bulk (after a confirmation)
    admin_routes(console)
    monitoring_routes(console)  # anonymous figures for admins, with charts and CSV (monitoring.py)
    history_routes(console)  # closed conversations, and one found by the code its user gives (history.py)
    supervisor_routes(console)  # for admins: who handles what, live (supervisor.py)
    callback_routes(console)  # "bel me terug": a queue of its own (callbacks.py)
    referral_routes(console)  # warm referral: the form in a live chat, the list, one referral (referrals.py)
    partner_routes(console)  # partner organisations: the referrals addressed to them, nothing else (partners.py)
    nav_counts.setup(console)  # the count beside "Terugbellen" on every page (after require_login: it is last)
    console.router.add_get("/ws", socket_handler, name="socket")
    console.router.add_static("/static/", HERE / "static", name="static")

    async def helpdesk_ctx(_console: web.Application) -> AsyncIterator[None]:
        async for _ in _helpdesk(app, console):
            yield

    console.cleanup_ctx.append(helpdesk_ctx)
    console.on_shutdown.append(lambda _console: app[SOCKETS].close_all())
    app.add_subapp("/console/", console)
    return console


async def _helpdesk(app: web.Application, console: web.Application) -> AsyncIterator[None]:
    """Agents, the login limiter, the translation client and the watchdog; the app factory wires the helpdesk."""
    from bot.abuse import CLIENT_LIMITS  # here: bot.abuse imports bot.console.limiter

    settings = app[SETTINGS]
    desk = app[HELPDESK]
    app[AGENTS] = AgentStore(app[STORE].engine)
    app[LIMITER] = LoginLimiter(
        settings.console_login_attempts,
        timedelta(seconds=settings.console_login_window_seconds),
        clock=lambda: desk.clock(),
        counters=LimitCounterStore(app[STORE].engine),  # shared by all workers (pruned by the app's housekeeping)
        digest=app[CLIENT_LIMITS].keys.digest,
    )
    await app[TRANSLATOR].start()
    task = asyncio.create_task(_watchdog(app), name="wegwijzer-console-watchdog")
    logger.info("chat-ondersteuning ready (console at /console/)")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await app[TRANSLATOR].close()


async def _watchdog(app: web.Application) -> None:
    """Now and then: conversations of agents whose console is gone back to the queue; old sessions out
    (and their sockets closed)."""
    settings = app[SETTINGS]
    every = min(WATCHDOG_EVERY.total_seconds(), settings.agent_disconnect_timeout_seconds / 3)
    leader = Leadership(app[STORE].engine, "agent-timeouts")  # one worker gives chats back (sessions: each its own)
    try:
        while True:
            await asyncio.sleep(every)
            desk = app[HELPDESK]
            try:
                if await leader.held():
                    await desk.requeue_stale()
                await check_sessions(app)
            except Exception:
                logger.exception("console watchdog failed; trying again later")
    finally:
        await leader.release()


async def check_sessions(app: web.Application) -> int:
    """Close the sockets of ended sessions, then delete idle and too old sessions; the number of sessions closed."""
    idle_since, started_since = session_cutoffs(app, app[HELPDESK].clock())
    closed = await app[SOCKETS].revalidate(app[AGENTS], idle_since, started_since)
    await app[AGENTS].prune_sessions(idle_since, started_since)
    return closed
