"""A shared or family device: the web chat session ends on the server after ``web_session_idle_minutes``.

After that the old cookie opens nothing: the page gets a fresh welcome and not one line of the old conversation
(no resume, no history), and housekeeping deletes the row. Pages and everything that carries the conversation are
``Cache-Control: no-store``. Snel weg (or the session running out) while a person has the chat tells the agent's
console that the user left, and ends the hand-off in the database.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient
from sqlalchemy import select

from bot.appkeys import HELPDESK, STORE
from bot.channels.web import WEB_CHANNEL
from bot.channels.web_session import COOKIE
from bot.settings import Settings
from storage.models import Handoff, WebSession, utcnow
from tests.bot.channels.conftest import Client
from tests.bot.channels.webchat import chat_of, cookie, keep_session, origin, receive, start, texts, ticket
from tests.console.conftest import add_agent, logged_in, post

SECRET = "mijn stiefvader slaat me"
IDLE = timedelta(minutes=120)


class Clock:
    """The sessions' clock, moved by the test."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def fake_clock(server: TestServer) -> Clock:
    clock = Clock()
    server.app[WEB_CHANNEL].sessions.clock = clock
    return clock


async def tell(client: Client, text: str = SECRET) -> str:
    """Start a stored conversation, write ``text`` in it, keep the session; the token."""
    await start(client)
    async with client.ws_connect("/chat/ws") as ws:
        await receive(ws)
        await keep_session(client, ws)
        await ws.send_json({"type": "text", "id": "t1", "text": text})
        await receive(ws)
    return cookie(client)


async def frames_on_open(client: Client) -> list[dict[str, Any]]:
    """Every frame a page that opens the chat with the client's cookie gets in its first moments (it keeps the
    session as the page does)."""
    got: list[dict[str, Any]] = []
    async with client.ws_connect("/chat/ws") as ws:
        got.append(await ws.receive_json(timeout=5))
        while True:
            try:
                got.append(await ws.receive_json(timeout=0.5))
            except TimeoutError:
                break
    for frame in got:
        if frame["type"] == "rotate":
            response = await client.post("/chat/rotate", json={"ticket": frame["ticket"]}, headers=origin(client))
            assert response.status == 204
    return got


async def session_rows(server: TestServer) -> list[str]:
    async with server.app[STORE].engine.connect() as conn:
        return [str(c) for c in (await conn.scalars(select(WebSession.__table__.c.chat_id))).all()]  # type: ignore[attr-defined]


def said(got: list[dict[str, Any]]) -> str:
    return repr(got)


async def test_the_default_is_two_hours(settings: Settings, server: TestServer) -> None:
    assert Settings.model_fields["web_session_idle_minutes"] is not None
    assert server.app[WEB_CHANNEL].sessions.idle == timedelta(minutes=settings.web_session_idle_minutes) == IDLE


async def test_after_the_idle_time_the_old_cookie_opens_a_fresh_welcome(client: Client, server: TestServer) -> None:
    clock = fake_clock(server)
    token = await tell(client)
    chat_id = await chat_of(server, token)
    assert chat_id is not None and chat_id in await session_rows(server)
    clock.advance(IDLE + timedelta(minutes=1))
    got = await frames_on_open(client)  # the same browser, its cookie unchanged
    assert SECRET not in said(got) and "Ben je nu in gevaar?" not in said(got), "nothing of the old chat"
    assert got[0]["type"] == "history" and [m["sender"] for m in got[0]["messages"]] == ["bot"], "the welcome"
    assert all(f["type"] != "rotate" for f in got), "a fresh page gets no session until it does something"
    assert chat_id not in await session_rows(server), "the row is gone"
    assert await chat_of(server, token) is None
    page = await client.get("/")
    assert SECRET not in await page.text()
    assert await (await client.post("/chat/leave", headers=origin(client))).read() == b""


