"""Clear obviously fake queue entries in bulk: ``POST /console/queue/clear``.

A script that floods the queue leaves entries without a single message since the request; the queue labels
them ("Nog geen bericht sinds de vraag", ``storage.silent_handoffs``). An agent ticks them (or "Kies alle
zonder bericht"), confirms on the page, and the script sends one POST: ``{"handoffs": [ids], "confirm": true}``.
Nothing is ever cleared without that request: no timer, no rule clears an entry on its own.

The POST is checked like every console action: a live session of an active agent and its CSRF token
(``login.require_login``), at most ``MAX_CLEAR`` ids, each a bounded id (``ids``), else a 400. Access follows
``access``: an entry that waits in the queue is open to every agent, and only such entries are cleared.

Only entries that are still silent at that moment end, in one conditional UPDATE: one claimed meanwhile, one
the user wrote in, or one that ended is skipped and reported with its reason. Each cleared entry ends with the
outcome ``NOT_REAL`` and gets an audit row (agent, conversation, ``clear_not_real``, time) and an anonymous
``handoff_outcome`` count; a user who is still there is told calmly that they are no longer waiting and can ask
again (and, for an entry marked Crisis, gets the emergency numbers).
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from bot.appkeys import HELPDESK
from bot.console.auth import AGENT, FIELDS
from bot.console.ids import parse_id
from bot.console.keys import AGENTS
from bot.helpdesk import texts
from bot.helpdesk.desk import Helpdesk
from bot.i18n import SOURCE_LOCALE
from bot.messages import OutgoingMessage
from bot.safety.help import emergency_numbers
from storage.monitoring import about
from storage.silent_handoffs import Cleared, SilentHandoffs, Skipped

logger = logging.getLogger(__name__)

MAX_CLEAR = 200  # a page of the queue at most; a flood bigger than that takes a second click
NOT_REAL = "niet_echt"  # the outcome code (not one an agent picks for a chat: ``desk.OUTCOMES``)
AUDIT_ACTION = "clear_not_real"

REASONS = {
    Skipped.LIVE: "een collega heeft het overgenomen",
    Skipped.WROTE: "de gebruiker heeft intussen iets geschreven",
    Skipped.GONE: "het staat niet meer in de wachtrij",
}


def routes(console: web.Application) -> None:
    console.router.add_post("/queue/clear", clear, name="queue_clear")


def _bad(error: str) -> web.Response:
    return web.json_response({"ok": False, "error": error}, status=400)


def wanted_ids(fields: dict[str, Any]) -> list[int] | str:
    """The ids of the body's ``handoffs`` (each once, in order), or the error to show."""
    raw = fields.get("handoffs")
    if not isinstance(raw, list) or not raw:
        return "Kies eerst een of meer gesprekken."
    if len(raw) > MAX_CLEAR:
        return f"Wis hoogstens {MAX_CLEAR} gesprekken tegelijk."
    found: list[int] = []
    for value in raw:
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        number = parse_id(text)
        if number is None:
            return "Een gekozen gesprek bestaat niet."
        if number not in found:
            found.append(number)
    return found


async def clear(request: web.Request) -> web.Response:
    """End the chosen entries that still wait without any message, as not real; report the ones skipped."""
    fields = request[FIELDS]
    wanted = wanted_ids(fields)
    if isinstance(wanted, str):
        return _bad(wanted)
    if fields.get("confirm") is not True:
        return _bad("Bevestig eerst dat je deze gesprekken uit de wachtrij wilt halen.")
    agent = request[AGENT]
    assert agent.id is not None
    desk = request.config_dict[HELPDESK]
    now = desk.clock()
    cleared, skipped = await SilentHandoffs(desk.handoffs.engine).clear(wanted, NOT_REAL, now)
    agents = request.config_dict[AGENTS]
    for entry in cleared:
        await agents.audit(agent.id, entry.conversation_id, AUDIT_ACTION, now)
    for entry in cleared:
        try:
            await _follow_up(desk, entry)
        except Exception:  # the entry has ended; one channel failing must not keep the others untold
            logger.exception("hand-off %s cleared, but its user could not be told", entry.handoff_id)
    if cleared:
        await desk.queue_changed()
    logger.info("agent %s cleared %d silent queue entries; %d skipped", agent.id, len(cleared), len(skipped))
    return web.json_response(
        {
            "ok": True,
            "cleared": [entry.handoff_id for entry in cleared],
            "skipped": [{"handoff": i, "reason": reason.value} for i, reason in sorted(skipped.items())],
            "message": summary(len(cleared), skipped),
        }
    )


def summary(cleared: int, skipped: dict[int, Skipped]) -> str:
    """What happened, in one or two Dutch sentences for the agent."""
    said = (
        f"{cleared} gesprek uit de wachtrij gehaald."
        if cleared == 1
        else f"{cleared} gesprekken uit de wachtrij gehaald."
    )
    if not skipped:
        return said
    why = sorted({REASONS[reason] for reason in skipped.values()})
    count = len(skipped)
    return f"{said} {count} {'gesprek' if count == 1 else 'gesprekken'} overgeslagen: {'; '.join(why)}."


async def _follow_up(desk: Helpdesk, entry: Cleared) -> None:
    """Count the outcome anonymously, tell the user calmly (if still there) and the consoles watching."""
    conversation = await desk.conversations.get(entry.conversation_id)
    if conversation is None:
        return
    await desk.handoffs.count(about(conversation, "handoff_outcome", node=NOT_REAL), desk.turns.clock().date())
    desk.metrics.handoff_ended(NOT_REAL)  # the entry's clearing has committed (``/metrics``)

    def build() -> list[OutgoingMessage]:
        told = [texts.queue_cleared()]
        return [*told, emergency_numbers(desk.dialog)] if entry.crisis else told

    with desk.i18n.use(conversation.locale):
        messages = build()
    with desk.i18n.use(SOURCE_LOCALE):
        dutch = [message.text for message in build()]
    at = desk.clock().isoformat()
    for message, source in zip(messages, dutch, strict=True):
        original = source if source != message.text else None
        await desk.handoffs.add_line(entry.conversation_id, "bot", message.text, original)
        event: dict[str, Any] = {"type": "message", "sender": "bot", "text": message.text, "at": at}
        if original is not None:
            event["original"] = original
        desk.bus.publish(entry.conversation_id, event)
    await desk.hub.deliver(conversation.channel, conversation.chat_id, messages)
    desk.bus.publish(entry.conversation_id, {"type": "status", "status": "ended", "reason": NOT_REAL})
