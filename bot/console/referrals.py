"""The helpdesk's side of warm referrals (``bot/helpdesk/referrals.py``) in the console.

- ``POST /console/h/<id>/doorverwijzen``: the form in a live chat (``templates/_referral.html``): organisation,
  note, contact wish, "met het gesprek erbij". The user is asked; nothing leaves before they say yes.
- ``/console/doorverwijzingen``: every referral with its status, those that came back (declined, or not accepted
  in time) first; ``?gesprek=<id>`` for one conversation. Ids, organisations and states only: no note.
- ``/console/doorverwijzingen/<id>``: one referral in full (note, contact wish, a partner's reason), under the
  same reading rule as its conversation (``access.may_read``) and audited per view (``referral_view:<id>``);
  one that came back can be marked as seen to (``…/afgehandeld``, audited).

A plain form answers with a page (303 back to the chat, or the problem and a way back); the console's script,
sending JSON, gets JSON. Partners never reach any of this (``access.partner_fence``).
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.appkeys import DIALOG, HELPDESK
from bot.console.access import Access, may_read
from bot.console.auth import AGENT, FIELDS
from bot.console.ids import ID, parse_id
from bot.console.keys import AGENTS
from bot.console.views import base_context
from bot.helpdesk.desk import NotYours
from bot.helpdesk.referrals import ReferralRefused, Referrals
from bot.i18n import language_name
from storage import referral_lifecycle as lifecycle
from storage.models import Referral
from storage.referrals import ReferralRow, ReferralStore

logger = logging.getLogger(__name__)

NOT_YOURS = "Dit gesprek is niet (meer) live bij jou: vraag de toestemming in je eigen live chat."
GONE = "Deze doorverwijzing bestaat niet (meer)."
STATUS = {
    lifecycle.PROPOSED: "Wacht op de gebruiker",
    lifecycle.SENT: "Verstuurd, wacht op de organisatie",
    lifecycle.ACCEPTED: "Aangenomen",
    lifecycle.DECLINED: "Afgewezen: terug bij ons",
    lifecycle.EXPIRED: "Niet op tijd beantwoord: terug bij ons",
    lifecycle.WITHDRAWN: "Ingetrokken door de gebruiker",
    lifecycle.CLOSED: "Teruggekomen en afgehandeld",
}
SAID_NO = "De gebruiker zei nee"


def routes(console: web.Application) -> None:
    console.router.add_post("/h/{handoff_id:" + ID + "}/doorverwijzen", propose, name="referral_propose")
    console.router.add_get("/doorverwijzingen", referrals_page, name="referrals")
    console.router.add_get("/doorverwijzingen/{referral_id:" + ID + "}", referral_page, name="referral")
    console.router.add_post("/doorverwijzingen/{referral_id:" + ID + "}/afgehandeld", close, name="referral_close")


def status_text(referral: Referral) -> str:
    if referral.status == lifecycle.WITHDRAWN and referral.consented_at is None:
        return SAID_NO
    return STATUS.get(referral.status, referral.status)


def _field(fields: dict[str, Any], name: str) -> str:
    value = fields.get(name, "")
    return value if isinstance(value, str) else ""


def _checked(fields: dict[str, Any], name: str) -> bool:
    return fields.get(name) in (True, "ja", "on", "1", "true")


def _json(request: web.Request) -> bool:
    return request.content_type == "application/json"


def _problem(request: web.Request, text: str, back: str, status: int) -> web.Response:
    if _json(request):
        return web.json_response({"ok": False, "error": text}, status=status)
    context = base_context(request) | {"page": "referrals", "problem": text, "back": back}
    return aiohttp_jinja2.render_template("referral_problem.html", request, context, status=status)


async def propose(request: web.Request) -> web.Response:
    """Ask the user of the agent's live chat whether this referral may go; audited."""
    agent = request[AGENT]
    desk = request.config_dict[HELPDESK]
    handoff_id = int(request.match_info["handoff_id"])
    handoff = await desk.handoffs.get(handoff_id)
    back = f"/console/c/{handoff.conversation_id}" if handoff is not None else "/console/"
    fields = request[FIELDS]
    referrals = Referrals(desk)
    try:
        proposal = await referrals.check(
            _field(fields, "organisation"),
            _field(fields, "note"),
            _field(fields, "contact"),
            _checked(fields, "met_gesprek"),
        )
        referral = await referrals.propose(agent, handoff_id, proposal)
    except ReferralRefused as exc:
        return _problem(request, str(exc), back, 400)
    except NotYours:
        return _problem(request, NOT_YOURS, back, 409)
    assert agent.id is not None
    await request.config_dict[AGENTS].audit(
        agent.id, referral.conversation_id, f"referral_propose:{referral.id}", desk.clock()
    )
    if _json(request):
        return web.json_response({"ok": True, "referral": referral.id})
    raise web.HTTPSeeOther(f"/console/c/{referral.conversation_id}")


