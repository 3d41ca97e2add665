"""The web chat's server side: a real app, a real WebSocket, the real engine on SQLite (fixture tree)."""

from __future__ import annotations

import json
import re

import pytest
from aiohttp import WSCloseCode, WSMsgType
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.appkeys import ENGINE, HUB, STORE
from bot.channels.web_session import COOKIE, token_hash
from bot.channels.web_socket import FRAME_LIMIT, SOCKET_LIMIT
from bot.dialogs.dialog import Dialog
from bot.messages import IncomingMessage, OutgoingMessage, Reply
from bot.settings import Settings
from tests.bot.channels.conftest import Client
from tests.bot.channels.webchat import (
    chat_of,
    keep_session,
    open_chats,
    open_tab,
    options,
    origin,
    receive,
    start,
    texts,
    ticket,
)


async def test_the_page_is_strict_about_what_it_loads(client: Client) -> None:
    response = await client.get("/")
    html = await response.text()
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp and "default-src 'none'" in csp
    assert "unsafe" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    assert '<html lang="nl" dir="ltr">' in html
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == [], "no inline script"
    assert " style=" not in html and "<style" not in html, "no inline style"
    assert re.findall(r"(?:src|href)=\"(?!/)", html) == [], "everything comes from us"
    for label in ("Snel weg", "Nieuw gesprek", "Verstuur", "Terug", "Praat met een mens", "Taal", "Ik ben klaar"):
        assert label in html
    for asset in re.findall(r"(?:src|href)=\"(/static/chat/[^\"]+)\"", html):
        served = await client.get(asset)
        assert served.status == 200 and served.headers["X-Content-Type-Options"] == "nosniff"


async def test_the_session_cookie_is_random_httponly_and_lax(client: Client) -> None:
    assert COOKIE not in (await client.get("/")).cookies, "looking at the page hands out no session"
    async with client.ws_connect("/chat/ws") as ws:
        await receive(ws)
        await ws.send_json({"type": "choice", "id": "c1", "key": "opt:welkom:start"})
        await receive(ws)
        response = await client.post("/chat/rotate", json={"ticket": await ticket(ws)}, headers=origin(client))
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["expires"] and not cookie["max-age"]
    assert len(cookie.value) >= 43
    again = await client.get("/")
    assert COOKIE not in again.cookies, "a visitor with a session keeps it"


async def test_a_whole_path_over_the_socket(client: Client, server: TestServer) -> None:
    async with client.ws_connect("/chat/ws") as ws:
        hello = await receive(ws)
        (chat_id,) = open_chats(server)
        assert hello["type"] == "history" and hello["lang"] == "nl" and hello["dir"] == "ltr"
        assert "Hoi, ik ben de Wegwijzer." in texts(hello)[0]
        await ws.send_json({"type": "choice", "id": "a1", "key": options(hello)["Start"]})
        danger = await receive(ws)
        assert danger["type"] == "messages" and danger["reply_to"] == "a1" and not danger["duplicate"]
        assert texts(danger) == ["Ben je nu in gevaar?"]
        await ws.send_json({"type": "text", "id": "a2", "text": "nee"})
        role = await receive(ws)
        assert texts(role) == ["Wie ben jij?"] and role["messages"][0]["kind"] == "question"
        await ws.send_json({"type": "choice", "id": "a3", "key": options(role)["Ik ben leerling"]})
        outcome = await receive(ws)
        token = await keep_session(client, ws)
    assert outcome["messages"][0]["kind"] == "outcome"
    party = next(m for m in outcome["messages"] if m["title"] == "Kindertelefoon")
    assert party["kind"] == "party"
    assert [(c["label"], c["href"]) for c in party["contacts"]][0] == ("Bel 0800-0432", "tel:08000432")
    assert {a["label"] for a in outcome["messages"][-1]["actions"]} >= {"Opnieuw beginnen", "Praat met een mens"}
    stored = await server.app[STORE].load("web", chat_id)
    assert stored is not None and stored.state == "leerling_uitkomst"
    assert await chat_of(server, token) == chat_id
    for kept in (token, token_hash(token)):  # the database holds only the token's hash, and not as the chat's id
        assert await server.app[STORE].load("web", kept) is None


