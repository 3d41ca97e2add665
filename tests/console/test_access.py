"""Who reads which conversation: the queue and one's own open; anything else needs a reason, kept and audited."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient
from sqlalchemy import select

from bot.console.keys import AGENTS
from storage.access_grants import GRANTS
from tests.console.conftest import Client, add_agent, logged_in, post
from tests.console.test_audit import audit_rows
from tests.console.test_live import next_event, user_says


async def anna_live_with_conversation_1(client: Client, server: TestServer, aiohttp_client: AiohttpClient) -> Client:
    """Anna claimed conversation 1; returns Bram's logged-in client (conversation 2 is bot-only)."""
    await add_agent(server, "anna")
    await add_agent(server, "bram")
    anna_csrf = await logged_in(client, "anna")
    await user_says(server, "/mens")
    assert (await post(client, "/console/h/1/claim", anna_csrf)).status == 200
    await user_says(server, "Mijn geheim", chat_id="c2")  # conversation 2: never asked for a person
    bram = await aiohttp_client(server)
    await logged_in(bram, "bram")
    return bram


async def test_a_colleagues_live_chat_asks_for_a_reason_and_is_not_watched(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    bram = await anna_live_with_conversation_1(client, server, aiohttp_client)
    await user_says(server, "Mijn geheim")
    page = await bram.get("/console/c/1")
    text = await page.text()
    assert page.status == 403 and 'name="reason"' in text and "Mijn geheim" not in text
    ws = await bram.ws_connect("/console/ws?watch=1")
    await next_event(ws, "queue")
    await user_says(server, "Nog een geheim")
    with pytest.raises(asyncio.TimeoutError):
        while True:  # queue updates may come; a message of conversation 1 must not
            event = await ws.receive_json(timeout=0.5)
            assert event["type"] != "message", event
    await ws.close()
    assert (await client.get("/console/c/1")).status == 200  # Anna's own
    assert all(action != "watch_live" for agent, _c, action in await audit_rows(server) if agent == 2)


async def test_a_bot_only_conversation_and_impossible_ids_are_404(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    bram = await anna_live_with_conversation_1(client, server, aiohttp_client)
    for path in ("/console/c/2", "/console/c/99", "/console/c/99999999999999999999999", "/console/c/2147483648"):
        response = await bram.get(path)
        assert response.status == 404, path
        assert "Mijn geheim" not in await response.text()
    csrf = await logged_in(bram, "bram")
    assert (await post(bram, "/console/c/2/reason", csrf, reason="ik wil het zien")).status == 404
    assert (await post(bram, "/console/c/99999999999999999999999/reason", csrf, reason="nieuwsgierig")).status == 404
    ws = await bram.ws_connect("/console/ws?watch=99999999999999999999999")
    await next_event(ws, "queue")
    await ws.close()


async def test_with_a_reason_the_conversation_opens_and_the_reason_is_kept(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    bram = await anna_live_with_conversation_1(client, server, aiohttp_client)
    csrf = await logged_in(bram, "bram")
    assert (await post(bram, "/console/c/1/reason", None, reason="Anna vroeg om hulp")).status == 403  # CSRF
    assert (await post(bram, "/console/c/1/reason", csrf, reason="  ")).status == 400
    assert (await post(bram, "/console/c/1/reason", csrf, reason="x" * 201)).status == 400
    reason = "Anna vroeg <b>hulp</b>\nbij dit gesprek"
    response = await post(bram, "/console/c/1/reason", csrf, reason=reason)
    assert response.status == 303 and response.headers["Location"] == "/console/c/1"
    assert (await bram.get("/console/c/1")).status == 200
    ws = await bram.ws_connect("/console/ws?watch=1")
    await next_event(ws, "queue")
    await user_says(server, "Hallo?")
    assert (await next_event(ws, "message", sender="user"))["conversation"] == 1
    await ws.close()
    async with server.app[AGENTS].engine.connect() as conn:
        rows = (await conn.execute(select(GRANTS))).all()
    assert [(r.agent_id, r.conversation_id, r.reason) for r in rows] == [
        (2, 1, "Anna vroeg <b>hulp</b> bij dit gesprek")
    ]
    assert (2, 1, "open_with_reason") in await audit_rows(server)
    other = await aiohttp_client(server)  # another session of Bram: the reason was for that one
    await logged_in(other, "bram")
    assert (await other.get("/console/c/1")).status == 403


async def test_admins_give_a_reason_too_and_see_the_reasons_escaped(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    await anna_live_with_conversation_1(client, server, aiohttp_client)
    await add_agent(server, "beheer", role="admin")
    admin = await aiohttp_client(server)
    csrf = await logged_in(admin, "beheer")
    assert (await admin.get("/console/c/1")).status == 403
    assert (await admin.get("/console/c/2")).status == 403  # bot-only: for an admin, with a reason
    assert (await post(admin, "/console/c/2/reason", csrf, reason="<script>melding</script>")).status == 303
    assert (await admin.get("/console/c/2")).status == 200
    audit = await (await admin.get("/console/audit")).text()
    assert "&lt;script&gt;melding&lt;/script&gt;" in audit and "<script>melding" not in audit


async def test_the_queue_and_a_queued_conversation_stay_open(client: Client, server: TestServer) -> None:
    await add_agent(server, "bram")
    await logged_in(client, "bram")
    await user_says(server, "/mens", chat_id="c9")
    queue = await (await client.get("/console/")).text()
    assert '<a href="/console/c/1">Bekijken</a>' in queue
    assert (await client.get("/console/c/1")).status == 200
