"""Working several chats at once: the list beside the open chat, and the way to the next one.

The conversation page and the queue show the agent's own live chats ("Mijn gesprekken": language, channel,
crisis, how many lines the user wrote) and who waits, in this agent's order (``queue_order``). The page's script
keeps them live from the socket (``bot.helpdesk.live``: the queue, and a notice without text of each event in the
agent's other chats) and works out what is unread: ``user_lines`` is the truth from the database, and the
browser keeps, per chat, how many of them the agent has seen (``console.js``). No read marks are stored.

``GET /console/volgende`` is "the next waiting chat": the first waiting conversation in this agent's order (a
crisis first, then their languages), or the queue when nobody waits. The script goes there after "Afsluiten"
and on Alt+N.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from sqlalchemy import func, select

from bot.appkeys import HELPDESK
from bot.console.auth import AGENT
from bot.console.queue_order import for_agent
from bot.helpdesk.presence import last_handoff
from bot.helpdesk.queue_rows import queue_json
from storage.handoffs import TRANSCRIPT

logger = logging.getLogger(__name__)

WAITING_SHOWN = 8  # waiting chats listed beside a conversation (the queue page shows them all)
LEFT = {"user_left", "user_deleted"}  # outcomes that say the user went, not the agent


def routes(console: web.Application) -> None:
    console.router.add_get("/volgende", next_chat, name="next_chat")


async def rows(request: web.Request) -> list[dict[str, Any]]:
    """The queue (waiting and live) in this agent's order, as the socket sends it."""
    desk = request.config_dict[HELPDESK]
    now = desk.clock()
    return for_agent([queue_json(item, now) for item in await desk.handoffs.queue()], request[AGENT].languages)


async def beside(request: web.Request, items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The template context of the list: ``my_chats`` (with ``user_lines``), ``waiting_items``, ``waiting_count``."""
    items = await rows(request) if items is None else items
    agent_id = request[AGENT].id
    mine = [dict(item) for item in items if item["status"] == "live" and item["agent_id"] == agent_id]
    lines = await user_lines(request, [int(item["conversation"]) for item in mine])
    for item in mine:
        item["user_lines"] = lines.get(int(item["conversation"]), 0)
    waiting = [item for item in items if item["status"] == "queued"]
    return {"my_chats": mine, "waiting_items": waiting[:WAITING_SHOWN], "waiting_count": len(waiting)}


async def user_lines(request: web.Request, conversation_ids: list[int]) -> dict[int, int]:
    """How many lines the user wrote in each conversation (one query for all)."""
    if not conversation_ids:
        return {}
    query = (
        select(TRANSCRIPT.c.conversation_id, func.count())
        .where(TRANSCRIPT.c.conversation_id.in_(conversation_ids), TRANSCRIPT.c.sender == "user")
        .group_by(TRANSCRIPT.c.conversation_id)
    )
    async with request.config_dict[HELPDESK].handoffs.engine.connect() as conn:
        return {int(conversation): int(count) for conversation, count in (await conn.execute(query)).all()}


async def user_went(request: web.Request, conversation_id: int) -> str | None:
    """Why the conversation's last hand-off ended, when the user ended it (``user_left``, ``user_deleted``)."""
    async with request.config_dict[HELPDESK].handoffs.engine.connect() as conn:
        last = await last_handoff(conn, conversation_id)
    if last is None or last.status != "ended" or last.outcome not in LEFT:
        return None
    return last.outcome


async def next_chat(request: web.Request) -> web.Response:
    """To the first waiting conversation in this agent's order, or to the queue when nobody waits."""
    waiting = [item for item in await rows(request) if item["status"] == "queued"]
    if not waiting:
        raise web.HTTPSeeOther("/console/")
    raise web.HTTPSeeOther(f"/console/c/{waiting[0]['conversation']}")
