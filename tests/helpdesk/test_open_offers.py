"""What a user can still cancel comes back when a screen is rebuilt (``Engine.screen``: a web page that opens or
reconnects, a photo sent in Telegram), on SQLite and PostgreSQL.

Found in the audit of issue 14: in the web chat "Annuleer terugbellen" went with the next reply or a reload, and
came back only after a stop or an hour of quiet.
"""

from __future__ import annotations

from bot.engine import Engine
from bot.helpdesk import callback_texts
from bot.messages import OutgoingMessage
from tests.bot.helpers import CHANNEL, say, tap
from tests.helpdesk.test_callback_request import up_to_consent


def action_keys(messages: list[OutgoingMessage]) -> list[str]:
    return [c.key for m in messages for c in m.actions]


async def test_an_open_call_back_can_be_cancelled_from_a_rebuilt_screen(engine: Engine) -> None:
    await up_to_consent(engine)
    assert callback_texts.CANCEL not in action_keys(await engine.screen(CHANNEL, "c1"))
    await tap(engine, callback_texts.YES)
    await say(engine, "Oké, dank je.")  # a line later, the answer's button is gone from a web page
    screen = await engine.screen(CHANNEL, "c1")
    assert action_keys(screen).count(callback_texts.CANCEL) == 1
    assert "Je hebt gevraagd of we je bellen. Dat staat nog." in screen[-1].text
    await tap(engine, callback_texts.CANCEL)
    assert callback_texts.CANCEL not in action_keys(await engine.screen(CHANNEL, "c1"))
