"""Which conversations an agent may read in the console, and the reason asked for any other one.

Open without asking: a conversation waiting in the queue (to claim it) and one the agent took part in
(claimed, was given, replied, transferred, ended: ``storage.access_grants.took_part``). Any other conversation
with a hand-off (a colleague's live chat, an old one) opens only after the agent gives a reason; it is kept
with ids in ``access_grants`` and audited (``open_with_reason``), and opens that conversation for this
session and at most ``GRANT_FOR``. A conversation that never asked for a person is not the helpdesk's: agents
get 404, admins must give a reason like for any other.

Admins need a reason too (except for the queue and their own conversations): the role lets them read
anything, not read it unseen; an admin account is the most valuable one to steal, and a reason costs seconds.

Watching live over the socket (``?watch=``) follows the same rule (``may_read``).

Partner organisations (role ``partner``, ``storage.partners``) reach their own pages only: the routes named
``partner_…`` (``bot/console/partners.py``: the referrals addressed to their organisation) and logging out.
``partner_fence`` stands behind ``login.require_login`` and refuses them everything else, by the route that
matched rather than by the path (so no spelling of a path gets round it): the queue, conversations, the live
socket, monitoring, the audit log and every admin page are 403 (the queue's address sends them to their own
page); ``may_read`` never opens a conversation to them. Agents and admins get 403 on the partner pages.
"""

from __future__ import annotations

import enum
import unicodedata
from datetime import timedelta

from aiohttp import web

from bot.appkeys import HELPDESK, STORE
from bot.console import ids
from bot.console.auth import AGENT, SESSION, Handler
from storage.access_grants import AccessGrantStore

GRANT_FOR = timedelta(hours=1)
PARTNER = "partner"
PARTNER_HOME = "/console/partner"
PARTNER_ROUTE = "partner_"  # the names of the routes a partner may use start with this
PARTNER_ALSO = frozenset({"logout"})
PARTNERS_KEEP_OUT = "Deze pagina is alleen voor de chat-ondersteuning."
ONLY_PARTNERS = "Deze pagina is alleen voor partnerorganisaties."
REASON_MIN = 5
REASON_MAX = 200


class Access(enum.Enum):
    OPEN = "open"
    NEEDS_REASON = "needs_reason"
    NOT_FOUND = "not_found"


def parse_id(text: str) -> int | None:
    """A conversation id from a URL: ASCII digits within the column's range, else None."""
    return ids.parse_id(text)


def clean_reason(text: str) -> str | None:
    """The reason on one line without control characters, or None when too short or too long."""
    flat = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    reason = " ".join(flat.split())
    return reason if REASON_MIN <= len(reason) <= REASON_MAX else None


def grants(request: web.Request) -> AccessGrantStore:
    return AccessGrantStore(request.config_dict[STORE].engine)


async def may_read(request: web.Request, conversation_id: int) -> Access:
    """May this session's agent read the conversation now (OPEN), after a reason, or not at all (NOT_FOUND)?"""
    agent = request[AGENT]
    assert agent.id is not None
    if agent.role == PARTNER:  # never a conversation: only what a user agreed to share (partners.py)
        return Access.NOT_FOUND
    desk = request.config_dict[HELPDESK]
    if await request.config_dict[STORE].get(conversation_id) is None:
        return Access.NOT_FOUND
    if not await desk.handoffs.has_handoff(conversation_id):
        if agent.role != "admin":
            return Access.NOT_FOUND
    else:
        handoff = await desk.handoffs.open_for(conversation_id)
        if handoff is not None and handoff.status == "queued":
            return Access.OPEN
        if await grants(request).took_part(agent.id, conversation_id):
            return Access.OPEN
    since = desk.clock() - GRANT_FOR
    if await grants(request).granted(agent.id, conversation_id, request[SESSION].token_hash, since):
        return Access.OPEN
    return Access.NEEDS_REASON


def partner_route(request: web.Request) -> bool:
    """Whether the route that matched is one of the partner pages."""
    name = request.match_info.route.name
    return name is not None and name.startswith(PARTNER_ROUTE)


@web.middleware
async def partner_fence(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Partners only on their pages (and logging out); agents and admins never on those."""
    agent = request.get(AGENT)
    if agent is None:  # an open path (login, static): ``require_login`` let it through without a session
        return await handler(request)
    if agent.role != PARTNER:
        if partner_route(request):
            raise web.HTTPForbidden(text=ONLY_PARTNERS)
        return await handler(request)
    if partner_route(request) or request.match_info.route.name in PARTNER_ALSO:
        return await handler(request)
    if request.method == "GET" and request.match_info.route.name == "queue":
        raise web.HTTPSeeOther(PARTNER_HOME)  # where a login lands
    raise web.HTTPForbidden(text=PARTNERS_KEEP_OUT)