def _row(dialog_names: dict[str, str], row: ReferralRow) -> dict[str, Any]:
    referral = row.referral
    return {
        "id": referral.id,
        "conversation": referral.conversation_id,
        "organisation": dialog_names.get(referral.organisation_id, referral.organisation_id),
        "status": referral.status,
        "status_text": status_text(referral),
        "back": referral.status in lifecycle.BACK,
        "created_at": referral.created_at,
        "decided_at": referral.decided_at,
        "agent": row.agent_name,
        "partner": row.partner_name,
        "language": language_name(row.locale),
        "with_transcript": referral.with_transcript,
    }


def _names(request: web.Request) -> dict[str, str]:
    return {key: org.name for key, org in request.config_dict[DIALOG].directory.organisations.items()}


async def referrals_page(request: web.Request) -> web.Response:
    """Every referral and its status; those that came back to the helpdesk first."""
    wanted = request.query.get("gesprek", "")
    conversation_id = parse_id(wanted)
    if wanted and conversation_id is None:
        raise web.HTTPNotFound(text="Dit gesprek bestaat niet.")
    store = ReferralStore(request.config_dict[HELPDESK].conversations.engine)
    names = _names(request)
    rows = [_row(names, row) for row in await store.for_helpdesk(conversation_id)]
    context = base_context(request) | {
        "page": "referrals",
        "came_back": [row for row in rows if row["back"]],
        "others": [row for row in rows if not row["back"]],
        "conversation_id": conversation_id,
    }
    return aiohttp_jinja2.render_template("referrals.html", request, context)


async def _readable(request: web.Request) -> Referral:
    """The referral of the URL, when this agent may read its conversation now (404, or 403 until a reason)."""
    referral_id = int(request.match_info["referral_id"])
    referral = await ReferralStore(request.config_dict[HELPDESK].conversations.engine).get(referral_id)
    if referral is None:
        raise web.HTTPNotFound(text=GONE)
    access = await may_read(request, referral.conversation_id)
    if access is Access.NOT_FOUND:
        raise web.HTTPNotFound(text=GONE)
    if access is Access.NEEDS_REASON:
        back = f"/console/c/{referral.conversation_id}"
        text = "Dit gesprek is niet van jou. Open eerst het gesprek en geef een reden; kom dan hier terug."
        raise _problem_exception(request, text, back)
    return referral


def _problem_exception(request: web.Request, text: str, back: str) -> web.HTTPForbidden:
    page = _problem(request, text, back, 403)
    return web.HTTPForbidden(text=page.text, content_type=page.content_type)


async def referral_page(request: web.Request) -> web.Response:
    """One referral in full: what the user agreed to share, and where it stands; audited per view."""
    referral = await _readable(request)
    agent = request[AGENT]
    desk = request.config_dict[HELPDESK]
    assert agent.id is not None and referral.id is not None
    await request.config_dict[AGENTS].audit(
        agent.id, referral.conversation_id, f"referral_view:{referral.id}", desk.clock()
    )
    logger.info("agent %s viewed referral %s", agent.id, referral.id)
    names = _names(request)
    rows = await ReferralStore(desk.conversations.engine).for_helpdesk(referral.conversation_id)
    row = next(r for r in rows if r.referral.id == referral.id)
    context = base_context(request) | {
        "page": "referrals",
        "referral": referral,
        "row": _row(names, row),
    }
    return aiohttp_jinja2.render_template("referral.html", request, context)


async def close(request: web.Request) -> web.Response:
    """An agent saw to a referral that came back: it leaves the top of the list; audited."""
    referral = await _readable(request)
    agent = request[AGENT]
    desk = request.config_dict[HELPDESK]
    assert agent.id is not None and referral.id is not None
    if await Referrals(desk).close(agent, referral.id) is None:
        return _problem(
            request, "Deze doorverwijzing is niet teruggekomen (of al afgehandeld).", "/console/doorverwijzingen", 409
        )
    await request.config_dict[AGENTS].audit(
        agent.id, referral.conversation_id, f"referral_close:{referral.id}", desk.clock()
    )
    if _json(request):
        return web.json_response({"ok": True})
    raise web.HTTPSeeOther("/console/doorverwijzingen")
