"""The pages of a partner organisation (role ``partner``): the warm referrals addressed to it, nothing else.

A partner sees a referral only once the user said yes to it (``sent``) and while it stands (``accepted``):
never a proposal, never one withdrawn, declined or expired, never another organisation's (404, as if it did not
exist). It reads the note and the contact wish; the conversation only when the user agreed to that too
(``with_transcript``), and only as it was at that moment. It accepts a referral, or declines it with a reason,
which sends it back to the helpdesk. Every page is audited (ids only): ``referral_list``, ``referral_view:<id>``,
``referral_transcript:<id>``, ``referral_accept:<id>``, ``referral_decline:<id>``.

The route names start with ``partner_``: ``access.partner_fence`` lets partners reach these and logging out only,
and keeps agents and admins out of them. The pages need no script and open no live socket.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.appkeys import DIALOG, HELPDESK
from bot.console.auth import AGENT, FIELDS
from bot.console.ids import ID
from bot.console.keys import AGENTS
from bot.console.views import SENDERS, base_context
from bot.helpdesk.referrals import REASON_MAX, REASON_MIN, Referrals
from bot.i18n import language_name
from bot.matching import clean
from storage import referral_lifecycle as lifecycle
from storage.models import Agent, Referral
from storage.referrals import ReferralStore

logger = logging.getLogger(__name__)

GONE = "Deze doorverwijzing bestaat niet (meer), of is niet voor jullie organisatie."
NO_ORGANISATION = "Dit account hoort bij geen organisatie uit de lijst. Vraag de chat-ondersteuning om hulp."
STATUS = {lifecycle.SENT: "Nieuw: wacht op jullie antwoord", lifecycle.ACCEPTED: "Aangenomen"}
PARTNER_SENDERS = {**SENDERS, "agent": "Chat-ondersteuning"}


def routes(console: web.Application) -> None:
    console.router.add_get("/partner", partner_list, name="partner_list")
    console.router.add_get("/partner/{referral_id:" + ID + "}", partner_referral, name="partner_referral")
    console.router.add_get("/partner/{referral_id:" + ID + "}/gesprek", partner_transcript, name="partner_transcript")
    console.router.add_post("/partner/{referral_id:" + ID + "}/aannemen", partner_accept, name="partner_accept")
    console.router.add_post("/partner/{referral_id:" + ID + "}/afwijzen", partner_decline, name="partner_decline")


def _partner(request: web.Request) -> tuple[Agent, str]:
    """The partner and its organisation's name; 403 for an account without a known organisation."""
    partner = request[AGENT]
    organisations = request.config_dict[DIALOG].directory.organisations
    if partner.organisation_id is None or partner.organisation_id not in organisations:
        raise web.HTTPForbidden(text=NO_ORGANISATION)
    return partner, organisations[partner.organisation_id].name


def _store(request: web.Request) -> ReferralStore:
    return ReferralStore(request.config_dict[HELPDESK].conversations.engine)


async def _theirs(request: web.Request, partner: Agent) -> Referral:
    """The referral of the URL when this partner may see it; else 404 (never telling whether it exists)."""
    referral = await _store(request).get(int(request.match_info["referral_id"]))
    if (
        referral is None
        or referral.organisation_id != partner.organisation_id
        or referral.status not in lifecycle.PARTNER_SEES
    ):
        raise web.HTTPNotFound(text=GONE)
    return referral


async def _audit(request: web.Request, partner: Agent, referral: Referral | None, action: str) -> None:
    assert partner.id is not None
    conversation_id = referral.conversation_id if referral is not None else None
    action = action if referral is None else f"{action}:{referral.id}"
    await request.config_dict[AGENTS].audit(partner.id, conversation_id, action, request.config_dict[HELPDESK].clock())


def _context(request: web.Request, organisation: str, **more: Any) -> dict[str, Any]:
    return base_context(request) | {"organisation": organisation, "status": STATUS, **more}


