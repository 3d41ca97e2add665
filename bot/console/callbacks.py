"""The call-back list at ``/console/callbacks``: requests to be called back, a queue of their own.

- The list: the open requests, the ones to do first (waiting, and "opnieuw proberen" after no answer), oldest
  first, then the claimed ones; language, part of the day, role and theme, tries so far. Never a number.
- Claim ("Oppakken", or "Opnieuw proberen" after no answer): exactly one of two agents at once gets it
  (``storage.callbacks``). Then ``/console/callbacks/<id>`` shows the number, to that agent only, and every
  showing writes an audit row (``callback_number``: agent id, conversation id, time; never the number).
- With a claimed request: "Gebeld" (with an outcome code) or "Sluiten" (given up, with a reason) close it and
  delete the number at once; "Niet opgenomen" counts a try and puts it back in the list; "Teruggeven" puts it
  back without counting one. An admin may do these for any claimed request, but sees the number only after
  claiming it too.

Every action is a plain form POST with the session's CSRF token (``login.require_login``), audited by ids
(``callback_claim`` …), and answers with a redirect (303), or the list with what went wrong (409, 400).
Only the chat-ondersteuning (roles ``agent`` and ``admin``) has this page: a partner gets 403.

Live: after every change (and after a user's new request, ``bot.helpdesk.callback_request``) every console hears
how many requests wait (``bot.helpdesk.callback_events``); the count beside "Terugbellen" on every page comes
from ``nav_counts``, and console.js reads this list again when it changes.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.appkeys import HELPDESK, STORE
from bot.console.auth import AGENT, FIELDS
from bot.console.ids import ID
from bot.console.keys import AGENTS
from bot.console.nav_counts import STAFF
from bot.console.views import base_context
from bot.helpdesk.callback_events import callbacks_changed
from bot.helpdesk.phone_numbers import shown_e164
from bot.helpdesk.summary import readable
from bot.i18n import language_name
from bot.monitoring.labels import ROLES, THEMES
from storage.callback_lifecycle import CLAIMED, RETRY
from storage.callbacks import CallbackItem, CallbackStore
from storage.models import Callback

logger = logging.getLogger(__name__)

PARTS = {"morning": "Ochtend", "afternoon": "Middag", "evening": "Avond", "any": "Maakt niet uit"}
CALLED = {  # "Gebeld": what came of the call
    "information": "Informatie gegeven",
    "referred": "Doorverwezen naar een organisatie",
    "chat": "Verder via de chat",
    "other": "Anders",
}
CLOSED = {  # "Sluiten": why there was no call
    "not_reached": "Niet bereikt, ook niet na meer pogingen",
    "wrong_number": "Het nummer klopt niet",
    "not_needed": "Niet meer nodig",
}
TAKEN = "Een collega was je voor: dit verzoek is al opgepakt."
NOT_YOURS = "Dit verzoek is niet (meer) van jou."
GONE = "Dit verzoek bestaat niet (meer)."


def routes(console: web.Application) -> None:
    console.router.add_get("/callbacks", list_page, name="callbacks")
    console.router.add_get("/callbacks/{callback_id:" + ID + "}", request_page, name="callback")
    console.router.add_post("/callbacks/{callback_id:" + ID + "}/claim", claim)
    console.router.add_post("/callbacks/{callback_id:" + ID + "}/release", release)
    console.router.add_post("/callbacks/{callback_id:" + ID + "}/no-answer", no_answer)
    console.router.add_post("/callbacks/{callback_id:" + ID + "}/called", called)
    console.router.add_post("/callbacks/{callback_id:" + ID + "}/close", close)


def store(request: web.Request) -> CallbackStore:
    return CallbackStore(request.config_dict[STORE].engine)


def require_staff(request: web.Request) -> None:
    if request[AGENT].role not in STAFF:
        raise web.HTTPForbidden(text="Alleen voor de chat-ondersteuning.")


async def list_page(request: web.Request) -> web.Response:
    require_staff(request)
    return await _render(request)


async def request_page(request: web.Request) -> web.Response:
    """One claimed request with its number, for the agent who claimed it; showing the number is audited."""
    require_staff(request)
    callback_id = int(request.match_info["callback_id"])
    agent = request[AGENT]
    assert agent.id is not None
    found = await store(request).get(callback_id)
    if found is None:
        return await _render(request, error=GONE, status=404)
    phone = await store(request).number(callback_id, agent.id)
    if phone is None:
        return await _render(request, error=NOT_YOURS, status=403)
    await _audit(request, found, "callback_number")
    logger.info("agent %s was shown the number of call-back request %s", agent.id, callback_id)
    current = {"id": callback_id, "phone": shown_e164(phone), "dial": "tel:" + phone, **_about(found)}
    return await _render(request, current=current)


async def claim(request: web.Request) -> web.StreamResponse:
    """Take a request to call; the number shows on the next page."""
    require_staff(request)
    callback_id, agent_id = _ids(request)
    if not await store(request).claim(callback_id, agent_id, _now(request)):
        return await _render(request, error=TAKEN, status=409)
    await _audited(request, callback_id, "callback_claim")
    await _changed(request)
    raise web.HTTPSeeOther(f"/console/callbacks/{callback_id}")


async def release(request: web.Request) -> web.StreamResponse:
    """Back in the list for a colleague, without counting a try."""
    return await _back_in_list(request, "release")


async def no_answer(request: web.Request) -> web.StreamResponse:
    """Nobody answered: one more try counted, back in the list to try again later."""
    return await _back_in_list(request, "no_answer")


async def _back_in_list(request: web.Request, trigger: str) -> web.StreamResponse:
    """``release`` or ``no_answer`` by the agent who has it (audited ``callback_<trigger>``); then the list."""
    require_staff(request)
    callback_id, _agent_id = _ids(request)
    change = store(request).release if trigger == "release" else store(request).no_answer
    if not await change(callback_id, _owner(request)):
        return await _render(request, error=NOT_YOURS, status=409)
    await _audited(request, callback_id, f"callback_{trigger}")
    await _changed(request)
    raise web.HTTPSeeOther("/console/callbacks")


async def called(request: web.Request) -> web.StreamResponse:
    """The user was reached: closed with an outcome code; the number is deleted at once."""
    return await _close(request, "called", CALLED)


async def close(request: web.Request) -> web.StreamResponse:
    """No call after all (not reached, a wrong number …): closed with a reason; the number is deleted at once."""
    return await _close(request, "close", CLOSED)


async def _close(request: web.Request, how: str, codes: dict[str, str]) -> web.StreamResponse:
    require_staff(request)
    callback_id, _agent_id = _ids(request)
    outcome = str(request[FIELDS].get("outcome", ""))
    if outcome not in codes:
        return await _render(request, error="Kies een uitkomst.", status=400)
    callbacks = store(request)
    closing = callbacks.called if how == "called" else callbacks.close
    if not await closing(callback_id, _owner(request), outcome, _now(request)):
        return await _render(request, error=NOT_YOURS, status=409)
    await _audited(request, callback_id, f"callback_{how}")
    await _changed(request)
    raise web.HTTPSeeOther("/console/callbacks")


async def _render(
    request: web.Request, *, current: dict[str, Any] | None = None, error: str | None = None, status: int = 200
) -> web.Response:
    agent = request[AGENT]
    items = [_row(item, agent.id) for item in await store(request).queue()]
    context = base_context(request) | {
        "page": "callbacks",
        "items": items,
        "to_do": sum(1 for item in items if item["status"] != CLAIMED),
        "current": current,
        "error": error,
        "called": CALLED,
        "closed": CLOSED,
    }
    return aiohttp_jinja2.render_template("callbacks.html", request, context, status=status)


def _row(item: CallbackItem, agent_id: int | None) -> dict[str, Any]:
    return {
        "id": item.callback_id,
        "status": item.status,
        "retry": item.status == RETRY,
        "mine": item.status == CLAIMED and item.agent_id == agent_id,
        "agent": item.agent_name,
        "channel": item.channel,
        "locale": item.locale,
        "language": language_name(item.locale),
        "part": PARTS.get(item.part_of_day, item.part_of_day),
        "attempts": item.attempts,
        "requested_at": item.requested_at,
        "role": readable(ROLES, item.role),  # in words, never the tree's codes (bot/helpdesk/summary.py)
        "theme": readable(THEMES, item.theme),
    }


def _about(callback: Callback) -> dict[str, Any]:
    return {
        "locale": callback.locale,
        "language": language_name(callback.locale),
        "part": PARTS.get(callback.part_of_day, callback.part_of_day),
        "attempts": callback.attempts,
        "requested_at": callback.requested_at,
    }


def _ids(request: web.Request) -> tuple[int, int]:
    agent_id = request[AGENT].id
    assert agent_id is not None
    return int(request.match_info["callback_id"]), agent_id


def _owner(request: web.Request) -> int | None:
    """Only one's own claimed request; an admin any (the number still only after claiming it)."""
    agent = request[AGENT]
    return None if agent.role == "admin" else agent.id


def _now(request: web.Request) -> datetime:
    return request.config_dict[HELPDESK].clock()


async def _changed(request: web.Request) -> None:
    """Every console hears how many requests wait now (the change is committed: ``CallbackStore`` writes)."""
    await callbacks_changed(request.config_dict[HELPDESK].bus, store(request))


async def _audited(request: web.Request, callback_id: int, action: str) -> None:
    found = await store(request).get(callback_id)
    if found is not None:
        await _audit(request, found, action)


async def _audit(request: web.Request, callback: Callback, action: str) -> None:
    agent_id = request[AGENT].id
    await request.config_dict[AGENTS].audit(agent_id, callback.conversation_id, action, _now(request))
