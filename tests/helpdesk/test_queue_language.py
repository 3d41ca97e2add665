"""Switching the language while waiting for a person keeps the place in the queue (real catalogs)."""

from __future__ import annotations

from bot.dialogs.dialog import Dialog
from bot.engine import Engine
from bot.helpdesk import texts
from bot.helpdesk.desk import Helpdesk
from bot.helpdesk.gate import HelpdeskGate
from bot.i18n import I18n
from tests.bot.helpers import CHANNEL, option_keys, say, tap


async def test_the_language_changes_and_the_place_in_the_queue_stays(desk: Helpdesk, dialog: Dialog) -> None:
    i18n = I18n(("nl", "en", "tr"))
    desk.i18n = i18n
    engine = Engine(desk.conversations, dialog, i18n, handoff=HelpdeskGate(desk))
    await say(engine, "/mens", "first")
    await say(engine, "/mens", "c1")
    menu = await say(engine, "taal")
    assert [c.key for c in menu[0].options] == ["lang:nl", "lang:en", "lang:tr"]
    answer = await tap(engine, option_keys(menu)["English"])
    with i18n.use("en"):
        expected = texts.still_waiting(2, None).text.splitlines()[0]
    assert answer[0].text.splitlines()[0] == expected != "Je staat al in de wachtrij."
    conversation = await engine.store.load(CHANNEL, "c1")
    assert conversation is not None and conversation.locale == "en" and conversation.id is not None
    handoff = await desk.handoffs.open_for(conversation.id)
    assert handoff is not None and handoff.status == "queued"
    assert [item.chat_id for item in await desk.handoffs.queue()] == ["first", "c1"]