async def partner_list(request: web.Request) -> web.Response:
    """The referrals to this organisation: new ones first. Dates, languages and states only; audited."""
    partner, organisation = _partner(request)
    assert partner.organisation_id is not None
    rows = await _store(request).for_organisation(partner.organisation_id)
    await _audit(request, partner, None, "referral_list")
    items = [
        {"referral": row.referral, "language": language_name(row.locale), "status": STATUS[row.referral.status]}
        for row in rows
    ]
    context = _context(request, organisation, page="partner_list", items=items)
    return aiohttp_jinja2.render_template("partner_list.html", request, context)


async def partner_referral(request: web.Request, error: str | None = None, status: int = 200) -> web.Response:
    """One referral: what the user agreed to share, and the answer to give; audited per view."""
    partner, organisation = _partner(request)
    referral = await _theirs(request, partner)
    await _audit(request, partner, referral, "referral_view")
    logger.info("partner %s viewed referral %s", partner.id, referral.id)
    rows = await _store(request).for_organisation(referral.organisation_id)
    locale = next((row.locale for row in rows if row.referral.id == referral.id), "nl")
    context = _context(
        request,
        organisation,
        page="partner_referral",
        referral=referral,
        language=language_name(locale),
        error=error,
        reason_min=REASON_MIN,
        reason_max=REASON_MAX,
    )
    return aiohttp_jinja2.render_template("partner_referral.html", request, context, status=status)


async def partner_transcript(request: web.Request) -> web.Response:
    """The conversation up to the user's consent, only when they agreed to share it; audited per view."""
    partner, organisation = _partner(request)
    referral = await _theirs(request, partner)
    if not referral.with_transcript:
        raise web.HTTPNotFound(text="De gebruiker heeft het gesprek niet gedeeld.")
    lines = await _store(request).shared_transcript(referral)
    await _audit(request, partner, referral, "referral_transcript")
    logger.info("partner %s read the shared conversation of referral %s", partner.id, referral.id)
    entries = [
        {"who": PARTNER_SENDERS.get(e.sender, e.sender), "sender": e.sender, "text": e.text, "dutch": e.original}
        for e in lines
    ]
    context = _context(request, organisation, page="partner_transcript", referral=referral, entries=entries)
    return aiohttp_jinja2.render_template("partner_transcript.html", request, context)


async def partner_accept(request: web.Request) -> web.Response:
    """Take the referral up: the user can no longer withdraw it, the helpdesk sees it accepted."""
    partner, _organisation = _partner(request)
    referral = await _theirs(request, partner)
    desk = request.config_dict[HELPDESK]
    assert referral.id is not None
    if await Referrals(desk).decide(partner, referral.id, "accept") is None:
        now = await _store(request).get(referral.id)
        if now is None or now.status != lifecycle.ACCEPTED:  # accepted already (a second click): just show it
            return await partner_referral(request, "Dit kan niet meer: de doorverwijzing is niet meer open.", 409)
    await _audit(request, partner, referral, "referral_accept")
    raise web.HTTPSeeOther(f"/console/partner/{referral.id}")


async def partner_decline(request: web.Request) -> web.Response:
    """Decline with a reason: the referral goes back to the helpdesk (and from this organisation's list)."""
    partner, _organisation = _partner(request)
    referral = await _theirs(request, partner)
    value = request[FIELDS].get("reason", "")
    reason = " ".join(clean(value if isinstance(value, str) else "", REASON_MAX + 1)[0].split())
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        error = f"Geef een reden van {REASON_MIN} tot {REASON_MAX} tekens. De chat-ondersteuning leest die."
        return await partner_referral(request, error, 400)
    desk = request.config_dict[HELPDESK]
    assert referral.id is not None
    if await Referrals(desk).decide(partner, referral.id, "decline", reason) is None:
        return await partner_referral(request, "Dit kan niet meer: de doorverwijzing is niet meer open.", 409)
    await _audit(request, partner, referral, "referral_decline")
    raise web.HTTPSeeOther("/console/partner")
