"""For admins: the anonymous monitoring figures at ``/console/monitoring``, with charts and CSV files.

``?from=&to=`` (YYYY-MM-DD, both days included, UTC) choose the period; without them it is the last four full
weeks and this week (``bot.monitoring.period``). A date that is not one, a reversed or a too long period shows a
Dutch message and the default period, never an error page. ``/console/monitoring/{key}.csv`` is one table,
``/console/monitoring.csv`` all of them. What is shown comes from ``bot.monitoring.figures`` only, which hides
every count below ``min_count`` and every count a total would give away; nothing here counts.

Opening the page is not audited, like the other admin pages: it shows no conversation and no person.
Others get 403.
"""

from __future__ import annotations

import logging
from datetime import UTC, date
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.appkeys import DATABASE, DIALOG, HELPDESK, SETTINGS
from bot.console.admin import require_admin
from bot.console.views import base_context
from bot.monitoring import period
from bot.monitoring.charts import bar_chart
from bot.monitoring.export import all_csv, table_csv
from bot.monitoring.figures import Figures, figures
from bot.monitoring.period import Period, PeriodError

logger = logging.getLogger(__name__)

KEY = r"[a-z0-9_]{1,40}"


def routes(console: web.Application) -> None:
    console.router.add_get("/monitoring", monitoring_page, name="monitoring")
    console.router.add_get("/monitoring.csv", all_tables_csv, name="monitoring_csv")
    console.router.add_get("/monitoring/{key:" + KEY + "}.csv", one_table_csv, name="monitoring_table_csv")


def _today(request: web.Request) -> date:
    return request.config_dict[HELPDESK].clock().astimezone(UTC).date()


def _asked(request: web.Request) -> tuple[Period, str | None]:
    """The period of ``?from=&to=``, or the default with the reason it was not taken."""
    start, end = request.query.get("from", ""), request.query.get("to", "")
    today = _today(request)
    if not start and not end:
        return period.default(today), None
    try:
        return period.parse(start, end), None
    except PeriodError as exc:
        return period.default(today), f"{exc} Je ziet nu de standaardperiode: de laatste vier weken en deze week."


async def _figures(request: web.Request, chosen: Period) -> Figures:
    settings = request.config_dict[SETTINGS]
    return await figures(
        request.config_dict[DATABASE], request.config_dict[DIALOG], chosen.start, chosen.end, settings.min_count
    )


async def monitoring_page(request: web.Request) -> web.Response:
    """The summary, then each table with its chart and a CSV link."""
    require_admin(request)
    chosen, problem = _asked(request)
    found = await _figures(request, chosen)
    context: dict[str, Any] = base_context(request) | {
        "page": "monitoring",
        "period": chosen,
        "problem": problem,
        "quick": period.quick(_today(request)),
        "figures": found,
        "charts": {table.key: bar_chart(table) for table in found.tables if table.chart is not None and table.rows},
        "longest": period.LONGEST,
    }
    return aiohttp_jinja2.render_template("monitoring.html", request, context)


def _csv_period(request: web.Request) -> Period:
    """The CSV's period: a link from the page always has one; a bad one is a 400 (never a file of another period)."""
    try:
        return period.parse(request.query.get("from", ""), request.query.get("to", ""))
    except PeriodError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None


def _csv_response(text: str, name: str, chosen: Period) -> web.Response:
    filename = f"wegwijzer-{name}-{chosen.start.isoformat()}-{chosen.end.isoformat()}.csv"
    return web.Response(
        text=text,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def one_table_csv(request: web.Request) -> web.Response:
    require_admin(request)
    chosen = _csv_period(request)
    found = await _figures(request, chosen)
    key = request.match_info["key"]
    table = next((table for table in found.tables if table.key == key), None)
    if table is None:
        raise web.HTTPNotFound(text="Deze tabel bestaat niet.")
    return _csv_response(table_csv(table), key, chosen)


async def all_tables_csv(request: web.Request) -> web.Response:
    require_admin(request)
    chosen = _csv_period(request)
    return _csv_response(all_csv(await _figures(request, chosen)), "monitoring", chosen)
