"""What an agent does with a conversation: claim, reply, canned reply, typing, note, transfer, end, and, with
machine translation on, translate a user's message or reply with a translation.

Each is a POST with the session's CSRF token (checked by ``login.require_login``) and answers JSON:
``{"ok": true, …}`` or an error with a status the script shows (409 when someone else was first, 502 when the
translation service failed). What is done is audited (agent id, conversation id, action, time; never the
text): claim, reply (also canned and translated), transfer, end, note, translate.

The translation routes answer 404, and send nothing anywhere, while ``translation_url`` is empty.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.appkeys import DIALOG, HELPDESK, SETTINGS, STORE
from bot.console.access import Access, may_read
from bot.console.auth import AGENT, FIELDS
from bot.console.ids import ID, parse_id
from bot.console.keys import AGENTS, TRANSLATOR
from bot.console.translator import TranslationFailed
from bot.console.views import CANNED
from bot.helpdesk.desk import OUTCOMES, NotYours
from bot.i18n import SOURCE_LOCALE
from bot.matching import clean

logger = logging.getLogger(__name__)

TAKEN = "Een collega was je voor: dit gesprek is al overgenomen."
NOT_YOURS = "Dit gesprek is niet (meer) van jou."


def routes(console: web.Application) -> None:
    console.router.add_post("/h/{handoff_id:" + ID + "}/claim", claim)
    console.router.add_post("/h/{handoff_id:" + ID + "}/reply", reply)
    console.router.add_post("/h/{handoff_id:" + ID + "}/canned", canned)
    console.router.add_post("/h/{handoff_id:" + ID + "}/reply-translated", reply_translated)
    console.router.add_post("/h/{handoff_id:" + ID + "}/typing", typing)
    console.router.add_post("/h/{handoff_id:" + ID + "}/transfer", transfer)
    console.router.add_post("/h/{handoff_id:" + ID + "}/end", end)
    console.router.add_post("/c/{conversation_id:" + ID + "}/note", note)
    console.router.add_post("/c/{conversation_id:" + ID + "}/translate", translate)


Action = Callable[[web.Request, int], Awaitable[web.Response]]


def _handoff_action(action: Action) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def run(request: web.Request) -> web.Response:
        try:
            return await action(request, int(request.match_info["handoff_id"]))
        except NotYours:
            return web.json_response({"ok": False, "error": NOT_YOURS}, status=409)
        except TranslationFailed as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=502)

    run.__name__ = action.__name__
    run.__doc__ = action.__doc__
    return run


async def _audit(request: web.Request, handoff_id: int, action: str) -> None:
    handoff = await request.config_dict[HELPDESK].handoffs.get(handoff_id)
    agent_id = request[AGENT].id
    if handoff is not None and agent_id is not None:
        await request.config_dict[AGENTS].audit(
            agent_id, handoff.conversation_id, action, request.config_dict[HELPDESK].clock()
        )


def _text(request: web.Request, key: str = "text") -> str:
    return str(request[FIELDS].get(key, ""))


MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{8,40}")


def _message_id(request: web.Request) -> str | None:
    """The id the console made for this message (a resend after an error carries the same one), if any."""
    value = request[FIELDS].get("message_id")
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not MESSAGE_ID.fullmatch(value):
        raise web.HTTPBadRequest(text="message_id: 8 to 40 letters, digits, _ or -")
    return value


@_handoff_action
async def claim(request: web.Request, handoff_id: int) -> web.Response:
    """Take a waiting conversation; exactly one of two agents clicking at once gets it."""
    agent = request[AGENT]
    desk = request.config_dict[HELPDESK]
    if not await desk.claim(agent, handoff_id):
        return web.json_response({"ok": False, "error": TAKEN}, status=409)
    handoff = await desk.handoffs.get(handoff_id)
    assert handoff is not None and agent.id is not None
    await request.config_dict[AGENTS].audit(agent.id, handoff.conversation_id, "claim", desk.clock())
    return web.json_response({"ok": True, "conversation": handoff.conversation_id})


@_handoff_action
async def reply(request: web.Request, handoff_id: int) -> web.Response:
    """Send the agent's message to the user."""
    sent = await request.config_dict[HELPDESK].reply(
        request[AGENT], handoff_id, _text(request), message_id=_message_id(request)
    )
    if not sent:
        return web.json_response({"ok": False, "error": "Typ eerst een bericht."}, status=400)
    await _audit(request, handoff_id, "reply")
    return web.json_response({"ok": True, "text": sent})


@_handoff_action
async def canned(request: web.Request, handoff_id: int) -> web.Response:
    """Send a standard answer, in the user's language."""
    desk = request.config_dict[HELPDESK]
    chosen = CANNED.get(_text(request, "canned"))
    if chosen is None:
        return web.json_response({"ok": False, "error": "Dit standaardantwoord bestaat niet."}, status=400)
    handoff = await desk.handoffs.get(handoff_id)
    conversation = await request.config_dict[STORE].get(handoff.conversation_id) if handoff else None
    if conversation is None:
        raise NotYours(handoff_id)
    with desk.i18n.use(conversation.locale):
        text = chosen.translated()
    sent = await desk.reply(request[AGENT], handoff_id, text, original=chosen.text, message_id=_message_id(request))
    await _audit(request, handoff_id, "reply")
    return web.json_response({"ok": True, "text": sent})


