"""Console pages: the queue, one conversation (transcript, path summary, notes, actions); the audit log is
``audit_log``.

Everything a user wrote is rendered by Jinja2 with autoescape on (and by the script with ``textContent``);
opening a conversation writes an audit row (agent id, conversation id, time; no text). Which conversations an
agent may open, and the reason asked for the others, is ``access``: a refused one shows the reason form
(403), one that is not there or not the helpdesk's is 404.

Languages: the queue is in the agent's own order (``queue_order``) and can be filtered by language; in a
conversation each bot line the user read in their language has its Dutch source beside it (``dutch_source``,
or the Dutch the transcript kept), and canned replies show what the user will get next to the Dutch.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.appkeys import DIALOG, HELPDESK, STORE
from bot.console import my_chats
from bot.console.access import REASON_MAX, REASON_MIN, Access, clean_reason, grants, may_read, parse_id
from bot.console.agent_languages import names
from bot.console.auth import AGENT, FIELDS, SESSION
from bot.console.canned import load_canned
from bot.console.keys import AGENTS, DUTCH, LANGUAGES, TRANSLATOR
from bot.console.queue_order import MINE, for_agent, shown
from bot.helpdesk.desk import OUTCOMES
from bot.helpdesk.queue_rows import queue_json
from bot.helpdesk.summary import summarise
from bot.i18n import SOURCE_LOCALE, language_name

logger = logging.getLogger(__name__)

CANNED = load_canned()
SENDERS = {"user": "Gebruiker", "bot": "Wegwijzer", "agent": "Medewerker", "system": "Systeem"}


def routes(console: web.Application) -> None:
    console.router.add_get("/", queue_page, name="queue")
    console.router.add_get("/c/{conversation_id:\\d+}", conversation_page, name="conversation")
    console.router.add_post("/c/{conversation_id:\\d+}/reason", give_reason, name="reason")
    console.router.add_post("/alive", still_here, name="alive")
    my_chats.routes(console)  # /volgende: the next waiting chat


CHANNELS = {"web": "Web-chat", "telegram": "Telegram", "terminal": "Terminal"}


def base_context(request: web.Request) -> dict[str, Any]:
    return {
        "agent": request[AGENT],
        "csrf": request[SESSION].csrf_token,
        "channels": CHANNELS,
    }


async def queue_page(request: web.Request) -> web.Response:
    """The queue in this agent's order (``queue_order``), filtered by ``?taal=`` (a code, ``mine`` or all)."""
    desk = request.config_dict[HELPDESK]
    agent = request[AGENT]
    known = request.config_dict[LANGUAGES]
    now = desk.clock()
    wanted = request.query.get("taal", "")
    if wanted not in (MINE, *known):
        wanted = ""
    items = for_agent([queue_json(item, now) for item in await desk.handoffs.queue()], agent.languages)
    context = base_context(request) | {
        "items": [item for item in items if shown(item, wanted)],
        "waiting": sum(1 for item in items if item["status"] == "queued"),
        "filter": wanted,
        "filters": [(code, language_name(code)) for code in known],
        "my_languages": names(agent.languages),
        "open": desk.hours.is_open(now),
        "page": "queue",
    }
    context |= await my_chats.beside(request, items)  # the agent's live chats, who waits
    return aiohttp_jinja2.render_template("queue.html", request, context)


GONE = "Dit gesprek bestaat niet (meer)."


async def _readable(request: web.Request) -> tuple[int, Access]:
    """The conversation id of the URL and whether this agent may read it; 404 for an id that cannot exist."""
    conversation_id = parse_id(request.match_info["conversation_id"])
    if conversation_id is None:
        raise web.HTTPNotFound(text=GONE)
    access = await may_read(request, conversation_id)
    if access is Access.NOT_FOUND:
        raise web.HTTPNotFound(text=GONE)
    return conversation_id, access


def _reason_form(request: web.Request, conversation_id: int, error: str | None = None) -> web.Response:
    context = base_context(request) | {
        "page": "reason",
        "conversation_id": conversation_id,
        "error": error,
        "reason_min": REASON_MIN,
        "reason_max": REASON_MAX,
    }
    return aiohttp_jinja2.render_template("reason.html", request, context, status=403 if error is None else 400)


