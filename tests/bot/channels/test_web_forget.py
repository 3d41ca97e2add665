""" "Wis mijn gesprek" in the web chat: one confirmation, everything deleted, the agent told, the page starts afresh."""

from __future__ import annotations

from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient

from bot.appkeys import STORE
from tests.bot.channels.conftest import Client
from tests.bot.channels.test_web_session_idle import live_with_agent, status
from tests.bot.channels.webchat import chat_of, cookie, open_tab, options, receive, start, texts
from tests.bot.forget_tables import forgotten_events, left


async def ask_and_answer(client: Client, answer: str) -> dict:  # type: ignore[type-arg]
    ws, _first = await open_tab(client)
    await ws.send_json({"type": "choice", "id": "f1", "key": "cmd:vergeet"})
    asked = await receive(ws)
    assert any(t.startswith("Wil je dit gesprek wissen?") for t in texts(asked))
    await ws.send_json({"type": "choice", "id": "f2", "key": options(asked)[answer]})
    got = await receive(ws)
    await ws.close()
    return got


async def test_wis_mijn_gesprek_during_a_live_chat(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    _handoff_id, console = await live_with_agent(client, server, aiohttp_client)
    engine = server.app[STORE].engine
    got = await ask_and_answer(client, "Ja, wissen")
    assert got["type"] == "forgotten" and texts(got)[0].startswith("Je gesprek is gewist.")
    event = await status(console, "ended")
    assert event["reason"] == "user_deleted"
    await console.close()
    assert set((await left(engine)).values()) == {0}, "nothing of the conversation in any table"
    assert await forgotten_events(engine) == [("",) * 7 + (1,)]
    assert await chat_of(server, cookie(client)) is None
    async with client.ws_connect("/chat/ws") as ws:  # the page starts afresh: a welcome, nothing of before
        first = await receive(ws)
        assert not any("stiefvader" in t for t in texts(first))


async def test_niet_wissen_keeps_the_web_chat(client: Client, server: TestServer) -> None:
    await start(client)
    engine = server.app[STORE].engine
    got = await ask_and_answer(client, "Niet wissen")
    assert got["type"] == "messages" and "Goed. Je gesprek blijft bewaard." in texts(got)
    after = await left(engine)
    assert after["conversations"] == 1 and after["web_sessions"] == 1 and after["transcript_entries"] > 0
    assert await forgotten_events(engine) == []
