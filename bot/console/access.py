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
"""

from __future__ import annotations

import enum
import unicodedata
from datetime import timedelta

from aiohttp import web

from bot.appkeys import HELPDESK, STORE
from bot.console import ids
from bot.console.auth import AGENT, SESSION
from storage.access_grants import AccessGrantStore

GRANT_FOR = timedelta(hours=1)
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