async def test_resume_after_the_idle_time_replays_nothing(client: Client, server: TestServer) -> None:
    clock = fake_clock(server)
    await tell(client)
    clock.advance(IDLE + timedelta(seconds=30))
    async with client.ws_connect("/chat/ws") as ws:
        await ws.send_json({"type": "resume", "seq": 0})  # as a page that had the chat open asks for what it lacks
        got = [await ws.receive_json(timeout=5)]
        while True:
            try:
                got.append(await ws.receive_json(timeout=0.5))
            except TimeoutError:
                break
    assert SECRET not in said(got) and "Ben je nu in gevaar?" not in said(got)


async def test_before_the_idle_time_it_resumes_and_a_frame_keeps_it_open(client: Client, server: TestServer) -> None:
    clock = fake_clock(server)
    await tell(client)
    clock.advance(IDLE - timedelta(minutes=5))
    assert SECRET in said(await frames_on_open(client)), "still within the idle time: the chat opens"
    async with client.ws_connect("/chat/ws") as ws:
        await receive(ws)
        await keep_session(client, ws)
        await ws.send_json({"type": "text", "id": "t2", "text": "nog iets"})  # the page did something
        await receive(ws)
    clock.advance(IDLE - timedelta(minutes=5))  # long after the start, not after the last frame
    assert SECRET in said(await frames_on_open(client))


async def test_the_last_frame_is_written_at_most_once_a_minute(client: Client, server: TestServer) -> None:
    clock = fake_clock(server)
    token = await tell(client)
    chat_id = await chat_of(server, token)

    async def last_seen() -> datetime:
        async with server.app[STORE].engine.connect() as conn:
            table = WebSession.__table__  # type: ignore[attr-defined]
            seen = await conn.scalar(select(table.c.last_seen_at).where(table.c.chat_id == chat_id))
        assert isinstance(seen, datetime)
        return seen

    first = await last_seen()
    async with client.ws_connect("/chat/ws") as ws:
        await receive(ws)
        await keep_session(client, ws)
        for n, step in enumerate((timedelta(seconds=61), timedelta(seconds=30), timedelta(seconds=31))):
            clock.advance(step)
            await ws.send_json({"type": "text", "id": f"m{n}", "text": f"regel {n}"})
            await receive(ws)
            if n == 0:
                written = await last_seen()
                assert written > first
            elif n == 1:
                assert await last_seen() == written, "not written again within the minute"
        assert await last_seen() > written, "a minute later it is"


