"""What a web chat page does, for tests that drive the real server over real sockets: frames and the session."""

from __future__ import annotations

import itertools
import weakref
from typing import Any

from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestServer

from bot.channels.web import WEB_CHANNEL
from bot.channels.web_session import COOKIE, token_hash
from tests.bot.channels.conftest import Client

# ws → the last ticket of a rotate frame that ``receive`` passed over; weak, so a closed socket's ticket never
# reaches a later socket (keyed by ``id(ws)`` it once did: a reused id handed a new socket a used ticket, 410)
TICKETS: weakref.WeakKeyDictionary[ClientWebSocketResponse, str] = weakref.WeakKeyDictionary()


async def receive(ws: ClientWebSocketResponse) -> dict[str, Any]:
    """The next frame that is not a ``rotate`` (whose ticket ``keep_session`` trades)."""
    while True:
        frame: dict[str, Any] = await ws.receive_json(timeout=5)
        if frame["type"] != "rotate":
            return frame
        TICKETS[ws] = frame["ticket"]


async def ticket(ws: ClientWebSocketResponse) -> str:
    """The ticket of the last rotate frame ``receive`` passed over (it comes before the answer), or of the next."""
    kept = TICKETS.pop(ws, None)
    if kept is not None:
        return kept
    frame: dict[str, Any] = await ws.receive_json(timeout=5)
    while frame["type"] != "rotate":
        frame = await ws.receive_json(timeout=5)
    return str(frame["ticket"])


def texts(frame: dict[str, Any]) -> list[str]:
    return [m["text"] for m in frame["messages"]]


def options(frame: dict[str, Any]) -> dict[str, str]:
    return {o["label"]: o["key"] for m in frame["messages"] for o in m["options"]}


def origin(client: Client) -> dict[str, str]:
    return {"Origin": f"http://{client.host}:{client.port}"}


async def keep_session(client: Client, ws: ClientWebSocketResponse, path: str = "/chat/rotate") -> str:
    """Do what the page does with a rotate frame: trade its ticket for the cookie; the new token."""
    got = await ticket(ws)
    response = await client.post(path, json={"ticket": got}, headers=origin(client))
    assert response.status == 204, response.status
    return response.cookies[COOKIE].value


async def open_tab(client: Client) -> tuple[ClientWebSocketResponse, dict[str, Any]]:
    """Open a page of a stored chat as the page does: its first frame, then trade the ticket for the new cookie.

    Every socket a known session opens gets a new token (``web_session``), so the browser's next tab needs it.
    """
    ws = await client.ws_connect("/chat/ws")
    first = await receive(ws)
    await keep_session(client, ws)
    return ws, first


async def start(client: Client) -> str:
    """Open the chat, tap Start (the conversation is stored) and keep the session; the token."""
    async with client.ws_connect("/chat/ws") as ws:
        await receive(ws)
        await ws.send_json({"type": "choice", "id": "start01", "key": "opt:welkom:start"})
        assert texts(await receive(ws)) == ["Ben je nu in gevaar?"]
        return await keep_session(client, ws)


def cookie(client: Client) -> str:
    """The session token the client's cookie jar holds now."""
    return client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE].value


async def chat_of(server: TestServer, token: str) -> str | None:
    """The chat_id a token opens (what the server looks up for a cookie)."""
    return await server.app[WEB_CHANNEL].sessions.store.chat_of(token_hash(token))


def open_chats(server: TestServer) -> set[str]:
    return set(server.app[WEB_CHANNEL].sockets)


class Ticks:
    """A clock for the frame rate limit that the test moves (or that moves a step each time it is read)."""

    def __init__(self, step: float = 0.0) -> None:
        self.now = 1000.0
        self.steps = itertools.count(0.0, step)

    def __call__(self) -> float:
        return self.now + next(self.steps)
