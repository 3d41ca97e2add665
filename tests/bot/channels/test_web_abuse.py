"""Limits per network address, tried as an attacker would: the real server, real sockets, several addresses.

A second address is a second loopback address (127.0.0.2): the server sees another peer, as it would see
another school. Behind a trusted proxy the address comes from X-Forwarded-For (IPv6 counts per /64).
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from aiohttp import TCPConnector, WSMsgType
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient, AiohttpServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.abuse import CLIENT_LIMITS
from bot.app import create_app
from bot.appkeys import DATABASE, HELPDESK
from bot.channels.web_limits import TRY_LATER
from bot.dialogs.dialog import Dialog
from bot.settings import Settings
from storage.models import Conversation, WebSession
from storage.monitoring import sums
from tests.bot.channels.conftest import Client
from tests.bot.channels.webchat import Ticks, options, receive, texts

START = {"type": "choice", "id": "start01", "key": "opt:welkom:start"}
BUSY_START = "Vanaf jouw internet (bijvoorbeeld de wifi van school) beginnen nu heel veel mensen een gesprek."


async def client_from(aiohttp_client: AiohttpClient, server: TestServer, address: str) -> Client:
    """A client whose connections come from ``address`` (a loopback address: 127.0.0.x)."""
    return await aiohttp_client(server, connector=TCPConnector(local_addr=(address, 0)))


async def count(server: TestServer, table: Any) -> int:
    async with server.app[DATABASE].connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table)) or 0)


def hrefs(frame: dict[str, Any]) -> set[str]:
    return {c["href"] for m in frame["messages"] for c in m["contacts"]}


async def serve_with(aiohttp_server: AiohttpServer, settings: Settings, dialog: Dialog, **changes: Any) -> TestServer:
    return await aiohttp_server(create_app(settings.model_copy(update=changes), dialog=dialog))


async def test_pages_that_only_look_store_nothing(client: Client, server: TestServer) -> None:
    sockets = [await client.ws_connect("/chat/ws") for _ in range(30)]
    for ws in sockets:
        welcome = await receive(ws)
        assert welcome["type"] == "history" and "Start" in options(welcome)
    for ws in sockets:
        await ws.close()
    assert await count(server, Conversation.__table__) == 0
    assert await count(server, WebSession.__table__) == 0


async def test_thirty_new_conversations_from_one_address_are_limited_kindly(
    aiohttp_client: AiohttpClient, client: Client, server: TestServer
) -> None:
    limit = server.app[CLIENT_LIMITS].conversations
    ticks = Ticks()
    ticks.now = time.time()  # wall time, as the limits keep it: the app's housekeeping prunes by wall time
    limit.clock = ticks
    answers = []
    for i in range(30):
        async with client.ws_connect("/chat/ws") as ws:
            await receive(ws)
            await ws.send_json({**START, "id": f"start{i:03d}"})
            answers.append(await receive(ws))
    started = [a for a in answers if texts(a) == ["Ben je nu in gevaar?"]]
    refused = [a for a in answers if a not in started]
    assert len(started) == 20 and len(refused) == 10
    assert await count(server, Conversation.__table__) == 20, "a refused page stores nothing"
    for answer in refused:
        assert answer["reply_to"] and texts(answer)[0].startswith(BUSY_START)
        assert "Probeer het over een minuut nog een keer." in texts(answer)[0]
        assert {"tel:112", "tel:113", "tel:08000432"} <= hrefs(answer), "the emergency numbers, always"
        assert "Start" in options(answer), "the page keeps its buttons"

    school = await client_from(aiohttp_client, server, "127.0.0.2")  # another address is not held up
    async with school.ws_connect("/chat/ws") as ws:
        await receive(ws)
        await ws.send_json(START)
        assert texts(await receive(ws)) == ["Ben je nu in gevaar?"]
        ticks.now += 3.0  # 20 a minute: one more every 3 seconds
        async with client.ws_connect("/chat/ws") as again:
            await receive(again)
            await again.send_json(START)
            assert texts(await receive(again)) == ["Ben je nu in gevaar?"]
            await again.send_json({**START, "id": "start999"})  # its conversation exists now: no limit
            assert (await receive(again))["type"] == "messages"


async def test_open_sockets_per_address(
    aiohttp_client: AiohttpClient,
    aiohttp_server: AiohttpServer,
    settings: Settings,
    dialog: Dialog,
    sqlite_database: AsyncEngine,
) -> None:
    server = await serve_with(aiohttp_server, settings, dialog, web_sockets_per_address=5)
    client = await client_from(aiohttp_client, server, "127.0.0.1")
    open_ones = [await client.ws_connect("/chat/ws") for _ in range(5)]
    for ws in open_ones:
        assert (await receive(ws))["type"] == "history"
    sixth = await client.ws_connect("/chat/ws")
    told = await receive(sixth)
    assert told["type"] == "messages" and "heel veel chats open" in texts(told)[0]
    assert "tel:112" in hrefs(told)
    closed = await sixth.receive(timeout=5)
    assert closed.type is WSMsgType.CLOSE and closed.data == TRY_LATER
    other = await client_from(aiohttp_client, server, "127.0.0.2")
    async with other.ws_connect("/chat/ws") as ws:
        assert (await receive(ws))["type"] == "history"
    await open_ones[0].close()
    async with client.ws_connect("/chat/ws") as ws:  # one closed: room for one again
        assert (await receive(ws))["type"] == "history"
    for ws in open_ones[1:]:
        await ws.close()


async def test_thirty_requests_for_a_person_from_one_address_do_not_push_a_child_down_the_queue(
    aiohttp_client: AiohttpClient,
    aiohttp_server: AiohttpServer,
    settings: Settings,
    dialog: Dialog,
    sqlite_database: AsyncEngine,
) -> None:
    server = await serve_with(aiohttp_server, settings, dialog, web_conversations_per_minute=100)
    desk = server.app[HELPDESK]
    child = await client_from(aiohttp_client, server, "127.0.0.2")
    child_ws = await child.ws_connect("/chat/ws")
    await receive(child_ws)
    await child_ws.send_json({"type": "choice", "id": "c1", "key": "cmd:mens"})
    assert "Je bent de volgende." in "\n".join(texts(await receive(child_ws)))
    (child_request,) = await desk.handoffs.queue()

    script = await client_from(aiohttp_client, server, "127.0.0.1")
    answers = []
    for i in range(30):
        async with script.ws_connect("/chat/ws") as ws:
            await receive(ws)
            await ws.send_json({"type": "text", "id": f"a{i}", "text": "ik wil niet meer leven"})
            await receive(ws)
            await ws.send_json({"type": "choice", "id": f"b{i}", "key": "cmd:mens"})
            answers.append(await receive(ws))
    queued = [a for a in answers if any("Je staat in de wachtrij" in t for t in texts(a))]
    refused = [a for a in answers if a not in queued]
    assert len(queued) == settings.web_handoffs_per_hour == 6 and len(refused) == 24
    for answer in refused:
        assert texts(answer)[0].startswith("Heb je nu hulp nodig? Bel dan:"), "in danger: the numbers first"
        assert {"tel:112", "tel:113", "tel:08000432", "tel:08002000"} <= hrefs(answer)
        assert "Het lukt nu niet om je in de wachtrij te zetten." in texts(answer)[1]
    assert len(await desk.handoffs.queue()) == 7
    assert sum((await sums(server.app[DATABASE], date.min, date.max, "handoff_limited")).values()) == 24

    await child_ws.send_json({"type": "choice", "id": "c2", "key": "cmd:mens"})
    assert "Je bent nummer 7." in "\n".join(texts(await receive(child_ws))), "six, not thirty, ahead of the child"
    await child_ws.send_json({"type": "text", "id": "c3", "text": "ik wil niet meer leven"})
    assert (await receive(child_ws))["messages"][0]["kind"] == "crisis"
    assert (await desk.handoffs.queue())[0].handoff_id == child_request.handoff_id, "in danger, the child is first"
    await child_ws.close()


async def test_behind_a_trusted_proxy_ipv6_counts_per_64_and_a_forged_header_counts_for_nothing(
    aiohttp_client: AiohttpClient,
    aiohttp_server: AiohttpServer,
    settings: Settings,
    dialog: Dialog,
    sqlite_database: AsyncEngine,
) -> None:
    async def starts(server: TestServer, forwarded_for: str) -> bool:
        client = await aiohttp_client(server, headers={"X-Forwarded-For": forwarded_for})
        async with client.ws_connect("/chat/ws") as ws:
            await receive(ws)
            await ws.send_json(START)
            return texts(await receive(ws)) == ["Ben je nu in gevaar?"]

    proxied = await serve_with(
        aiohttp_server, settings, dialog, web_conversations_per_minute=2, console_trusted_proxies=("127.0.0.1",)
    )
    assert await starts(proxied, "2001:db8:1:2::a")
    assert await starts(proxied, "198.51.100.7, 2001:db8:1:2:ffff::b")  # the hop the proxy added counts
    assert not await starts(proxied, "2001:db8:1:2::c"), "the same /64"
    assert await starts(proxied, "2001:db8:1:3::a"), "another /64"
    assert await starts(proxied, "203.0.113.9")

    direct = await serve_with(aiohttp_server, settings, dialog, web_conversations_per_minute=2)
    assert await starts(direct, "203.0.113.1")
    assert await starts(direct, "203.0.113.2")
    assert not await starts(direct, "203.0.113.3"), "no trusted proxy: the header is ignored, the peer counts"


async def test_the_limits_are_settings_with_defaults_that_fit_a_school(settings: Settings) -> None:
    assert settings.web_conversations_per_minute == 20
    assert settings.web_handoffs_per_hour == 6
    assert settings.web_sockets_per_address == 100
    assert settings.web_transcript_max_lines == 1000