async def test_a_reconnect_resumes_with_history_and_a_resend_counts_once(client: Client) -> None:
    async with client.ws_connect("/chat/ws") as ws:
        await receive(ws)
        await ws.send_json({"type": "choice", "id": "b1", "key": "opt:welkom:start"})
        await receive(ws)
        await keep_session(client, ws)
        await ws.send_json({"type": "choice", "id": "b2", "key": "opt:gevaar:nee"})
        await receive(ws)
    async with client.ws_connect("/chat/ws") as ws:
        history = await receive(ws)
        assert history["type"] == "history"
        senders = [(m["sender"], m["text"]) for m in history["messages"]]
        assert ("user", "Start") in senders and ("user", "Nee") in senders
        assert senders[-1] == ("bot", "Wie ben jij?"), "the current question closes the history, once"
        assert [t for s, t in senders].count("Wie ben jij?") == 1
        assert set(options(history)) == {"Ik ben leerling", "Ik ben ouder", "Iets anders"}
        await ws.send_json({"type": "choice", "id": "b2", "key": "opt:gevaar:nee"})  # the page's resend
        resent = await receive(ws)
        assert resent == {**resent, "type": "messages", "reply_to": "b2", "duplicate": True, "messages": []}
        await ws.send_json({"type": "text", "id": "b3", "text": "Ik ben ouder"})
        assert "Deze organisaties kunnen je helpen." in texts(await receive(ws))


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "bad_json"),
        ("[1, 2]", "bad_frame"),
        ('"text"', "bad_frame"),
        ('{"type": "text", "text": "hoi"}', "bad_id"),
        ('{"type": "text", "id": "<script>", "text": "hoi"}', "bad_id"),
        ('{"type": "text", "id": "c1", "text": 5}', "bad_frame"),
        ('{"type": "choice", "id": "c1", "key": ""}', "bad_frame"),
        ('{"type": "shout", "id": "c1", "text": "hoi"}', "bad_frame"),
        ('{"type": "text", "id": "c1", "text": "hoi", "html": "<b>"}', "bad_frame"),
        ('{"type": "text", "id": ' + "9" * 5000 + ', "text": "hoi"}', "bad_json"),  # more digits than Python reads
        ('{"type": "text", "id": 1e999, "text": "hoi"}', "bad_id"),
        ('{"type": "text", "id": "' + "a" * 5000 + '", "text": "hoi"}', "bad_id"),
        ('{"type": "choice", "id": "k1", "key": "' + "x" * 5000 + '"}', "bad_frame"),
    ],
)
async def test_a_malformed_frame_gets_an_error_frame_and_the_socket_stays(client: Client, raw: str, code: str) -> None:
    async with client.ws_connect("/chat/ws") as ws:
        await receive(ws)
        await ws.send_str(raw)
        error = await receive(ws)
        assert error["type"] == "error" and error["code"] == code and error["message"]
        await ws.send_json({"type": "choice", "id": "ok1", "key": "opt:welkom:start"})
        assert texts(await receive(ws)) == ["Ben je nu in gevaar?"]


async def test_binary_and_oversize_frames(client: Client) -> None:
    async with client.ws_connect("/chat/ws") as ws:
        await receive(ws)
        await ws.send_bytes(b"\x00\x01")
        assert (await receive(ws))["code"] == "bad_frame"
        await ws.send_json({"type": "text", "id": "big", "text": "x" * FRAME_LIMIT})
        assert (await receive(ws))["code"] == "too_large"
        await ws.send_json({"type": "text", "id": "d1", "text": "x" * 5000})
        cut = await receive(ws)
        assert cut["reply_to"] == "d1" and "Je bericht was erg lang" in texts(cut)[0]
    async with client.ws_connect("/chat/ws") as ws:
        await receive(ws)
        await ws.send_str(json.dumps({"type": "text", "id": "huge", "text": "x" * SOCKET_LIMIT}))
        closing = await ws.receive(timeout=5)
        assert closing.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING)
        assert ws.close_code == WSCloseCode.MESSAGE_TOO_BIG
    async with client.ws_connect("/chat/ws") as ws:  # the server is still there
        assert (await receive(ws))["type"] == "history"


