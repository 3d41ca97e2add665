"""For admins: who handles what, now (``/console/supervisor``), kept fresh from ``/console/supervisor.json``.

One picture from the open hand-offs (``HandoffStore.queue``) and the console sessions: the queue's length and its
longest wait, crisis chats nobody has claimed yet (first, marked with a word and an icon, not by colour alone),
and per agent whether they are online, their open chats and so their load. No user's words, no chat id: ids,
languages, times. Others get 403.

"Online" is a console session that still counts (used within ``console_session_idle_minutes``, younger than
``console_session_max_hours``), read from the database, so it holds with several workers; "laatst actief" is
the last time that agent used the console. The page's script (``static/supervisor.js``) asks for the JSON every
``POLL_SECONDS``, only while the page is visible and someone used it lately: each request counts as using the
console, and a supervisor view left alone must still log out like any other console page.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from bot.appkeys import HELPDESK, SETTINGS
from bot.console.admin import require_admin
from bot.console.keys import AGENTS
from bot.console.login import session_cutoffs
from bot.console.views import CHANNELS, base_context
from bot.i18n import language_name
from storage.handoffs import QueueItem
from storage.models import Agent

logger = logging.getLogger(__name__)

POLL_SECONDS = 5


def routes(console: web.Application) -> None:
    console.router.add_get("/supervisor", supervisor_page, name="supervisor")
    console.router.add_get("/supervisor.json", supervisor_json, name="supervisor_json")


def duration(seconds: float) -> str:
    """A wait or a time ago in Dutch, as a person says it: "minder dan 1 min", "7 min", "1 u 05 min"."""
    minutes = int(max(0, seconds) // 60)
    if minutes < 1:
        return "minder dan 1 min"
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} u {minutes % 60:02d} min"


def _chat(item: QueueItem, since: datetime | None, now: datetime) -> dict[str, Any]:
    seconds = max(0, int((now - since).total_seconds())) if since else 0
    return {
        "conversation": item.conversation_id,
        "handoff": item.handoff_id,
        "channel": CHANNELS.get(item.channel, item.channel),
        "language": language_name(item.locale),
        "locale": item.locale,
        "crisis": item.crisis,
        "seconds": seconds,
        "time_text": duration(seconds),
    }


def overview(
    items: Iterable[QueueItem], agents: Iterable[Agent], online: Mapping[int, datetime], now: datetime
) -> dict[str, Any]:
    """The supervisor's picture as data (the page and the JSON both show this): no text of any user."""
    waiting = [item for item in items if item.status == "queued"]
    live = [item for item in items if item.status == "live"]
    oldest = max((now - item.requested_at).total_seconds() for item in waiting) if waiting else None
    chats: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for item in live:
        if item.agent_id is not None:
            chats[item.agent_id].append(_chat(item, item.claimed_at or item.requested_at, now))
    people: list[dict[str, Any]] = []
    for agent in agents:
        assert agent.id is not None
        mine = chats.get(agent.id, [])
        if not agent.active and not mine:
            continue
        last_seen = online.get(agent.id)
        people.append(
            {
                "id": agent.id,
                "name": agent.display_name,
                "admin": agent.role == "admin",
                "online": last_seen is not None,
                "last_seen_text": "" if last_seen is None else duration((now - last_seen).total_seconds()) + " geleden",
                "languages": ", ".join(language_name(code) for code in agent.languages),
                "load": len(mine),
                "crisis_chats": sum(1 for chat in mine if chat["crisis"]),
                "chats": mine,
                "away_with_chats": last_seen is None and bool(mine),  # their chats go back to the queue soon
            }
        )
    people.sort(key=lambda person: (not person["online"], -person["load"], person["name"].casefold()))
    crisis = [_chat(item, item.requested_at, now) for item in waiting if item.crisis]
    return {
        "at": now.isoformat(),
        "waiting": len(waiting),
        "messages_left": sum(1 for item in waiting if item.after_hours),
        "oldest_wait_seconds": None if oldest is None else int(oldest),
        "oldest_wait_text": "niemand wacht" if oldest is None else duration(oldest),
        "live": len(live),
        "online": sum(1 for person in people if person["online"]),
        "unclaimed_crisis": crisis,
        "agents": people,
    }


async def _overview(request: web.Request) -> dict[str, Any]:
    require_admin(request)
    app = request.config_dict
    desk = app[HELPDESK]
    now = desk.clock()
    idle_since, started_since = session_cutoffs(app, now)
    agents = app[AGENTS]
    online = await agents.online(idle_since, started_since)
    data = overview(await desk.handoffs.queue(), await agents.everyone(), online, now)
    data["at_text"] = now.astimezone(ZoneInfo(app[SETTINGS].helpdesk_timezone)).strftime("%H:%M:%S")
    return data


async def supervisor_page(request: web.Request) -> web.Response:
    data = await _overview(request)
    context = base_context(request) | {
        "page": "supervisor",
        "data": data,
        "poll_seconds": POLL_SECONDS,
        "idle_minutes": request.config_dict[SETTINGS].console_session_idle_minutes,
    }
    response = aiohttp_jinja2.render_template("supervisor.html", request, context)
    response.headers["Cache-Control"] = "no-store"
    return response


async def supervisor_json(request: web.Request) -> web.Response:
    return web.json_response(await _overview(request), headers={"Cache-Control": "no-store"})
