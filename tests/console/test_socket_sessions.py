"""A console socket lives no longer than its session: logout, idle expiry and deactivation close it."""

from __future__ import annotations

from typing import Any

from aiohttp import WSMsgType
from aiohttp.test_utils import TestServer
from sqlalchemy import update

from bot.appkeys import HELPDESK
from bot.console import check_sessions
from bot.console.keys import AGENTS, SOCKETS
from bot.console.sockets import SESSION_ENDED
from storage.agents import AGENTS as AGENT_TABLE
from tests.console.conftest import Client, add_agent, logged_in, post
from tests.console.test_live import next_event, user_says
from tests.fakes.helpdesk import FakeClock, Recorder


async def closed_with(ws: Any) -> int | None:
    """Read until the server closes the socket; its close code."""
    while True:
        message = await ws.receive(timeout=5)
        if message.type is WSMsgType.CLOSE:
            return int(message.data)
        if message.type in (WSMsgType.CLOSED, WSMsgType.CLOSING, WSMsgType.ERROR):
            return None


async def live_with_anna(client: Client, server: TestServer) -> tuple[str, Any]:
    """Anna logged in, has conversation 1 live and watches it on an open socket."""
    await add_agent(server, "anna")
    csrf = await logged_in(client, "anna")
    await user_says(server, "/mens")
    assert (await post(client, "/console/h/1/claim", csrf)).status == 200
    ws = await client.ws_connect("/console/ws?watch=1")
    await next_event(ws, "queue")
    await user_says(server, "Hallo?")
    assert (await next_event(ws, "message", sender="user"))["text"] == "Hallo?"  # it works before
    return csrf, ws


async def test_logout_closes_the_socket_and_the_chat_goes_back_after_the_timeout(
    client: Client, server: TestServer, clock: FakeClock, recorder: Recorder
) -> None:
    csrf, ws = await live_with_anna(client, server)
    desk = server.app[HELPDESK]
    assert (await post(client, "/console/logout", csrf)).status == 303
    assert await closed_with(ws) == SESSION_ENDED
    assert len(server.app[SOCKETS]) == 0
    await user_says(server, "Ben je er nog?")
    assert desk.bus.connected_agents() == set()  # nobody hears the user any more
    clock.advance(seconds=30)
    assert await desk.requeue_stale() == 0
    clock.advance(seconds=61)  # past the 90 s disconnect timeout since the socket was last a heartbeat
    assert await desk.requeue_stale() == 1
    assert recorder.texts()[-1].startswith("Anna is niet meer in de chat.")


async def test_an_expired_session_closes_the_socket(
    client: Client, server: TestServer, clock: FakeClock, recorder: Recorder
) -> None:
    _csrf, ws = await live_with_anna(client, server)
    desk = server.app[HELPDESK]
    clock.advance(minutes=10)
    assert await check_sessions(server.app) == 0  # an open socket within the idle time stays
    clock.advance(minutes=21)  # 31 minutes without a request: the session is idle-expired
    assert await check_sessions(server.app) == 1
    assert await closed_with(ws) == SESSION_ENDED
    await user_says(server, "Hallo??")
    assert desk.bus.connected_agents() == set()
    assert await desk.requeue_stale() == 1  # the socket's heartbeats no longer keep it
    assert recorder.texts()[-1].startswith("Anna is niet meer in de chat.")
    assert (await client.get("/console/", allow_redirects=False)).status == 303


async def test_a_socket_does_not_keep_its_session_alive(client: Client, server: TestServer, clock: FakeClock) -> None:
    """Heartbeats check the session but are not activity: only requests are."""
    await add_agent(server, "anna")
    await logged_in(client, "anna")
    ws = await client.ws_connect("/console/ws")
    await next_event(ws, "queue")
    for _ in range(4):
        clock.advance(minutes=10)
        await check_sessions(server.app)
    assert await closed_with(ws) == SESSION_ENDED


async def test_a_deactivated_agent_loses_the_socket(client: Client, server: TestServer) -> None:
    _csrf, ws = await live_with_anna(client, server)
    agents = server.app[AGENTS]
    async with agents.engine.begin() as conn:
        await conn.execute(update(AGENT_TABLE).values(active=False))
    assert await check_sessions(server.app) == 1
    assert await closed_with(ws) == SESSION_ENDED
