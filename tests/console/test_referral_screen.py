"""A warm referral's buttons come back wherever a screen is rebuilt, until the referral is settled.

Found in the audit of issue 14: a web page shows only the buttons of its last screen, so once the user wrote one
more line, reloaded the page or the agent closed the chat, "Ja, stuur het door" and "Trek de doorverwijzing in"
were gone, and the user could no longer answer or withdraw. Telegram keeps them on the message; the web chat
gets them again from ``Engine.screen`` (a page that opens or reconnects) and with the end of the chat.
"""

from __future__ import annotations

from aiohttp.test_utils import TestServer

from bot.messages import OutgoingMessage
from tests.console.conftest import Client, bot_engine, post
from tests.console.test_referrals import NOTE, live_with_anna, propose, server, status_of, taps
from tests.fakes.helpdesk import Recorder

__all__ = ["server"]  # a fixture


def referral_keys(messages: list[OutgoingMessage]) -> list[str]:
    return [c.key for m in messages for c in (*m.options, *m.actions) if c.key.startswith("ref:")]


async def test_a_rebuilt_screen_offers_an_open_referral_until_it_is_settled(client: Client, server: TestServer) -> None:
    csrf = await live_with_anna(client, server)
    engine = bot_engine(server)
    assert referral_keys(await engine.screen("test", "c1")) == []
    assert (await propose(client, csrf)).status == 200
    proposed = await engine.screen("test", "c1")
    assert referral_keys(proposed) == ["ref:yes:1", "ref:no:1"]
    assert NOTE in proposed[-1].text, "what would be shared, word for word, with its question"
    await taps(server, "ref:yes:1")
    assert referral_keys(await engine.screen("test", "c1")) == ["ref:withdraw:1"]
    await taps(server, "ref:withdraw:1")
    assert await status_of(server) == "withdrawn"
    assert referral_keys(await engine.screen("test", "c1")) == []


async def test_when_the_agent_closes_the_chat_the_withdraw_button_comes_with_it(
    client: Client, server: TestServer, recorder: Recorder
) -> None:
    csrf = await live_with_anna(client, server)
    assert (await propose(client, csrf, organisation="veilig_thuis")).status == 200
    await taps(server, "ref:yes:1")
    sent_before = len(recorder.sent)
    assert (await post(client, "/console/h/1/end", csrf, outcome="information")).status == 200
    closing = [m for chat_id, m in recorder.sent[sent_before:] if chat_id == "c1"]
    assert "heeft de chat gesloten" in closing[0].text
    assert referral_keys(closing) == ["ref:withdraw:1"], "in the same delivery as the end, so one screen holds both"
    assert len([m for m in closing if m.actions]) == 2
    said = await taps(server, "ref:withdraw:1")
    assert "Je hebt de doorverwijzing ingetrokken." in said[0].text
