"""History at ``/console/history``: closed conversations, and the one a returning user names by its code.

The list: ended requests for a person of the last ``retention_days`` (older ones are deleted anyway), filtered by
``?van=&tot=`` (days the request ended, both included, in the helpdesk's time zone), ``?uitkomst=`` (an outcome
code), ``?organisatie=`` (referred there) and ``?mijn=1`` (only those the agent had last); ``?voor=<id>`` pages
back. It shows ids, times, the outcome and what the tree recorded, in words: never a line the user wrote (no
full-text search: privacy) and never a conversation's code. Opening one goes through the conversation page's
usual rule (``access``): a colleague's conversation asks for a reason, and every opening is audited.

The code search (``POST /console/history/code``): a user who comes back says "mijn gesprekscode is K7-4QX"; the
agent types it and lands in exactly that conversation. The code is the user's consent to reading it: it counts
as the reason (an ``access_grants`` row "Gesprekscode van de gebruiker", for this session), and the search is
audited as ``open_by_reference`` (found) or ``reference_miss`` (not found, no conversation id). Guessing is
pointless and visible: 33 million codes, and after ``MISSES_PER_HOUR`` misses in an hour an agent's searches
are refused for a while (429), each miss in the audit log.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from bot.appkeys import DATABASE, DIALOG, HELPDESK, SETTINGS
from bot.console.access import grants
from bot.console.auth import AGENT, FIELDS, SESSION
from bot.console.ids import parse_id
from bot.console.keys import AGENTS
from bot.console.views import base_context
from bot.helpdesk import reference
from bot.helpdesk.summary import readable
from bot.i18n import language_name
from bot.monitoring.labels import HANDOFF_OUTCOMES, ROLES, THEMES
from storage import history, references

logger = logging.getLogger(__name__)

PAGE = 50
MISSES_PER_HOUR = 10
CODE_REASON = "Gesprekscode van de gebruiker"
# What a closed request can have ended with; a deleted conversation (``user_deleted``) is gone, so never listed.
OUTCOMES = {code: words for code, words in HANDOFF_OUTCOMES.items() if code != "user_deleted"}


def routes(console: web.Application) -> None:
    console.router.add_get("/history", history_page, name="history")
    console.router.add_post("/history/code", find_by_code, name="history_code")


class BadFilter(ValueError):
    """A filter that is not one (a date that is not a date): said on the page, never a 500."""


def _day(text: str, zone: ZoneInfo) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.combine(date.fromisoformat(text), time(), zone)
    except ValueError:
        raise BadFilter("Een datum is JJJJ-MM-DD, bijvoorbeeld 2026-11-30.") from None


async def history_page(request: web.Request) -> web.Response:
    """The closed conversations, filtered; a filter that is not one is said, above the list without filters (400)."""
    try:
        return await _page(request)
    except BadFilter as exc:
        problem = f"{exc} Je ziet nu alle gesloten gesprekken."
        return await _page(request, problem=problem, status=400, use_filters=False)


async def _page(
    request: web.Request,
    *,
    problem: str | None = None,
    code_problem: str | None = None,
    code: str = "",
    status: int = 200,
    use_filters: bool = True,
) -> web.Response:
    query = request.query if use_filters else {}
    settings = request.config_dict[SETTINGS]
    zone = ZoneInfo(settings.helpdesk_timezone)
    now = request.config_dict[HELPDESK].clock()
    dialog = request.config_dict[DIALOG]
    organisations = {key: org.name for key, org in dialog.directory.organisations.items()}
    oldest = now - timedelta(days=settings.retention_days)
    start, end = _day(query.get("van", ""), zone), _day(query.get("tot", ""), zone)
    outcome = query.get("uitkomst", "")
    outcome = outcome if outcome in OUTCOMES else ""
    organisation = query.get("organisatie", "")
    organisation = organisation if organisation in organisations else ""
    mine = query.get("mijn", "") == "1"
    before = query.get("voor", "")
    before_id = parse_id(before)
    if before and before_id is None:
        raise BadFilter("Deze pagina bestaat niet.")
    agent = request[AGENT]
    rows = await history.closed(
        request.config_dict[DATABASE],
        since=max(start, oldest) if start else oldest,
        until=end + timedelta(days=1) if end else now + timedelta(minutes=1),
        outcome=outcome or None,
        organisation=organisation or None,
        agent_id=agent.id if mine else None,
        before_id=before_id,
        limit=PAGE + 1,
    )
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    filters = {
        "van": query.get("van", ""),
        "tot": query.get("tot", ""),
        "uitkomst": outcome,
        "organisatie": organisation,
        "mijn": "1" if mine else "",
    }
    chosen = {key: value for key, value in filters.items() if value}
    context: dict[str, Any] = base_context(request) | {
        "page": "history",
        "rows": [
            {
                "conversation": item.conversation_id,
                "ended_at": item.ended_at,
                "channel": item.channel,
                "language": language_name(item.locale),
                "locale": item.locale,
                "role": readable(ROLES, item.facts.get("role")),
                "theme": readable(THEMES, item.facts.get("theme")),
                "outcome": HANDOFF_OUTCOMES.get(item.outcome_code, "Onbekende uitkomst"),
                "organisation": organisations.get(item.organisation or "", ""),
                "agent": item.agent_name,
                "mine": item.agent_id == agent.id,
                "crisis": item.crisis,
            }
            for item in rows
        ],
        "filters": filters,
        "outcomes": OUTCOMES,
        "organisations": organisations,
        "retention_days": settings.retention_days,
        "oldest": oldest.astimezone(zone).date().isoformat(),
        "today": now.astimezone(zone).date().isoformat(),
        "problem": problem,
        "code_problem": code_problem,
        "code": code,
        "older": {**chosen, "voor": rows[-1].handoff_id} if more and rows else None,
        "first_page": chosen if before_id is not None else None,
    }
    return aiohttp_jinja2.render_template("history.html", request, context, status=status)


async def find_by_code(request: web.Request) -> web.Response:
    """Open the conversation whose code the user gave: counts as the reason, audited; a miss is audited too."""
    agent = request[AGENT]
    assert agent.id is not None
    agents = request.config_dict[AGENTS]
    now = request.config_dict[HELPDESK].clock()
    typed = str(request[FIELDS].get("code", ""))[:40]
    code = reference.parse(typed)
    if code is None:
        problem = "Dit is geen gesprekscode. Een code ziet eruit als K7-4QX: vijf letters en cijfers."
        return await _page(request, code_problem=problem, code=typed, status=400, use_filters=False)
    if await agents.audit_count(agent.id, "reference_miss", now - timedelta(hours=1)) >= MISSES_PER_HOUR:
        logger.warning("agent %s: too many conversation codes not found; search refused for now", agent.id)
        problem = "Je zocht te vaak een code die niet bestaat. Probeer het over een uur opnieuw."
        return await _page(request, code_problem=problem, code=code, status=429, use_filters=False)
    conversation_id = await references.find(request.config_dict[DATABASE], code)
    if conversation_id is None:
        await agents.audit(agent.id, None, "reference_miss", now)
        logger.info("agent %s searched a conversation code that does not exist", agent.id)
        problem = "Er is geen gesprek met deze code. Vraag de gebruiker de code nog eens. Oude gesprekken zijn gewist."
        return await _page(request, code_problem=problem, code=code, status=404, use_filters=False)
    await grants(request).grant(agent.id, conversation_id, request[SESSION].token_hash, CODE_REASON, now)
    await agents.audit(agent.id, conversation_id, "open_by_reference", now)
    logger.info("agent %s opened conversation %s by its code", agent.id, conversation_id)
    raise web.HTTPSeeOther(f"/console/c/{conversation_id}")
