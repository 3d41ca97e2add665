"""The web chat's limits: frames per socket (token bucket) and open sockets per chat."""

from __future__ import annotations

from aiohttp import WSMsgType
from aiohttp.test_utils import TestServer

from bot.channels.web import WEB_CHANNEL
from bot.channels.web_limits import FRAME_BURST, MAX_SOCKETS, TOO_MANY_TABS
from tests.bot.channels.conftest import Client
from tests.bot.channels.webchat import Ticks, chat_of, keep_session, open_tab, receive, start, texts


async def test_a_page_that_sends_too_fast_gets_an_error_and_stays(client: Client, server: TestServer) -> None:
    ticks = Ticks()
    server.app[WEB_CHANNEL].clock = ticks
    async with client.ws_connect("/chat/ws") as ws:
        assert (await receive(ws))["type"] == "history"
        for i in range(FRAME_BURST):  # a burst is fine
            await ws.send_json({"type": "text", "id": f"frame{i:04d}", "text": "hallo"})
            answer = await receive(ws)
            assert answer["type"] == "messages" and answer["reply_to"] == f"frame{i:04d}"
        await ws.send_json({"type": "text", "id": "toofast01", "text": "hallo"})
        refused = await receive(ws)
        assert refused["type"] == "error" and refused["code"] == "too_fast"
        assert refused["reply_to"] == "toofast01"
        assert refused["message"] == "Je stuurt te snel berichten. Wacht even en probeer het dan opnieuw."
        ticks.now += 1.0  # a second later there is room for one more
        await ws.send_json({"type": "text", "id": "later0001", "text": "hallo"})
        assert (await receive(ws))["reply_to"] == "later0001"
        await ws.send_json({"type": "text", "id": "toofast02", "text": "hallo"})
        assert (await receive(ws))["code"] == "too_fast"
        assert not ws.closed


async def test_a_refused_frame_is_not_handled(client: Client, server: TestServer) -> None:
    ticks = Ticks()
    server.app[WEB_CHANNEL].clock = ticks
    async with client.ws_connect("/chat/ws") as ws:
        await receive(ws)
        for i in range(FRAME_BURST):
            await ws.send_json({"type": "text", "id": f"frame{i:04d}", "text": "hallo"})
            await receive(ws)
        await ws.send_json({"type": "choice", "id": "toofast01", "key": "opt:welkom:start"})
        assert (await receive(ws))["code"] == "too_fast"
        await keep_session(client, ws)
    async with client.ws_connect("/chat/ws") as again:
        history = await receive(again)
        assert "Ben je nu in gevaar?" not in texts(history)  # the refused choice did nothing


async def test_a_chat_has_at_most_five_open_sockets(client: Client, server: TestServer) -> None:
    chat_id = await chat_of(server, await start(client))
    assert chat_id is not None
    channel = server.app[WEB_CHANNEL]
    tabs = []
    for _ in range(MAX_SOCKETS):
        tab, _first = await open_tab(client)
        tabs.append(tab)
    assert len(channel.sockets[chat_id]) == MAX_SOCKETS
    newest, first = await open_tab(client)
    assert first["type"] == "history"
    closed = await tabs[0].receive(timeout=5)
    assert closed.type is WSMsgType.CLOSE and closed.data == TOO_MANY_TABS
    assert len(channel.sockets[chat_id]) == MAX_SOCKETS
    await newest.send_json({"type": "choice", "id": "frame0001", "key": "opt:gevaar:nee"})
    assert texts(await receive(newest)) == ["Wie ben jij?"]
    for tab in tabs[1:]:  # the other four stay and are kept in step
        assert texts(await receive(tab)) == ["Nee", "Wie ben jij?"]
    for tab in (*tabs, newest):
        await tab.close()
