"""Several chats at once (issue 14), served for real: the socket sends the open chat in full and the agent's other
chats as notices without text; the pages list the agent's chats with the user's line counts; ``/volgende`` is the
next waiting chat in the agent's order; the user's state (typing in the web chat, Snel weg, a new chat, stop) reaches
the console, and a chat the user left opens with the reply box closed and the reason in words."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient

from bot.appkeys import HELPDESK
from bot.helpdesk.presence import TYPING_EVERY
from tests.bot.channels.test_web_session_idle import live_with_agent
from tests.bot.channels.webchat import keep_session, origin, receive
from tests.console.conftest import Client, add_agent, logged_in, post
from tests.console.test_live import next_event, user_says


async def two_of_mine(server: TestServer, client: Client) -> str:
    """Anna, logged in, has claimed the chats of users c1 (conversation 1) and c2 (conversation 2); her CSRF."""
    await add_agent(server, "anna")
    csrf = await logged_in(client, "anna")
    for chat_id in ("c1", "c2"):
        await user_says(server, "/mens", chat_id)
        await user_says(server, f"Hallo, hier {chat_id}.", chat_id)
    for handoff in (1, 2):
        assert (await post(client, f"/console/h/{handoff}/claim", csrf)).status == 200
    return csrf


async def events_until(ws: ClientWebSocketResponse, kind: str, **match: Any) -> list[dict[str, Any]]:
    """Every event up to and including the next one of ``kind`` (matching ``match``)."""
    seen: list[dict[str, Any]] = []
    while True:
        event: dict[str, Any] = await ws.receive_json(timeout=5)
        seen.append(event)
        if event["type"] == kind and all(event.get(k) == v for k, v in match.items()):
            return seen


async def test_the_open_chat_comes_in_full_and_my_other_chat_as_a_notice_without_text(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    await two_of_mine(server, client)
    await add_agent(server, "bram")
    colleague = await aiohttp_client(server)
    await logged_in(colleague, "bram")
    ws = await client.ws_connect("/console/ws?watch=1")
    bram = await colleague.ws_connect("/console/ws")
    await next_event(ws, "queue")
    await next_event(bram, "queue")

    await user_says(server, "Ze lachen me uit.", "c2")  # the other chat
    await user_says(server, "Al een maand.", "c1")  # the open one
    seen = await events_until(ws, "message", conversation=1)
    other = [e for e in seen if e.get("conversation") == 2 and e["type"] == "message"]
    assert other == [{"type": "message", "conversation": 2, "sender": "user", "at": other[0]["at"], "notice": True}]
    assert seen[-1]["text"] == "Al een maand." and "notice" not in seen[-1]
    await user_says(server, "Hallo?", "c2")
    assert (await next_event(ws, "message", conversation=2))["notice"] is True
    assert [e for e in await drain(bram) if e["type"] == "message"] == []  # the colleague heard neither chat
    await ws.close()
    await bram.close()


async def drain(ws: ClientWebSocketResponse) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    while True:
        try:
            got.append(await ws.receive_json(timeout=0.3))
        except TimeoutError:
            return got


async def test_pages_list_my_chats_with_the_users_line_counts(client: Client, server: TestServer) -> None:
    await two_of_mine(server, client)
    await user_says(server, "/mens", "c3")  # someone waits
    await user_says(server, "Nog iets.", "c2")
    page = await (await client.get("/console/c/1")).text()
    mine = re.findall(r'<li data-conversation="(\d+)"[^>]*data-user-lines="(\d+)"', page)
    assert mine == [("1", "2"), ("2", "3")]  # "/mens" and two lines in chat 2
    assert 'aria-current="page"' in page and "Mijn gesprekken" in page
    assert re.search(r'id="waiting-list"[\s\S]*data-conversation="3"', page)
    assert 'data-user-lines="2"' in page.split("<body", 1)[1].split(">", 1)[0]  # the open chat's own count
    queue = await (await client.get("/console/")).text()
    assert re.findall(r'<li data-conversation="(\d+)"[^>]*data-user-lines', queue) == ["1", "2"]
    assert "Hallo, hier c1." not in queue  # the list names chats, never what was written


async def test_next_is_the_first_waiting_chat_in_my_order_or_the_queue(client: Client, server: TestServer) -> None:
    await add_agent(server, "anna")
    await logged_in(client, "anna")
    nobody = await client.get("/console/volgende", allow_redirects=False)
    assert (nobody.status, nobody.headers["Location"]) == (303, "/console/")
    await user_says(server, "/mens", "first")
    await user_says(server, "/mens", "second")
    await user_says(server, "ik wil niet meer leven", "second")  # a crisis goes first
    crisis = await client.get("/console/volgende", allow_redirects=False)
    assert (crisis.status, crisis.headers["Location"]) == (303, "/console/c/2")
    assert (await client.get("/console/volgende")).url.path == "/console/c/2"


async def test_a_chat_the_user_left_opens_closed_with_the_reason(client: Client, server: TestServer) -> None:
    csrf = await two_of_mine(server, client)
    ws = await client.ws_connect("/console/ws?watch=1")
    await next_event(ws, "queue")
    await user_says(server, "stop", "c1")
    ended = await next_event(ws, "status", conversation=1)
    assert (ended["status"], ended["reason"], ended["how"]) == ("ended", "user_left", "stop")
    page = await (await client.get("/console/c/1")).text()
    assert 'data-state="left"' in page and 'data-went="user_left"' in page
    assert re.search(r'<fieldset class="reply-fields" id="reply-fields" disabled>', page)
    assert "Je kunt niet meer antwoorden." in page and "De gebruiker is weggegaan." in page
    assert (await post(client, "/console/h/1/reply", csrf, text="Ben je er nog?")).status == 409

    await user_says(server, "sorry, ik ben er weer", "c1")  # back, with the bot
    back = await next_event(ws, "user", conversation=1)
    assert back["state"] == "back" and "text" not in back
    still = await (await client.get("/console/c/2")).text()
    assert 'data-state="mine"' in still and '<fieldset class="reply-fields" id="reply-fields">' in still
    await ws.close()


async def web_chat_with_agent(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> tuple[int, ClientWebSocketResponse, ClientWebSocketResponse]:
    """A web chat a person has claimed, open in a page again: (hand-off id, the console watching, the page)."""
    handoff_id, console = await live_with_agent(client, server, aiohttp_client)
    page = await client.ws_connect("/chat/ws")
    assert (await receive(page))["type"] == "history"
    await keep_session(client, page)
    return handoff_id, console, page


async def test_the_web_chat_tells_the_console_that_the_user_types(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    _handoff, console, page = await web_chat_with_agent(client, server, aiohttp_client)
    ticks = [100.0]
    server.app[HELPDESK].presence.monotonic = lambda: ticks[0]
    for _ in range(5):  # a page that sends too many: one sign per TYPING_EVERY reaches the console
        await page.send_str('{"type":"typing"}')
    await page.send_json({"type": "text", "id": "t9", "text": "ik typ iets"})
    answer = await receive(page)  # a typing frame gets no answer, and takes nothing from the frame budget
    assert answer["type"] == "messages" and answer["reply_to"] == "t9"
    seen = await events_until(console, "message", sender="user")
    typing = [e for e in seen if e["type"] == "user"]
    assert [e["state"] for e in typing] == ["typing"] and seen[-1]["text"] == "ik typ iets"
    ticks[0] += TYPING_EVERY
    await page.send_str('{"type": "typing"}')
    assert (await next_event(console, "user"))["state"] == "typing"
    await page.send_str('{"type":"typing","id":"x"}')  # anything more is not a typing frame
    assert (await receive(page))["type"] == "error"
    await page.close()
    await console.close()


async def test_snel_weg_says_how_the_user_left(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    _handoff, console, page = await web_chat_with_agent(client, server, aiohttp_client)
    await page.close()
    assert (await client.post("/chat/leave", headers=origin(client))).status == 204
    assert (await next_event(console, "status", status="ended"))["how"] == "quick_exit"
    await console.close()


async def test_a_new_chat_says_how_the_user_left(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    _handoff, console, page = await web_chat_with_agent(client, server, aiohttp_client)
    await page.close()
    assert (await client.post("/chat/new", headers=origin(client))).status == 204
    assert (await next_event(console, "status", status="ended"))["how"] == "new_chat"
    await console.close()
