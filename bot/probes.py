"""``GET /healthz`` (alive) and ``GET /readyz`` (ready for traffic), for a load balancer or an orchestrator.

- ``/healthz``: 200 while the process serves requests. It never asks the database, so a database outage does
  not make an orchestrator restart every worker (a restart would not bring the database back).
- ``/readyz``: 200 when the database answers and its schema is at the migration head; else 503 with a short JSON
  saying which (``database: unreachable``, or ``schema: out_of_date`` with what to run). A failure is one log
  line without a traceback, when readiness is lost and not again at every probe; one line when it is back.

Both answer 503 once a stop began (``bot.shutdown``): no new work is taken then.
"""

from __future__ import annotations

import logging

from aiohttp import web
from alembic.migration import MigrationContext

from bot.appkeys import DATABASE, DIALOG
from storage.schema import migration_head

logger = logging.getLogger(__name__)


class Readiness:
    """Why the app was last not ready (None: it was ready), so a lasting failure is logged once."""

    def __init__(self) -> None:
        self.failing: str | None = None

    def failed(self, why: str, detail: str) -> None:
        if self.failing != why:
            logger.warning("not ready: %s (%s)", why, detail)
        self.failing = why

    def ready(self) -> None:
        if self.failing is not None:
            logger.info("ready again (was: %s)", self.failing)
        self.failing = None


READINESS = web.AppKey("readiness", Readiness)


def setup(app: web.Application) -> None:
    app[READINESS] = Readiness()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)


async def healthz(request: web.Request) -> web.Response:
    """200 while the process serves (no database call)."""
    return web.json_response({"status": "ok", "tree": request.app[DIALOG].version})


async def readyz(request: web.Request) -> web.Response:
    """200 when the database answers and its schema is current; 503 with the reason otherwise."""
    readiness = request.app[READINESS]
    try:
        async with request.app[DATABASE].connect() as conn:
            current = await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
    except Exception as exc:  # any failure to read it: the database is not usable now
        readiness.failed("database unreachable", type(exc).__name__)
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    if current != migration_head():
        readiness.failed("schema out of date", f"at {current or 'nothing'}, the code needs {migration_head()}")
        body = {"status": "unavailable", "database": "ok", "schema": "out_of_date", "run": "wegwijzer db upgrade"}
        return web.json_response(body, status=503)
    readiness.ready()
    return web.json_response({"status": "ok", "database": "ok", "schema": "current"})