async def test_housekeeping_deletes_idle_sessions(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    clock = fake_clock(server)
    token = await tell(client)
    chat_id = await chat_of(server, token)
    other = await aiohttp_client(server)
    fresh = await tell(other, "iets anders")
    clock.advance(IDLE / 2)
    async with other.ws_connect("/chat/ws") as ws:  # the other one is still in use
        await receive(ws)
        await keep_session(other, ws)
        await ws.send_json({"type": "text", "id": "x1", "text": "ik ben er nog"})
        await receive(ws)
    clock.advance(IDLE / 2 + timedelta(minutes=1))
    assert await server.app[WEB_CHANNEL].sessions.expire_idle() == 1
    assert chat_id not in await session_rows(server)
    assert await chat_of(server, cookie(other)) is not None and cookie(other) != fresh
    assert SECRET not in said(await frames_on_open(client))


async def test_chat_responses_are_not_stored_by_any_cache(client: Client, server: TestServer) -> None:
    for path in ("/", "/embed"):
        response = await client.get(path)
        assert response.status == 200 and response.headers["Cache-Control"] == "no-store", path
    async with client.ws_connect("/chat/ws") as ws:
        upgrade = ws._response  # the 101 that opened the socket
        assert upgrade.headers["Cache-Control"] == "no-store"
        await receive(ws)
        await ws.send_json({"type": "choice", "id": "n1", "key": "opt:welkom:start"})
        await receive(ws)
        offered = await ticket(ws)
    rotated = await client.post("/chat/rotate", json={"ticket": offered}, headers=origin(client))
    assert rotated.status == 204 and rotated.headers["Cache-Control"] == "no-store"
    assert COOKIE in rotated.cookies
    for path in ("/chat/new", "/chat/leave"):
        response = await client.post(path, headers=origin(client))
        assert response.status == 204 and response.headers["Cache-Control"] == "no-store", path
    assert (await client.post("/chat/rotate", json={"ticket": offered}, headers=origin(client))).headers[
        "Cache-Control"
    ] == "no-store"


async def live_with_agent(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> tuple[int, ClientWebSocketResponse]:
    """A web chat that a person has claimed; (its hand-off id, the agent's console socket watching it)."""
    await start(client)
    async with client.ws_connect("/chat/ws") as ws:
        await receive(ws)
        await keep_session(client, ws)
        await ws.send_json({"type": "text", "id": "l1", "text": SECRET})
        await receive(ws)
        await ws.send_json({"type": "choice", "id": "l2", "key": "cmd:mens"})
        assert "Je staat in de wachtrij" in "\n".join(texts(await receive(ws)))
        await keep_session(client, ws)
    chat_id = await chat_of(server, cookie(client))
    assert chat_id is not None
    conversation = await server.app[STORE].load("web", chat_id)
    assert conversation is not None and conversation.id is not None
    handoff = await server.app[HELPDESK].handoffs.open_for(conversation.id)
    assert handoff is not None and handoff.id is not None
    await add_agent(server, "anna")
    agent = await aiohttp_client(server)
    csrf = await logged_in(agent, "anna")
    console = await agent.ws_connect(f"/console/ws?watch={conversation.id}")
    assert (await post(agent, f"/console/h/{handoff.id}/claim", csrf)).status == 200
    await status(console, "live")
    return handoff.id, console


async def status(console: ClientWebSocketResponse, wanted: str) -> dict[str, Any]:
    while True:
        event: dict[str, Any] = await console.receive_json(timeout=5)
        if event["type"] == "status" and event["status"] == wanted:
            return event


async def ended_in_database(server: TestServer, handoff_id: int) -> Handoff:
    async with server.app[STORE].engine.connect() as conn:
        row = (await conn.execute(select(Handoff.__table__).where(Handoff.__table__.c.id == handoff_id))).one()  # type: ignore[attr-defined]
    handoff = Handoff.model_validate(dict(row._mapping))
    assert handoff.status == "ended" and handoff.ended_at is not None and handoff.outcome == "user_left"
    return handoff


async def test_snel_weg_during_a_live_chat_tells_the_agent(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    handoff_id, console = await live_with_agent(client, server, aiohttp_client)
    assert (await client.post("/chat/leave", headers=origin(client))).status == 204
    event = await status(console, "ended")
    assert event["reason"] == "user_left"
    await ended_in_database(server, handoff_id)
    await console.close()


async def test_a_session_that_runs_out_during_a_live_chat_tells_the_agent(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    clock = fake_clock(server)
    handoff_id, console = await live_with_agent(client, server, aiohttp_client)
    clock.advance(IDLE + timedelta(minutes=1))
    assert SECRET not in said(await frames_on_open(client))
    assert (await status(console, "ended"))["reason"] == "user_left"
    await ended_in_database(server, handoff_id)
    await console.close()


async def test_housekeeping_ends_the_live_chat_of_an_idle_session(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    clock = fake_clock(server)
    handoff_id, console = await live_with_agent(client, server, aiohttp_client)
    clock.advance(IDLE + timedelta(minutes=1))
    assert await server.app[WEB_CHANNEL].sessions.expire_idle() == 1
    assert (await status(console, "ended"))["reason"] == "user_left"
    await ended_in_database(server, handoff_id)
    assert await session_rows(server) == []
    await console.close()
