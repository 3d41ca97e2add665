"""The web chat against what a fuzzer or a script sends: odd frames, many tabs, long chats, slow clients."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient, AiohttpServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.appkeys import HUB, STORE
from bot.channels.web import WEB_CHANNEL
from bot.channels.web_session import COOKIE
from bot.dialogs.dialog import Dialog
from bot.messages import OutgoingMessage
from bot.server import Served, start
from bot.settings import Settings
from tests.bot.channels.conftest import Client
from tests.bot.channels.webchat import Ticks, chat_of, keep_session, open_tab, receive, texts
from tests.bot.channels.webchat import start as start_chat


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("[" * 5000 + "]" * 5000, "bad_json"),  # deeper than the JSON parser goes
        ('{"type": "text", "id": ' + "[" * 3000 + "]" * 3000 + ', "text": "hoi"}', "bad_json"),
        ('{"type": "text", "id": "n1", "text": ' + '{"a":' * 3000 + "1" + "}" * 3000 + "}", "bad_json"),
    ],
)
async def test_deeply_nested_json_gets_an_error_and_the_socket_works_on(client: Client, raw: str, code: str) -> None:
    async with client.ws_connect("/chat/ws") as ws:
        await receive(ws)
        await ws.send_str(raw)
        error = await receive(ws)
        assert error["type"] == "error" and error["code"] == code
        await ws.send_json({"type": "choice", "id": "ok1", "key": "opt:welkom:start"})
        assert texts(await receive(ws)) == ["Ben je nu in gevaar?"]


async def test_lone_surrogates_are_dropped_and_the_words_are_stored_and_answered(
    client: Client, server: TestServer
) -> None:
    async with client.ws_connect("/chat/ws") as ws:
        await receive(ws)
        await ws.send_str('{"type": "text", "id": "u1", "text": "start\\ud800"}')  # a lone surrogate, as JSON
        answer = await receive(ws)
        assert answer["type"] == "messages" and texts(answer) == ["Ben je nu in gevaar?"]
        await ws.send_str('{"type": "text", "id": "u2", "text": "ik word \\udfff gepest \\ud83d"}')
        assert (await receive(ws))["type"] == "messages"
        token = await chat_of(server, await keep_session(client, ws))
    conversation = await server.app[STORE].load("web", token or "")
    assert conversation is not None and conversation.id is not None
    said = [e.text for e in await server.app[STORE].transcript(conversation.id) if e.sender == "user"]
    assert said == ["start", "ik word  gepest"]


async def test_a_second_tab_gets_only_what_is_new(client: Client, server: TestServer) -> None:
    server.app[WEB_CHANNEL].clock = Ticks(step=10.0)  # never too fast for the frame rate limit
    await start_chat(client)
    tab1, _ = await open_tab(client)
    tab2, _ = await open_tab(client)
    async with tab1, tab2:
        received: list[int] = []
        for i in range(30):
            await tab1.send_json({"type": "text", "id": f"t{i:03d}", "text": f"{i} " + "bla " * 700})
            await receive(tab1)
            message = await tab2.receive(timeout=5)
            assert message.type is WSMsgType.TEXT
            frame = json.loads(message.data)
            assert frame["type"] == "messages" and frame["messages"][0]["sender"] == "user"
            received.append(len(message.data.encode()))
    first, last = sum(received[:10]), sum(received[-10:])
    assert last < first * 1.2, f"the second tab's bytes grow with the chat: {first} then {last}"
    assert sum(received) < 30 * 5000, "about one message's worth per message, not the whole history"


async def test_a_full_conversation_says_so_and_stores_no_more(
    aiohttp_client: AiohttpClient,
    aiohttp_server: AiohttpServer,
    settings: Settings,
    dialog: Dialog,
    sqlite_database: AsyncEngine,
) -> None:
    small = settings.model_copy(update={"web_transcript_max_lines": 20})
    server = await aiohttp_server(create_app(small, dialog=dialog))
    server.app[WEB_CHANNEL].clock = Ticks(step=10.0)
    client = await aiohttp_client(server)
    token = await start_chat(client)
    chat_id = await chat_of(server, token)
    store = server.app[STORE]
    conversation = await store.load("web", chat_id or "")
    assert conversation is not None and conversation.id is not None
    async with client.ws_connect("/chat/ws") as ws:
        await receive(ws)
        for i in range(20):
            await ws.send_json({"type": "text", "id": f"f{i:03d}", "text": "blabla"})
            answer = await receive(ws)
            if "Dit gesprek is te lang geworden." in "\n".join(texts(answer)):
                break
        else:
            raise AssertionError("the conversation never filled up")
        assert "Kies 'Nieuw gesprek' onder 'Meer' om opnieuw te beginnen." in texts(answer)[0]
        assert "tel:112" in {c["href"] for m in answer["messages"] for c in m["contacts"]}
        full = await store.line_count(conversation.id)
        await ws.send_json({"type": "text", "id": "more", "text": "nog meer"})
        assert "Dit gesprek is te lang geworden." in texts(await receive(ws))[0]
    assert 20 <= full <= 24 and await store.line_count(conversation.id) == full


@pytest.fixture
async def served(settings: Settings, dialog: Dialog, sqlite_database: AsyncEngine) -> AsyncIterator[Served]:
    """The app as ``wegwijzer serve`` serves it (bot/server.py), with a short deadline for headers."""
    quick = settings.model_copy(update={"http_header_timeout_seconds": 0.5, "http_keepalive_seconds": 2.0})
    running = await start(create_app(quick, dialog=dialog), quick, host="127.0.0.1", port=0)
    yield running
    await running.stop()


async def test_a_client_that_sends_its_headers_slowly_is_cut_off(served: Served) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    began = time.monotonic()
    writer.write(b"GET /healthz HTTP/1.1\r\n")
    cut_off = False
    for byte in b"Host: 127.0.0.1\r\nUser-Agent: slow\r\nX-Padding: " + b"a" * 40:
        try:
            writer.write(bytes([byte]))
            await writer.drain()
        except ConnectionError:
            cut_off = True
            break
        if reader.at_eof() or await _closed(reader):
            cut_off = True
            break
    assert cut_off and time.monotonic() - began < 3.0, "the slow client still had its connection"
    writer.close()

    idle_reader, idle_writer = await asyncio.open_connection("127.0.0.1", served.port)
    assert await asyncio.wait_for(idle_reader.read(), 3.0) == b"", "a connection that sends nothing is closed"
    idle_writer.close()

    ok_reader, ok_writer = await asyncio.open_connection("127.0.0.1", served.port)
    ok_writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert (await asyncio.wait_for(ok_reader.read(), 5.0)).startswith(b"HTTP/1.1 200")
    ok_writer.close()


async def _closed(reader: asyncio.StreamReader) -> bool:
    """Whether the server closed the connection (waits a tenth of a second for it)."""
    try:
        return await asyncio.wait_for(reader.read(1), 0.1) == b""
    except TimeoutError:
        return False


async def test_a_page_that_does_not_read_is_cut_off_and_holds_nobody_up(client: Client, server: TestServer) -> None:
    token = await start_chat(client)
    chat_id = await chat_of(server, token)
    assert chat_id is not None
    channel = server.app[WEB_CHANNEL]
    channel.send_seconds = 0.5
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET /chat/ws HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nCookie: {COOKIE}={token}\r\n\r\n".encode()
    )
    for _wait in range(100):
        if channel.sockets.get(chat_id):
            break
        await asyncio.sleep(0.02)
    assert channel.sockets.get(chat_id), "the page is open"
    long_text = "x" * 60_000
    slowest = 0.0
    for _push in range(400):  # the page never reads: what we send piles up until it is cut off
        began = time.monotonic()
        push = server.app[HUB].deliver("web", chat_id, [OutgoingMessage(long_text, kind="agent")])
        await asyncio.wait_for(push, 5.0)
        slowest = max(slowest, time.monotonic() - began)
        if not channel.sockets.get(chat_id):
            break
    assert not channel.sockets.get(chat_id), "the page that does not read was never cut off"
    assert slowest < 2.0, f"a push waited {slowest:.1f} s for a page that does not read"
    sock.close()
