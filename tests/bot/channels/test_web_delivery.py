"""Web chat delivery over real sockets: a reconnect gets only what it missed, a frame sent again is handled once,
"not now" (too fast, the database away) is an error the page can retry, and a copied cookie stops working.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse, WSCloseCode, WSMsgType
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient

from bot.appkeys import STORE
from bot.channels.web import WEB_CHANNEL
from bot.channels.web_frames import PROTOCOL
from bot.channels.web_limits import FRAME_BURST, SESSION_CHANGED
from bot.channels.web_session import COOKIE, REPLACED_SECONDS
from tests.bot.channels.conftest import Client
from tests.bot.channels.outage import database_away, postgres_server
from tests.bot.channels.webchat import Ticks, chat_of, keep_session, origin, receive, start, texts, ticket

SECRET = "mijn oom zit aan me"
__all__ = ["postgres_server"]  # a fixture


async def page(client: Client, seq: int = 0, chat: str | None = None) -> tuple[ClientWebSocketResponse, dict[str, Any]]:
    """Open the socket as the page does: say what it has (``resume``), then read what it is sent."""
    ws = await client.ws_connect("/chat/ws", protocols=(PROTOCOL,))
    await ws.send_json({"type": "resume", "seq": seq, "chat": chat})
    return ws, await receive(ws)


def lines(frame: dict[str, Any]) -> list[tuple[str, str]]:
    return [(m["sender"], m["text"]) for m in frame["messages"]]


async def stored(server: TestServer, client: Client) -> list[tuple[str, str]]:
    """The client's conversation's transcript, as (sender, text)."""
    token = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE].value
    chat_id = await chat_of(server, token)
    assert chat_id is not None
    conversation = await server.app[STORE].load("web", chat_id)
    assert conversation is not None and conversation.id is not None
    return [(e.sender, e.text) for e in await server.app[STORE].transcript(conversation.id)]


async def test_a_reconnect_gets_only_the_lines_it_missed(client: Client) -> None:
    await start(client)
    ws, whole = await page(client)
    assert whole["after"] == 0 and ("bot", "Ben je nu in gevaar?") in lines(whole)
    await keep_session(client, ws)
    seq, chat = whole["seq"], whole["chat"]
    await ws.close()

    other, _ = await page(client)  # while this page is away, another tab of the browser answers
    await keep_session(client, other)
    await other.send_json({"type": "choice", "id": "tab2a", "key": "opt:gevaar:nee"})
    assert texts(await receive(other)) == ["Wie ben jij?"]
    await other.close()

    back, missed = await page(client, seq, chat)
    assert missed["type"] == "history" and missed["after"] == seq and missed["seq"] > seq
    assert lines(missed) == [("user", "Nee"), ("bot", "Wie ben jij?")], "only what it missed, never the history"
    assert "Ik ben leerling" in [o["label"] for m in missed["messages"] for o in m["options"]]
    await keep_session(client, back)
    await back.close()

    again, nothing = await page(client, missed["seq"], chat)
    assert nothing["after"] == missed["seq"] and nothing["messages"] == []
    await keep_session(client, again)
    await again.close()
    elsewhere, everything = await page(client, missed["seq"], "0" * 16)  # lines of another chat: start afresh
    assert everything["after"] == 0 and lines(everything)[0][0] == "bot" and ("user", "Nee") in lines(everything)
    await elsewhere.close()


async def until_the_answer(ws: ClientWebSocketResponse) -> list[dict[str, Any]]:
    """The frames up to and with the first ``messages`` or ``history`` frame; then the connection drops."""
    got: list[dict[str, Any]] = [await ws.receive_json(timeout=5)]
    while got[-1]["type"] not in ("messages", "history"):
        got.append(await ws.receive_json(timeout=5))
    await ws.close()  # a train tunnel, right after the answer arrived
    return got


async def trade(client: Client, got: list[dict[str, Any]]) -> None:
    """What chat.js does with a rotate frame that came (it cannot trade one that did not)."""
    tickets = [frame["ticket"] for frame in got if frame["type"] == "rotate"]
    assert tickets, "the page has its answer but not the ticket for its session: reopened, its chat is gone"
    response = await client.post("/chat/rotate", json={"ticket": tickets[-1]}, headers=origin(client))
    assert response.status == 204


@pytest.mark.parametrize("when", ["first answer", "reopened", "hand-off"])
async def test_a_page_that_has_its_answer_has_its_session_too(client: Client, when: str) -> None:
    """The CI run that found it: a browser test dropped the socket as soon as "Ben je nu in gevaar?" showed; the
    rotate frame came after the answer, so it never arrived, and the page reopened on a new, empty chat."""
    if when == "first answer":
        ws, _ = await page(client)
        await ws.send_json({"type": "choice", "id": "f1", "key": "opt:welkom:start"})
    elif when == "reopened":
        await start(client)
        ws = await client.ws_connect("/chat/ws", protocols=(PROTOCOL,))
        await ws.send_json({"type": "resume", "seq": 0, "chat": None})
    else:
        await start(client)
        ws, _ = await page(client)
        await keep_session(client, ws)
        await ws.send_json({"type": "choice", "id": "h1", "key": "cmd:mens"})
    await trade(client, await until_the_answer(ws))
    again, history = await page(client)  # the page reconnects with the cookie it has now
    assert "Ben je nu in gevaar?" in texts(history), "the same chat, not a new one"
    await again.close()


async def test_a_frame_sent_again_is_handled_once_and_the_page_gets_what_it_lacks(
    aiohttp_client: AiohttpClient, client: Client, server: TestServer
) -> None:
    await start(client)
    ws, first = await page(client)
    await keep_session(client, ws)
    frame = {"type": "text", "id": "k3x9-Qz_1", "text": SECRET}
    await ws.send_json(frame)
    await ws.close()  # the page went away before the answer came: the answer is lost on the way
    for _wait in range(100):
        if ("user", SECRET) in await stored(server, client):
            break
        await asyncio.sleep(0.02)
    ws, missed = await page(client, first["seq"], first["chat"])
    assert lines(missed)[0] == ("user", SECRET) and len(lines(missed)) > 1, "the line and its answer come back"
    await keep_session(client, ws)
    await ws.send_json(frame)  # the page still has it as not answered: it sends it again, with its own id
    answer = await receive(ws)
    assert answer["reply_to"] == frame["id"] and answer["duplicate"] is True and answer["messages"] == []
    assert (await stored(server, client)).count(("user", SECRET)) == 1, "handled once, one transcript line"

    stranger = await aiohttp_client(server)  # another chat may use the same id: ids count per chat
    await start(stranger)
    other, _ = await page(stranger)
    await other.send_json(frame)
    assert (await receive(other))["duplicate"] is False
    await other.send_json({**frame, "id": "x" * 41})  # a client id is short and plain, or the frame is refused
    refused = await receive(other)
    assert refused["type"] == "error" and refused["code"] == "bad_id" and refused["retry"] is False


async def test_too_fast_is_not_now_and_the_same_frame_goes_through_later(client: Client, server: TestServer) -> None:
    ticks = Ticks()
    server.app[WEB_CHANNEL].clock = ticks
    ws, _ = await page(client)
    await ws.send_json({"type": "choice", "id": "f0", "key": "opt:welkom:start"})
    await receive(ws)
    for i in range(1, FRAME_BURST):
        await ws.send_json({"type": "text", "id": f"f{i}", "text": f"bericht {i}"})
        assert (await receive(ws))["reply_to"] == f"f{i}"
    late = {"type": "text", "id": "f-late", "text": "nog een"}
    await ws.send_json(late)
    error = await receive(ws)
    assert error["type"] == "error" and error["code"] == "too_fast" and error["reply_to"] == "f-late"
    assert error["retry"] is True and 0.5 <= error["retry_after"] <= 1.0
    ticks.now += error["retry_after"]
    await ws.send_json(late)
    answer = await receive(ws)
    assert answer["type"] == "messages" and answer["reply_to"] == "f-late" and answer["duplicate"] is False


async def test_a_copied_cookie_stops_opening_the_chat_once_the_real_page_connects(
    aiohttp_client: AiohttpClient, client: Client, server: TestServer
) -> None:
    attacker = await aiohttp_client(server)
    planted = await start(attacker)  # a real token of a chat the attacker started on the shared computer
    client.session.cookie_jar.update_cookies({COOKIE: planted})
    ws, first = await page(client)  # the child opens the chat that was left there
    assert "Ben je nu in gevaar?" in texts(first)
    await keep_session(client, ws)
    await ws.send_json({"type": "text", "id": "c1", "text": SECRET})
    await receive(ws)

    copy = await aiohttp_client(server, headers={"Cookie": f"{COOKIE}={planted}"})
    async with copy.ws_connect("/chat/ws") as spy:  # a moment later: "come back", and nothing opens
        closed = await spy.receive(timeout=5)
        assert closed.type is WSMsgType.CLOSE and closed.data == SESSION_CHANGED
    sessions = server.app[WEB_CHANNEL].sessions
    sessions.monotonic = lambda: time.monotonic() + REPLACED_SECONDS + 1
    async with copy.ws_connect("/chat/ws") as spy:
        seen = await receive(spy)
        assert SECRET not in texts(seen) and [m["sender"] for m in seen["messages"]] == ["bot"]
    assert await chat_of(server, planted) is None


async def test_a_tab_that_opens_while_another_trades_its_ticket_comes_back_to_the_same_chat(
    client: Client, server: TestServer
) -> None:
    await start(client)
    first, _ = await page(client)
    offered = await ticket(first)  # the first tab has its ticket; the browser does not have the new cookie yet
    second = await client.ws_connect("/chat/ws", protocols=(PROTOCOL,))
    closed = await second.receive(timeout=5)
    assert closed.type is WSMsgType.CLOSE and closed.data == SESSION_CHANGED, "come back in a moment"
    traded = await client.post("/chat/rotate", json={"ticket": offered}, headers=origin(client))
    assert traded.status == 204  # the first tab trades its ticket: the browser's new cookie
    again, history = await page(client)  # the second tab comes back, as chat.js does after 4401
    assert "Ben je nu in gevaar?" in texts(history)
    for ws in (first, again):
        await ws.close()


async def test_several_tabs_that_open_at_once_all_get_the_chat(client: Client) -> None:
    await start(client)
    shown = await asyncio.gather(*(as_a_page(client) for _tab in range(4)))
    assert all("Ben je nu in gevaar?" in texts(history) for history in shown)
    ws, history = await page(client)  # and the browser's cookie still opens it
    assert "Ben je nu in gevaar?" in texts(history)
    await ws.close()


async def as_a_page(client: Client) -> dict[str, Any]:
    """What chat.js does: open, come back after 4401, trade the ticket (a ticket another tab replaced: 410)."""
    for _attempt in range(20):
        ws = await client.ws_connect("/chat/ws", protocols=(PROTOCOL,))
        await ws.send_json({"type": "resume", "seq": 0, "chat": None})
        first = await ws.receive(timeout=5)
        if first.type is WSMsgType.CLOSE:
            assert first.data == SESSION_CHANGED
            await asyncio.sleep(0.05)
            continue
        rotate: dict[str, Any] = first.json()  # the ticket comes before the history
        assert rotate["type"] == "rotate"
        history: dict[str, Any] = await ws.receive_json(timeout=5)
        response = await client.post("/chat/rotate", json={"ticket": rotate["ticket"]}, headers=origin(client))
        assert response.status in (204, 410)
        await ws.close()
        return history
    raise AssertionError("the tab never opened the chat")


async def test_while_the_database_is_away_the_page_is_asked_to_wait_and_it_resumes_by_itself(
    aiohttp_client: AiohttpClient, postgres_server: TestServer, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = await aiohttp_client(postgres_server)
    await start(client)
    ws, _ = await page(client)
    await keep_session(client, ws)
    caplog.set_level(logging.INFO)
    frame = {"type": "text", "id": "away0001", "text": SECRET}
    await database_away(postgres_url, away=True)
    try:
        for _attempt in range(3):
            await ws.send_json(frame)
            error = await receive(ws)
            assert error["type"] == "error" and error["code"] == "unavailable" and error["reply_to"] == "away0001"
            assert error["retry"] is True and error["retry_after"] > 0
        late = await client.ws_connect("/chat/ws", protocols=(PROTOCOL,))  # a page that opens now waits too
        assert (await receive(late))["code"] == "unavailable"
        closed = await late.receive(timeout=5)
        assert closed.type is WSMsgType.CLOSE and closed.data == WSCloseCode.TRY_AGAIN_LATER
    finally:
        await database_away(postgres_url, away=False)
    await ws.send_json(frame)
    answer = await receive(ws)
    assert answer["type"] == "messages" and answer["reply_to"] == "away0001" and answer["duplicate"] is False
    assert (await stored(postgres_server, client)).count(("user", SECRET)) == 1
    ours = [r for r in caplog.records if r.name.startswith(("bot.channels", "aiohttp"))]
    assert not [r for r in ours if r.exc_info], "no traceback per frame"
    assert len([r for r in ours if "cannot be reached" in r.getMessage()]) == 1, "one warning for the outage"
    assert any("answers again" in r.getMessage() for r in ours)
    assert not [r for r in caplog.records if SECRET in r.getMessage() or "127.0.0.1" in r.getMessage()]