@_handoff_action
async def reply_translated(request: web.Request, handoff_id: int) -> web.Response:
    """Send the agent's Dutch machine-translated into the user's language (marked so, the Dutch kept beside it)."""
    translator = request.config_dict[TRANSLATOR]
    if not translator.enabled:
        raise web.HTTPNotFound(text="Machinevertaling staat uit.")
    desk = request.config_dict[HELPDESK]
    live = await desk.live(request[AGENT], handoff_id)
    if live.conversation.locale == SOURCE_LOCALE:
        error = "Deze gebruiker praat Nederlands: verstuur je bericht gewoon."
        return web.json_response({"ok": False, "error": error}, status=400)
    sent = await desk.reply_translated(
        request[AGENT], handoff_id, _text(request), translator.translate, message_id=_message_id(request)
    )
    if not sent:
        return web.json_response({"ok": False, "error": "Typ eerst een bericht."}, status=400)
    await _audit(request, handoff_id, "reply_translated")
    return web.json_response({"ok": True, "text": sent})


@_handoff_action
async def typing(request: web.Request, handoff_id: int) -> web.Response:
    """Show the user that the agent is typing."""
    await request.config_dict[HELPDESK].typing(request[AGENT], handoff_id)
    return web.json_response({"ok": True})


@_handoff_action
async def transfer(request: web.Request, handoff_id: int) -> web.Response:
    """To a colleague (``to`` = their id) or back to the queue (``to`` = "queue")."""
    target = _text(request, "to")
    to = None
    if target != "queue":
        target_id = parse_id(target)
        to = await request.config_dict[AGENTS].get(target_id) if target_id is not None else None
        if to is None or to.role == "partner":  # a partner organisation's account never takes a user's chat
            return web.json_response({"ok": False, "error": "Kies een collega of de wachtrij."}, status=400)
    if not await request.config_dict[HELPDESK].transfer(request[AGENT], handoff_id, to):
        return web.json_response({"ok": False, "error": NOT_YOURS}, status=409)
    await _audit(request, handoff_id, "transfer")
    return web.json_response({"ok": True})


@_handoff_action
async def end(request: web.Request, handoff_id: int) -> web.Response:
    """End the chat with an outcome code (and, for a referral, the organisation) and an optional note."""
    outcome = _text(request, "outcome")
    organisation = _text(request, "organisation")
    if outcome not in OUTCOMES:
        return web.json_response({"ok": False, "error": "Kies een uitkomst."}, status=400)
    if outcome == "referred":
        if organisation not in request.config_dict[DIALOG].directory.organisations:
            return web.json_response({"ok": False, "error": "Kies de organisatie."}, status=400)
        outcome = f"referred:{organisation}"
    note = _text(request, "note") or None
    if not await request.config_dict[HELPDESK].end(request[AGENT], handoff_id, outcome, note):
        return web.json_response({"ok": False, "error": NOT_YOURS}, status=409)
    await _audit(request, handoff_id, "end")
    return web.json_response({"ok": True})


async def _may_read(request: web.Request, conversation_id: int) -> None:
    """Notes and translations follow the reading rule (bot.console.access): 404, or 403 until a reason is given."""
    found = await may_read(request, conversation_id)
    if found is Access.NOT_FOUND:
        raise web.HTTPNotFound(text="Dit gesprek bestaat niet (meer), of is nooit naar de chat-ondersteuning gegaan.")
    if found is not Access.OPEN:
        raise web.HTTPForbidden(text="Geef eerst een reden om dit gesprek te openen.")


async def note(request: web.Request) -> web.Response:
    """A private note for colleagues; the user never sees it. Only on a conversation that had a hand-off."""
    conversation_id = int(request.match_info["conversation_id"])
    desk = request.config_dict[HELPDESK]
    await _may_read(request, conversation_id)
    agent = request[AGENT]
    text = await desk.note(agent, conversation_id, _text(request))
    if not text:
        return web.json_response({"ok": False, "error": "Typ eerst een notitie."}, status=400)
    assert agent.id is not None
    await request.config_dict[AGENTS].audit(agent.id, conversation_id, "note", desk.clock())
    return web.json_response({"ok": True})


async def translate(request: web.Request) -> web.Response:
    """A user's message in Dutch, for the agent only: shown under it, never stored, audited by ids alone.

    Only a line the user wrote in this conversation is translated (``text``, as the console shows it).
    """
    translator = request.config_dict[TRANSLATOR]
    if not translator.enabled:
        raise web.HTTPNotFound(text="Machinevertaling staat uit.")
    conversation_id = int(request.match_info["conversation_id"])
    await _may_read(request, conversation_id)
    conversation = await request.config_dict[STORE].get(conversation_id)
    text = _text(request)
    if conversation is None or not text.strip():
        raise web.HTTPNotFound(text="Dit gesprek bestaat niet (meer).")
    limit = request.config_dict[SETTINGS].max_text_chars
    wanted = clean(text, limit)[0]  # as the engine kept it (the live view shows it before the engine saves it)
    lines = await request.config_dict[STORE].transcript(conversation_id)
    if wanted not in [line.text for line in lines if line.sender == "user"]:
        return web.json_response({"ok": False, "error": "Dit bericht staat (nog) niet in het gesprek."}, status=404)
    source = "auto" if conversation.locale == SOURCE_LOCALE else conversation.locale  # someone may write English
    try:
        translation = await translator.translate(wanted, source, SOURCE_LOCALE)
    except TranslationFailed as exc:
        return web.json_response({"ok": False, "error": str(exc)}, status=502)
    agent = request[AGENT]
    assert agent.id is not None
    now = request.config_dict[HELPDESK].clock()
    await request.config_dict[AGENTS].audit(agent.id, conversation_id, "translate", now)
    logger.info("agent %s had a message of conversation %s machine-translated", agent.id, conversation_id)
    return web.json_response({"ok": True, "translation": translation})