async def test_two_sessions_never_see_each_others_messages(aiohttp_client: AiohttpClient, server: TestServer) -> None:
    anna, bram = await aiohttp_client(server), await aiohttp_client(server)
    async with anna.ws_connect("/chat/ws") as anna_ws, bram.ws_connect("/chat/ws") as bram_ws:
        await receive(anna_ws), await receive(bram_ws)
        await anna_ws.send_json({"type": "text", "id": "1", "text": "geheim van anna"})
        anna_reply = await receive(anna_ws)
        anna_token = await keep_session(anna, anna_ws)
        await bram_ws.send_json({"type": "text", "id": "1", "text": "start"})  # the same frame id
        bram_reply = await receive(bram_ws)
        bram_token = await keep_session(bram, bram_ws)
        assert anna_token != bram_token
        assert not bram_reply["duplicate"] and texts(bram_reply) == ["Ben je nu in gevaar?"]
        assert "Ben je nu in gevaar?" not in texts(anna_reply)
        anna_chat = await chat_of(server, anna_token)
        assert anna_chat is not None and anna_chat != await chat_of(server, bram_token)
        await server.app[HUB].deliver("web", anna_chat, [OutgoingMessage("Alleen voor Anna")])
        assert texts(await receive(anna_ws)) == ["Alleen voor Anna"]
        await bram_ws.send_json({"type": "choice", "id": "2", "key": "opt:gevaar:nee"})
        assert texts(await receive(bram_ws)) == ["Wie ben jij?"], "Bram got nothing of Anna's in between"
    async with bram.ws_connect("/chat/ws") as bram_ws:
        seen = json.dumps(await receive(bram_ws))
    assert "anna" not in seen.lower()


async def test_the_hub_pushes_to_every_open_tab_with_the_persons_name(client: Client, server: TestServer) -> None:
    chat_id = await chat_of(server, await start(client))
    assert chat_id is not None
    tab1, _ = await open_tab(client)  # each tab trades its ticket, as the page does, before the next opens
    tab2, _ = await open_tab(client)
    async with tab1, tab2:
        await server.app[HUB].typing("web", chat_id)
        assert await receive(tab1) == {"type": "typing"} and await receive(tab2) == {"type": "typing"}
        pushed = [OutgoingMessage("Hoi, ik ben Sanne.", kind="agent", author="Sanne")]
        assert await server.app[HUB].deliver("web", chat_id, pushed)
        for tab in (tab1, tab2):
            frame = await receive(tab)
            assert frame["reply_to"] is None
            assert (
                frame["messages"][0] | {"text": "Hoi, ik ben Sanne.", "author": "Sanne", "sender": "agent"}
                == (frame["messages"][0])
            )
        await tab1.send_json({"type": "choice", "id": "t1", "key": "opt:gevaar:nee"})
        assert texts(await receive(tab1)) == ["Wie ben jij?"]
        synced = await receive(tab2)  # only what is new: the user's answer and the question it got
        assert synced["type"] == "messages" and synced["reply_to"] is None
        assert [(m["sender"], m["text"]) for m in synced["messages"]] == [("user", "Nee"), ("bot", "Wie ben jij?")]
        assert "Ik ben leerling" in options(synced), "the other tab gets the buttons too"


