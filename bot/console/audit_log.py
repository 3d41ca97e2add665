"""For admins: the audit log at ``/console/audit``, filtered and paged.

Failed logins used to push everything else off the page (only the newest 200 were shown). Now ``?actie=``
(a kind: ``login_failed``, ``open_transcript``, ``languages`` …), ``?medewerker=`` (a login name), ``?van=`` and
``?tot=`` (dates, both days included, in the helpdesk's time zone) filter, and ``?voor=<id>`` pages back
``PAGE`` rows at a time (by id, so new rows never shift a page). A malformed filter is a 400, never a 500.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from bot.appkeys import SETTINGS
from bot.console.access import grants
from bot.console.admin import require_admin
from bot.console.ids import parse_id
from bot.console.keys import AGENTS
from bot.console.views import base_context

PAGE = 100


def _day(text: str, zone: ZoneInfo) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.combine(date.fromisoformat(text), time(), zone)
    except ValueError:
        raise web.HTTPBadRequest(text="Een datum is JJJJ-MM-DD.") from None


async def audit_page(request: web.Request) -> web.Response:
    require_admin(request)
    query = request.query
    agents = request.config_dict[AGENTS]
    zone = ZoneInfo(request.config_dict[SETTINGS].helpdesk_timezone)
    kinds = await agents.audit_kinds()
    action = query.get("actie", "")
    if action and action not in kinds:
        action = ""  # a kind nobody did yet: nothing to filter on
    name = query.get("medewerker", "")[:64]
    agent_id: int | None = None
    if name:
        agent = await agents.by_name(name)
        agent_id = agent.id if agent is not None else -1  # an unknown name finds nothing
    since, until = _day(query.get("van", ""), zone), _day(query.get("tot", ""), zone)
    before = query.get("voor", "")
    before_id = parse_id(before)
    if before and before_id is None:
        raise web.HTTPBadRequest(text="Ongeldige pagina.")
    rows = await agents.audit_search(
        action=action or None,
        agent_id=agent_id,
        since=since,
        until=until + timedelta(days=1) if until else None,
        before_id=before_id,
        limit=PAGE + 1,
    )
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    filters = {"actie": action, "medewerker": name, "van": query.get("van", ""), "tot": query.get("tot", "")}
    context: dict[str, Any] = base_context(request) | {
        "rows": rows,
        "reasons": await grants(request).newest(),
        "page": "audit",
        "kinds": kinds,
        "filters": filters,
        "older": {**{k: v for k, v in filters.items() if v}, "voor": rows[-1][0].id} if more and rows else None,
        "first_page": {k: v for k, v in filters.items() if v} if before_id is not None else None,
    }
    return aiohttp_jinja2.render_template("audit.html", request, context)
