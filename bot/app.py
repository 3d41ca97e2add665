"""The one app factory: settings in, a wired aiohttp application out.

Resources live in ``cleanup_ctx`` so they are opened when the server starts and closed when it stops:
the database, then the engine, then each channel. Each app has its own ``Metrics`` (``/metrics``, its own
registry: bot/metrics.py); ``/healthz`` and ``/readyz`` are in bot/probes.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import web

from bot import console, http_bodies, http_headers, metrics_page, probes, shutdown
from bot.abuse import CLIENT_LIMITS, client_limits
from bot.appkeys import DATABASE, DIALOG, ENGINE, HELPDESK, HUB, I18N, METRICS, SETTINGS, STORE, TURNS
from bot.channels import privacy_page, telegram
from bot.channels import web as web_chat
from bot.console.limiter import trusted_networks
from bot.dialogs.dialog import Dialog
from bot.engine import Engine
from bot.helpdesk.desk import Helpdesk
from bot.helpdesk.gate import HelpdeskGate
from bot.helpdesk.hours import OpeningHours
from bot.hub import ChannelHub
from bot.i18n import I18n, MissingCatalog
from bot.live_relay import live_relay
from bot.metrics import Metrics
from bot.privacy import Terms
from bot.settings import Settings, SettingsError, env_name
from storage.database import create_engine
from storage.leader import Leadership
from storage.limit_counters import LimitCounterStore
from storage.models import utcnow
from storage.outage import unreachable
from storage.repository import ConversationStore
from storage.schema import ensure_current
from storage.unit_of_work import Turns
from storage.web_sessions import WebSessionStore

logger = logging.getLogger(__name__)

__all__ = ["PROCESSED_IDS_KEPT", "create_app"]

PROCESSED_IDS_KEPT = timedelta(days=7)
HOUSEKEEPING_EVERY = timedelta(hours=1)


def create_app(settings: Settings, dialog: Dialog | None = None) -> web.Application:
    """Wire the whole product for ``settings``. Loading the tree here makes a broken tree fail start-up."""
    app = web.Application(client_max_size=64 * 1024)
    app[SETTINGS] = settings
    app[DIALOG] = dialog or Dialog.load()
    try:
        app[I18N] = I18n(settings.locales)
    except MissingCatalog as exc:
        raise SettingsError(f"Setting 'locales' ({env_name('locales')}): {exc}") from None
    app[HUB] = ChannelHub()
    app[METRICS] = Metrics()  # per app, never the global registry: tests build many apps
    app[CLIENT_LIMITS] = client_limits(  # the web chat's limits per network address (bot/abuse.py)
        trusted_networks(settings.console_trusted_proxies),
        settings.web_conversations_per_minute,
        settings.web_handoffs_per_hour,
        settings.web_sockets_per_address,
        settings.limits_secret,
    )
    http_bodies.setup(app, settings.http_body_timeout_seconds)  # every body we read: in on time or 408
    shutdown.setup(app, settings.shutdown_grace_seconds)  # a stop: no new work, what is in flight finishes
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_helpdesk)
    app.cleanup_ctx.append(_engine)
    app.cleanup_ctx.append(_housekeeping)
    probes.setup(app)  # /healthz (alive), /readyz (database reachable, schema current)
    metrics_page.setup(app)  # /metrics for Prometheus (not meant for the internet)
    web_chat.setup(app)  # the chat page at "/", /embed, /chat/ws
    privacy_page.setup(app)  # /privacy: what is kept, how long, who reads it, how to delete it
    app.cleanup_ctx.append(live_relay)  # PostgreSQL: live events to and from the other workers
    telegram.setup(app)  # the webhook route and the bot, when TELEGRAM_TOKEN is set
    console.setup(app)  # the agents' console under /console/
    http_headers.setup(app)  # last: fills in the security headers the parts above did not set
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    engine = create_engine(app[SETTINGS].database_url)
    try:
        await ensure_current(engine)
    except Exception:
        await engine.dispose()
        raise
    app[DATABASE] = engine
    app[STORE] = ConversationStore(engine)
    app[CLIENT_LIMITS].attach(LimitCounterStore(engine))  # limits per client: counted in the database
    if engine.dialect.name == "postgresql" and not app[SETTINGS].limits_secret:
        logger.warning(
            "limits_secret is empty: each process keys client addresses differently, so several workers on "
            "this database do not share the limits per client; give them all one secret (%s)",
            env_name("limits_secret"),
        )
    app[TURNS] = Turns(engine)  # one per database: the engine and the helpdesk take the same locks
    logger.info("database ready (%s)", engine.dialect.name)
    yield
    await engine.dispose()


async def _helpdesk(app: web.Application) -> AsyncIterator[None]:
    """The human queue behind "Praat met een mens" (the console is how agents work it)."""
    settings = app[SETTINGS]
    app[HELPDESK] = Helpdesk(
        app[STORE],
        app[HUB],
        app[I18N],
        app[DIALOG],
        OpeningHours(settings.helpdesk_hours, settings.helpdesk_holidays, settings.helpdesk_timezone),
        disconnect_timeout=timedelta(seconds=settings.agent_disconnect_timeout_seconds),
        turns=app[TURNS],
        metrics=app[METRICS],
    )
    yield


async def _engine(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    app[ENGINE] = Engine(
        app[STORE],
        app[DIALOG],
        app[I18N],
        max_text_chars=settings.max_text_chars,
        handoff=HelpdeskGate(app[HELPDESK], handoffs=app[CLIENT_LIMITS].handoffs),
        turns=app[TURNS],
        privacy_terms=Terms.of(settings),
        metrics=app[METRICS],
    )
    logger.info("beslisboom %s loaded: %d nodes", app[DIALOG].version, len(app[DIALOG].tree.nodes))
    yield


async def _housekeeping(app: web.Application) -> AsyncIterator[None]:
    """Forget old delivery ids now and then (channels only redeliver recent updates), unused web tickets, and
    limit counters that no longer count; count where quiet conversations stopped; purge once a day."""

    leader = Leadership(app[DATABASE], "housekeeping")  # one worker of the deployment prunes

    async def prune_forever() -> None:
        from storage.monitoring import count_quiet
        from storage.referrals import expire_overdue
        from storage.retention import purge

        purged_at: float | None = None  # retention (storage/retention.py): at most once a day, per leader
        while True:
            try:
                if not await leader.held():
                    await asyncio.sleep(HOUSEKEEPING_EVERY.total_seconds())
                    continue
                pruned = await app[STORE].prune_processed(utcnow() - PROCESSED_IDS_KEPT)
                logger.debug("pruned %d old delivery ids", pruned)
                pruned = await WebSessionStore(app[DATABASE]).prune(utcnow())
                logger.debug("pruned %d web sessions whose ticket ran out", pruned)
                await app[web_chat.WEB_CHANNEL].sessions.expire_idle()  # idle ones: nothing opens them again
                pruned = await LimitCounterStore(app[DATABASE]).prune(round(time.time() * 1000))
                logger.debug("pruned %d limit counters that no longer count", pruned)
                await count_quiet(app[DATABASE], utcnow())  # where people stopped (anonymous counts)
                await expire_overdue(app[DATABASE], utcnow(), app[SETTINGS].referral_timeout_days)  # back to us
                if purged_at is None or time.monotonic() - purged_at >= timedelta(days=1).total_seconds():
                    settings = app[SETTINGS]
                    await purge(
                        app[DATABASE],
                        settings.retention_days,
                        settings.audit_retention_days,
                        callback_retention_days=settings.callback_retention_days,
                    )
                    purged_at = time.monotonic()
            except Exception as exc:
                if unreachable(exc):  # an outage: one line, as everywhere (storage/outage.py), not a traceback a round
                    logger.warning("housekeeping: database unreachable (%s); trying again later", type(exc).__name__)
                else:
                    logger.exception("housekeeping failed; trying again later")
            await asyncio.sleep(HOUSEKEEPING_EVERY.total_seconds())

    task = asyncio.create_task(prune_forever(), name="wegwijzer-housekeeping")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await leader.release()