async def test_new_conversation_ends_the_session_and_starts_afresh(client: Client, server: TestServer) -> None:
    old = await start(client)
    old_chat = await chat_of(server, old)
    response = await client.post("/chat/new", headers=origin(client))
    assert response.status == 204
    assert response.cookies[COOKIE].value == "" and response.cookies[COOKIE]["max-age"] == "0"
    assert await chat_of(server, old) is None, "no copy of the old cookie opens the old conversation"
    async with client.ws_connect("/chat/ws") as ws:
        fresh = await receive(ws)
        assert [m["sender"] for m in fresh["messages"]] == ["bot"] and "Start" in options(fresh)
        await ws.send_json({"type": "choice", "id": "n1", "key": "opt:welkom:start"})
        await receive(ws)
        new = await keep_session(client, ws)
    assert new != old and await chat_of(server, new) not in (None, old_chat)


async def test_leaving_forgets_the_session_in_this_browser(client: Client) -> None:
    await start(client)
    response = await client.post("/chat/leave")
    assert response.status == 204
    assert response.cookies[COOKIE].value == "" and response.cookies[COOKIE]["max-age"] == "0"


async def test_other_sites_cannot_drive_a_visitors_chat(client: Client) -> None:
    await start(client)
    evil = {"Origin": "https://evil.example"}
    assert (
        await client.get("/chat/ws", headers={**evil, "Connection": "Upgrade", "Upgrade": "websocket"})
    ).status == 403
    assert (await client.post("/chat/new", headers=evil)).status == 403
    assert (await client.post("/chat/leave", headers=evil)).status == 403
    assert (await client.post("/chat/rotate", json={"ticket": "x" * 43}, headers=evil)).status == 403


async def test_a_socket_without_cookie_gets_a_session_when_it_does_something(
    aiohttp_client: AiohttpClient, server: TestServer
) -> None:
    client = await aiohttp_client(server)
    async with client.ws_connect("/chat/ws") as ws:
        assert (await receive(ws))["type"] == "history"
        await ws.send_json({"type": "text", "id": "s1", "text": "hallo"})
        await receive(ws)
        token = await keep_session(client, ws)
    assert client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE].value == token
    chat_id = await chat_of(server, token)
    conversation = await server.app[STORE].load("web", chat_id or "")
    assert conversation is not None
    assert (await client.post("/chat/rotate", json={"ticket": "x" * 43}, headers=origin(client))).status == 410


async def test_the_embed_page_may_be_framed_by_the_configured_origins(
    aiohttp_client: AiohttpClient, settings: Settings, dialog: Dialog, sqlite_database: AsyncEngine
) -> None:
    allowed = settings.model_copy(update={"embed_allowed_origins": ("https://school.example", "https://*.scholen.nl")})
    client = await aiohttp_client(create_app(allowed, dialog=dialog))
    response = await client.get("/embed")
    assert (
        "frame-ancestors 'self' https://school.example https://*.scholen.nl"
        in response.headers["Content-Security-Policy"]
    )
    assert "X-Frame-Options" not in response.headers
    assert 'data-ws="/chat/ws?embed=1"' in await response.text()
    script = await client.get("/embed.js")
    assert script.status == 200 and "javascript" in script.headers["Content-Type"]
    assert "frame-ancestors 'none'" in (await client.get("/")).headers["Content-Security-Policy"]


async def test_a_failing_step_gets_an_error_frame_and_the_next_one_works(
    client: Client, server: TestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = server.app[ENGINE]
    real_handle = engine.handle
    calls = 0

    async def fail_once(message: IncomingMessage) -> Reply:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database went away")
        return await real_handle(message)

    async with client.ws_connect("/chat/ws") as ws:
        await receive(ws)
        monkeypatch.setattr(engine, "handle", fail_once)
        await ws.send_json({"type": "choice", "id": "f1", "key": "opt:welkom:start"})
        error = await receive(ws)
        assert error == {**error, "type": "error", "code": "server_error", "reply_to": "f1"}
        await ws.send_json({"type": "choice", "id": "f2", "key": "opt:welkom:start"})
        assert texts(await receive(ws)) == ["Ben je nu in gevaar?"]
