"""For admins: the agents, the languages each speaks and the name users see (``/console/agents``), editable in
plain forms.

A change is a CSRF-checked POST (``login.require_login``) and an audit row: the admin's id and
``languages:<agent id>`` or ``display_name:<agent id>``, no names. A display name must look like a name
(``display_names``); one that does not (an account from before that rule) is marked on the page. Others get 403.
"""

from __future__ import annotations

import logging

import aiohttp_jinja2
from aiohttp import web

from bot.appkeys import HELPDESK
from bot.console.agent_languages import parse_languages
from bot.console.auth import AGENT, FIELDS
from bot.console.display_names import clean_display_name, display_name_problem
from bot.console.ids import ID, parse_id
from bot.console.keys import AGENTS, LANGUAGES
from bot.console.views import base_context
from bot.i18n import language_name

logger = logging.getLogger(__name__)

FIELD_PREFIX = "lang_"  # one checkbox per language: lang_nl, lang_tr, …


def routes(console: web.Application) -> None:
    console.router.add_get("/agents", agents_page, name="agents")
    console.router.add_post("/agents/{agent_id:" + ID + "}/languages", set_languages)
    console.router.add_post("/agents/{agent_id:" + ID + "}/display-name", set_display_name)


def require_admin(request: web.Request) -> None:
    if request[AGENT].role != "admin":
        raise web.HTTPForbidden(text="Alleen voor beheerders.")


async def agents_page(request: web.Request) -> web.Response:
    require_admin(request)
    saved = request.query.get("opgeslagen", "")
    return await _page(request, saved=parse_id(saved))


async def _page(
    request: web.Request, *, saved: int | None = None, error: str | None = None, status: int = 200
) -> web.Response:
    known = request.config_dict[LANGUAGES]
    context = base_context(request) | {
        "page": "agents",
        "agents": (everyone := await request.config_dict[AGENTS].everyone()),
        "name_problems": {person.id: display_name_problem(person.display_name) for person in everyone},
        "languages": [(code, language_name(code)) for code in known],
        "saved": saved,
        "error": error,
    }
    return aiohttp_jinja2.render_template("agents.html", request, context, status=status)


async def set_languages(request: web.Request) -> web.Response:
    """Record which languages an agent speaks (at least one), then back to the list."""
    require_admin(request)
    agent_id = int(request.match_info["agent_id"])
    known = request.config_dict[LANGUAGES]
    fields = request[FIELDS]
    chosen = [code for code in known if fields.get(FIELD_PREFIX + code)]
    try:
        languages = parse_languages(chosen, known)
    except ValueError as exc:
        return await _page(request, error=str(exc), status=400)
    agents = request.config_dict[AGENTS]
    if not await agents.set_languages(agent_id, languages):
        raise web.HTTPNotFound(text="Dit account bestaat niet.")
    admin = request[AGENT]
    assert admin.id is not None
    await agents.audit(admin.id, None, f"languages:{agent_id}", request.config_dict[HELPDESK].clock())
    logger.info("admin %s set the languages of agent %s", admin.id, agent_id)
    raise web.HTTPSeeOther(f"/console/agents?opgeslagen={agent_id}#agent-{agent_id}")


async def set_display_name(request: web.Request) -> web.Response:
    """Change the name users see (it must look like a name), then back to the list."""
    require_admin(request)
    agent_id = int(request.match_info["agent_id"])
    try:
        display_name = clean_display_name(str(request[FIELDS].get("display_name", ""))[:200])
    except ValueError as exc:
        return await _page(request, error=str(exc), status=400)
    admin = request[AGENT]
    assert admin.id is not None
    now = request.config_dict[HELPDESK].clock()
    if not await request.config_dict[AGENTS].set_display_name(agent_id, display_name, by=admin.id, at=now):
        raise web.HTTPNotFound(text="Dit account bestaat niet.")
    logger.info("admin %s changed the display name of agent %s", admin.id, agent_id)
    raise web.HTTPSeeOther(f"/console/agents?opgeslagen={agent_id}#agent-{agent_id}")
