"""The audit log: ids only, for watching, replying, transferring, ending, notes and logging in."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient
from sqlalchemy import select

from bot.appkeys import HELPDESK
from bot.console.keys import AGENTS
from storage.agents import AUDIT
from tests.console.conftest import Client, add_agent, logged_in, login, post
from tests.console.test_live import next_event, user_says


async def audit_rows(server: TestServer) -> list[tuple[Any, ...]]:
    async with server.app[AGENTS].engine.connect() as conn:
        rows = (await conn.execute(select(AUDIT).order_by(AUDIT.c.id))).all()
    return [(r.agent_id, r.conversation_id, r.action) for r in rows]


async def test_agent_actions_and_logins_are_audited_without_text(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    anna = await add_agent(server, "anna")
    bram = await add_agent(server, "bram")
    assert (await login(client, "anna", "wrong password")).status == 401
    assert (await login(client, "nobody", "hunter2")).status == 401
    csrf = await logged_in(client, "anna")
    await user_says(server, "/mens")
    await post(client, "/console/h/1/claim", csrf)
    assert (await post(client, "/console/h/1/reply", csrf, text="Geheime tekst")).status == 200
    assert (await post(client, "/console/h/1/canned", csrf, canned="kindertelefoon")).status == 200
    assert (await post(client, "/console/c/1/note", csrf, text="Geheime notitie")).status == 200
    assert (await post(client, "/console/h/1/transfer", csrf, to=str(bram.id))).status == 200
    other = await aiohttp_client(server)
    bram_csrf = await logged_in(other, "bram")
    assert (await post(other, "/console/h/1/end", bram_csrf, outcome="information")).status == 200
    assert await audit_rows(server) == [
        (anna.id, None, "login_failed"),
        (None, None, "login_failed"),  # a name without an account: no agent, and never the name itself
        (anna.id, None, "login"),
        (anna.id, 1, "claim"),
        (anna.id, 1, "reply"),
        (anna.id, 1, "reply"),
        (anna.id, 1, "note"),
        (anna.id, 1, "transfer"),
        (bram.id, None, "login"),
        (bram.id, 1, "end"),
    ]
    async with server.app[AGENTS].engine.connect() as conn:
        dumped = str((await conn.execute(select(AUDIT))).all())
    assert "Geheim" not in dumped and "nobody" not in dumped and "hunter2" not in dumped


async def test_notes_only_on_conversations_with_a_handoff(client: Client, server: TestServer) -> None:
    await add_agent(server, "anna")
    csrf = await logged_in(client, "anna")
    await user_says(server, "hallo")  # conversation 1: never asked for a person
    assert (await post(client, "/console/c/1/note", csrf, text="notitie")).status == 404
    assert (await post(client, "/console/c/99/note", csrf, text="notitie")).status == 404
    assert all(action != "note" for _a, _c, action in await audit_rows(server))


async def test_watch_live_only_for_a_conversation_with_an_open_handoff(client: Client, server: TestServer) -> None:
    await add_agent(server, "anna")
    await logged_in(client, "anna")
    await user_says(server, "hallo")  # conversation 1, no hand-off
    await user_says(server, "/mens", chat_id="c2")  # conversation 2, queued
    for watch in (1, 99):
        ws = await client.ws_connect(f"/console/ws?watch={watch}")
        await next_event(ws, "queue")
        await ws.close()
    ws = await client.ws_connect("/console/ws?watch=2")
    await next_event(ws, "queue")
    await user_says(server, "Is daar iemand?", chat_id="c2")
    assert (await next_event(ws, "message", sender="user"))["conversation"] == 2
    await ws.close()
    watched = [(c, a) for _agent, c, a in await audit_rows(server) if a == "watch_live"]
    assert watched == [(2, "watch_live")]
    assert server.app[HELPDESK].bus.connected_agents() == set()