async def give_reason(request: web.Request) -> web.Response:
    """Open a conversation that is not the agent's: the reason is kept (ids and the agent's words) and audited."""
    conversation_id, access = await _readable(request)
    if access is Access.NEEDS_REASON:
        reason = clean_reason(str(request[FIELDS].get("reason", "")))
        if reason is None:
            error = f"Geef een reden van {REASON_MIN} tot {REASON_MAX} tekens."
            return _reason_form(request, conversation_id, error)
        agent = request[AGENT]
        desk = request.config_dict[HELPDESK]
        assert agent.id is not None
        now = desk.clock()
        await grants(request).grant(agent.id, conversation_id, request[SESSION].token_hash, reason, now)
        await request.config_dict[AGENTS].audit(agent.id, conversation_id, "open_with_reason", now)
        logger.info("agent %s gave a reason to open conversation %s", agent.id, conversation_id)
    raise web.HTTPSeeOther(f"/console/c/{conversation_id}")


async def conversation_page(request: web.Request) -> web.Response:
    conversation_id, access = await _readable(request)
    if access is Access.NEEDS_REASON:
        return _reason_form(request, conversation_id)
    store = request.config_dict[STORE]
    conversation = await store.get(conversation_id)
    if conversation is None:
        raise web.HTTPNotFound(text=GONE)
    agent = request[AGENT]
    desk = request.config_dict[HELPDESK]
    agents = request.config_dict[AGENTS]
    assert agent.id is not None
    await agents.audit(agent.id, conversation_id, "open_transcript", desk.clock())
    logger.info("agent %s opened conversation %s", agent.id, conversation_id)
    handoff = await desk.handoffs.open_for(conversation_id)
    dialog = request.config_dict[DIALOG]
    transcript = await store.transcript(conversation_id)
    dutch = request.config_dict[DUTCH].get(desk.i18n.directory, desk.i18n.locales)
    locale = conversation.locale
    with desk.i18n.use(locale):
        canned = [(c, c.translated()) for c in CANNED.values()]
    translating = request.config_dict[TRANSLATOR].enabled
    context = base_context(request) | {
        "page": "conversation",
        "conversation": conversation,
        "handoff": handoff,
        "mine": handoff is not None and handoff.status == "live" and handoff.agent_id == agent.id,
        "owner": await desk.agent_name(handoff.agent_id) if handoff and handoff.agent_id else None,
        "language": language_name(locale),
        "speaks": locale in agent.languages,
        "summary": summarise(dialog, conversation).as_context(),  # words, never ids (bot/helpdesk/summary.py)
        "transcript": [
            {
                "sender": e.sender,
                "who": SENDERS.get(e.sender, e.sender),
                "text": e.text,
                "dutch": e.original,  # the Dutch this line was translated from, kept when it was sent
                "lines": dutch.beside(e.text, locale) if e.sender == "bot" and not e.original else None,
                "at": e.created_at,
            }
            for e in transcript
        ],
        "last_entry": transcript[-1].id if transcript else 0,
        "notes": await desk.handoffs.notes(conversation_id),
        "canned": [{"id": c.id, "label": c.label, "text": c.text, "shown": shown_text} for c, shown_text in canned],
        "translate_user": translating,
        "translate_reply": translating and locale != SOURCE_LOCALE,
        "outcomes": OUTCOMES,
        "organisations": {key: org.name for key, org in dialog.directory.organisations.items()},
        "colleagues": [a for a in await agents.active() if a.id != agent.id and a.role != "partner"],
        "user_lines": sum(1 for e in transcript if e.sender == "user"),  # what the agent has seen of it now
        "went": None if handoff else await my_chats.user_went(request, conversation_id),  # the user left
    }
    context |= await my_chats.beside(request)  # the agent's other live chats, who waits
    return aiohttp_jinja2.render_template("conversation.html", request, context)


async def still_here(request: web.Request) -> web.Response:
    """The agent used the page (typed, clicked): the login middleware has just counted that as activity.

    An open live connection alone does not keep a session: a console left unattended still expires.
    """
    return web.Response(status=204)
