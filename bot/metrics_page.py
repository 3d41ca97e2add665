"""``GET /metrics``: the app's ``Metrics`` (``bot.metrics``) in Prometheus' text format.

The gauges of the deployment are read from the database when Prometheus scrapes: the queue (``storage.handoffs``:
how many wait, how long the first of them asked ago, how many a person has), the outbox backlog per channel
(``storage.outbox``); the open web chat sockets are this process's (``bot.channels.web``). While the database is
away the page still answers, with the database's gauges as NaN, and one log line for the outage.

Nothing on the page identifies a person (no chat id, no text; see ``bot.metrics``), but it tells how busy the
helpdesk is: a deployment should not expose ``/metrics`` to the internet (let the proxy answer it only to the
monitoring network). There is no setting for it: keep it simple.
"""

from __future__ import annotations

import logging
import math

from aiohttp import web
from prometheus_client.exposition import choose_encoder
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.appkeys import DATABASE, METRICS
from bot.channels.web import WEB_CHANNEL
from bot.metrics import Metrics
from bot.outbox import OUTBOX_CHANNELS
from storage import handoff_lifecycle as lifecycle
from storage.handoffs import HANDOFFS
from storage.models import utcnow
from storage.outage import Outage, unreachable
from storage.outbox import OUTBOX

logger = logging.getLogger(__name__)

OUTAGE = web.AppKey("metrics_outage", Outage)


def setup(app: web.Application) -> None:
    """Add ``/metrics`` (the app factory has put ``Metrics`` under ``METRICS``)."""
    app[OUTAGE] = Outage("metrics", "the queue and outbox gauges are NaN until it answers", log=logger)
    app.router.add_get("/metrics", metrics_page)


async def metrics_page(request: web.Request) -> web.Response:
    """Every metric of this app, with the database's gauges read now."""
    app = request.app
    metrics = app[METRICS]
    try:
        await read_database(app[DATABASE], metrics)
    except Exception as exc:
        if not unreachable(exc):
            raise
        app[OUTAGE].failed(exc, "scrape")
        for gauge in (metrics.queue_length, metrics.queue_oldest_wait, metrics.handoffs_live):
            gauge.set(math.nan)
        for channel in OUTBOX_CHANNELS:
            metrics.outbox_backlog.labels(channel).set(math.nan)
    else:
        app[OUTAGE].ok()
    if WEB_CHANNEL in app:
        metrics.web_sockets_open.set(sum(len(group) for group in app[WEB_CHANNEL].sockets.values()))
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))  # text 0.0.4, or what it asks for
    return web.Response(body=encode(metrics.registry), headers={"Content-Type": content_type})


async def read_database(engine: AsyncEngine, metrics: Metrics) -> None:
    """Set the queue and outbox gauges from the database (two small aggregate queries)."""
    queue = (
        select(HANDOFFS.c.status, func.count(), func.min(HANDOFFS.c.requested_at))
        .where(HANDOFFS.c.status.in_(lifecycle.OPEN))
        .group_by(HANDOFFS.c.status)
    )
    backlog = select(OUTBOX.c.channel, func.count()).group_by(OUTBOX.c.channel)
    async with engine.connect() as conn:
        open_rows = {status: (int(count), first) for status, count, first in (await conn.execute(queue)).all()}
        waiting = {str(channel): int(count) for channel, count in (await conn.execute(backlog)).all()}
    queued, first = open_rows.get(lifecycle.QUEUED, (0, None))
    metrics.queue_length.set(queued)
    metrics.queue_oldest_wait.set(0 if first is None else max(0.0, (utcnow() - first).total_seconds()))
    metrics.handoffs_live.set(open_rows.get(lifecycle.LIVE, (0, None))[0])
    for channel in OUTBOX_CHANNELS | waiting.keys():
        metrics.outbox_backlog.labels(channel).set(waiting.get(channel, 0))
