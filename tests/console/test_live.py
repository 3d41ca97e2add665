"""The console live: the queue over the WebSocket, the claim race over HTTP, a conversation both ways."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient

from bot.appkeys import HELPDESK
from bot.console.keys import AGENTS
from bot.messages import IncomingMessage
from tests.console.conftest import Client, add_agent, bot_engine, logged_in, post
from tests.fakes.helpdesk import FakeClock, Recorder


async def next_event(ws: Any, kind: str, **match: Any) -> dict[str, Any]:
    """The next event of ``kind`` (skipping others), within five seconds."""
    while True:
        event: dict[str, Any] = await ws.receive_json(timeout=5)
        if event["type"] == kind and all(event.get(k) == v for k, v in match.items()):
            return event


async def user_says(server: TestServer, text: str, chat_id: str = "c1") -> list[str]:
    reply = await bot_engine(server).handle(IncomingMessage("test", chat_id, text=text))
    return [m.text for m in reply.messages]


async def test_the_queue_updates_live_and_one_of_two_claims_wins(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    await add_agent(server, "anna")
    await add_agent(server, "bram")
    other = await aiohttp_client(server)
    anna_csrf, bram_csrf = await logged_in(client, "anna"), await logged_in(other, "bram")
    anna_ws, bram_ws = await client.ws_connect("/console/ws"), await other.ws_connect("/console/ws")
    assert (await next_event(anna_ws, "queue"))["items"] == []
    await next_event(bram_ws, "queue")

    await user_says(server, "/start")
    await user_says(server, "start")
    await user_says(server, "nee")
    await user_says(server, "ik ben leerling")
    await user_says(server, "mens")
    for ws in (anna_ws, bram_ws):
        item = (await next_event(ws, "queue"))["items"][0]
        assert (item["status"], item["channel"], item["locale"], item["role"], item["crisis"]) == (
            "queued",
            "test",
            "nl",
            "Leerling",  # in words, never the tree's code "leerling" (tests/console/test_queue_words.py)
            False,
        )
        assert item["waiting_seconds"] == 0 and "text" not in item

    handoff = item["handoff"]
    results = await asyncio.gather(
        post(client, f"/console/h/{handoff}/claim", anna_csrf), post(other, f"/console/h/{handoff}/claim", bram_csrf)
    )
    statuses = sorted(r.status for r in results)
    assert statuses == [200, 409]
    loser = next(r for r in results if r.status == 409)
    assert "Een collega was je voor" in (await loser.json())["error"]
    live = (await next_event(anna_ws, "queue"))["items"][0]
    assert live["status"] == "live" and live["agent"] in ("Anna", "Bram")
    await anna_ws.close()
    await bram_ws.close()


async def test_a_conversation_both_ways_through_the_console(
    client: Client, server: TestServer, recorder: Recorder
) -> None:
    await add_agent(server, "anna")
    csrf = await logged_in(client, "anna")
    await user_says(server, "/mens")
    await user_says(server, "Ik word gepest.")  # written while waiting: kept
    page = await (await client.get("/console/c/1")).text()
    assert "Ik word gepest." in page and "Overnemen" in page

    ws = await client.ws_connect("/console/ws?watch=1")
    assert (await post(client, "/console/h/1/claim", csrf)).status == 200
    joined = await next_event(ws, "message", sender="bot")
    assert joined["text"] == "Je praat nu met Anna van de chat-ondersteuning."
    assert (await next_event(ws, "status"))["status"] == "live"

    assert await user_says(server, "Al een maand.") == []  # the bot is silent while a person answers
    heard = await next_event(ws, "message", sender="user")
    assert heard["text"] == "Al een maand." and heard["conversation"] == 1

    assert (await post(client, "/console/h/1/typing", csrf)).status == 200
    assert recorder.typing_to == ["c1"]
    assert (await post(client, "/console/h/1/reply", csrf, text="Wat vervelend. Ik help je.")).status == 200
    assert recorder.sent[-1][1].text == "Wat vervelend. Ik help je." and recorder.sent[-1][1].author == "Anna"
    assert (await post(client, "/console/h/1/canned", csrf, canned="kindertelefoon")).status == 200
    assert "0800-0432" in recorder.sent[-1][1].text
    assert (await post(client, "/console/h/1/canned", csrf, canned="bestaat-niet")).status == 400

    assert (await post(client, "/console/c/1/note", csrf, text="Leerling, 2e klas.")).status == 200
    assert (await next_event(ws, "note"))["text"] == "Leerling, 2e klas."
    assert all("2e klas" not in m.text for _c, m in recorder.sent)  # notes never reach the user

    assert (await post(client, "/console/h/1/end", csrf, outcome="bogus")).status == 400
    assert (await post(client, "/console/h/1/end", csrf, outcome="referred", organisation="nope")).status == 400
    ended = await post(client, "/console/h/1/end", csrf, outcome="referred", organisation="kindertelefoon")
    assert ended.status == 200
    assert recorder.sent[-1][1].text.startswith("Anna heeft de chat gesloten.")
    assert (await next_event(ws, "status"))["status"] == "ended"
    assert (await post(client, "/console/h/1/reply", csrf, text="nog iets")).status == 409
    again = await user_says(server, "opnieuw")
    assert "Wegwijzer" in again[0]  # the bot is back
    await ws.close()


async def test_only_the_agent_who_has_it_can_answer(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    await add_agent(server, "anna")
    await add_agent(server, "bram")
    other = await aiohttp_client(server)
    anna_csrf, bram_csrf = await logged_in(client, "anna"), await logged_in(other, "bram")
    await user_says(server, "/mens")
    await post(client, "/console/h/1/claim", anna_csrf)
    for action, data in (("reply", {"text": "hoi"}), ("end", {"outcome": "information"}), ("typing", {})):
        assert (await post(other, f"/console/h/1/{action}", bram_csrf, **data)).status == 409
    assert (await post(client, "/console/h/1/transfer", anna_csrf, to="nobody")).status == 400
    assert (await post(client, "/console/h/1/transfer", anna_csrf, to="queue")).status == 200
    assert (await post(other, "/console/h/1/claim", bram_csrf)).status == 200
    anna = await server.app[AGENTS].by_name("anna")
    assert anna is not None
    assert (await post(other, "/console/h/1/transfer", bram_csrf, to=str(anna.id))).status == 200
    assert (await post(client, "/console/h/1/reply", anna_csrf, text="Ik ben er weer.")).status == 200


async def test_an_open_console_keeps_the_chat_and_a_closed_one_gives_it_back(
    client: Client, server: TestServer, clock: FakeClock, recorder: Recorder
) -> None:
    await add_agent(server, "anna")
    csrf = await logged_in(client, "anna")
    await user_says(server, "/mens")
    await post(client, "/console/h/1/claim", csrf)
    desk = server.app[HELPDESK]
    clock.advance(seconds=120)  # longer than the timeout, but the console is about to be open
    ws = await client.ws_connect("/console/ws")
    await next_event(ws, "queue")
    assert await desk.requeue_stale() == 0
    await ws.close()
    clock.advance(seconds=30)
    assert await desk.requeue_stale() == 0  # a short drop (a reload) costs nothing
    clock.advance(seconds=61)  # 91 s without a console: past the 90 s of config/default.toml
    assert await desk.requeue_stale() == 1
    assert recorder.texts()[-1].startswith("Anna is niet meer in de chat.")
    assert (await post(client, "/console/h/1/reply", csrf, text="Ben je er nog?")).status == 409
