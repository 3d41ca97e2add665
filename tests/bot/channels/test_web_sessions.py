"""The web chat's session, as someone with a moment at a shared computer would attack it.

Only the server makes tokens: a cookie someone planted opens nothing, Snel weg ends the session on the server,
and when the chat goes to a person the token changes, so a copy taken earlier does not read what they write.
The embedded chat works behind an HTTPS address, with a partitioned cookie.
"""

from __future__ import annotations

from typing import Any

from aiohttp import WSMsgType
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient, AiohttpServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.appkeys import HELPDESK, HUB, STORE
from bot.channels.web_limits import SESSION_CHANGED
from bot.channels.web_session import COOKIE
from bot.dialogs.dialog import Dialog
from bot.messages import OutgoingMessage
from bot.settings import Settings
from tests.bot.channels.conftest import Client
from tests.bot.channels.webchat import chat_of, cookie, keep_session, open_tab, origin, receive, start, texts, ticket

PLANTED = "A" * 43  # well-formed, and known to whoever planted it
SECRET = "mijn oom zit aan me"


def said(frame: dict[str, Any]) -> str:
    return "\n".join(texts(frame))


async def read_with(aiohttp_client: AiohttpClient, server: TestServer, token: str) -> dict[str, Any]:
    """What another device with a copy of ``token`` sees when it opens the chat (nothing when it is closed)."""
    other = await aiohttp_client(server, headers={"Cookie": f"{COOKIE}={token}"})
    async with other.ws_connect("/chat/ws") as ws:
        first = await ws.receive(timeout=5)
        while first.type is WSMsgType.TEXT and first.json()["type"] == "rotate":  # its ticket comes first
            first = await ws.receive(timeout=5)
        if first.type is WSMsgType.CLOSE:  # a token replaced a moment ago: "come back", and it opens nothing
            assert first.data == SESSION_CHANGED
            return {"type": "closed", "messages": []}
        frame: dict[str, Any] = first.json()
        return frame


async def test_a_planted_cookie_is_replaced_and_reads_nothing(
    aiohttp_client: AiohttpClient, client: Client, server: TestServer
) -> None:
    client.session.cookie_jar.update_cookies({COOKIE: PLANTED})  # someone had the computer for a moment
    async with client.ws_connect("/chat/ws") as ws:
        hello = await receive(ws)
        assert [m["sender"] for m in hello["messages"]] == ["bot"]
        await ws.send_json({"type": "text", "id": "p1", "text": SECRET})
        await receive(ws)
        token = await keep_session(client, ws)
    assert token != PLANTED
    assert await chat_of(server, PLANTED) is None
    seen = await read_with(aiohttp_client, server, PLANTED)
    assert SECRET not in said(seen) and [m["sender"] for m in seen["messages"]] == ["bot"]
    assert SECRET in said(await read_with(aiohttp_client, server, token)), "the child's own cookie opens it"


async def test_after_snel_weg_the_old_cookie_reads_nothing(
    aiohttp_client: AiohttpClient, client: Client, server: TestServer
) -> None:
    await start(client)
    other_tab, _ = await open_tab(client)
    await other_tab.send_json({"type": "text", "id": "s1", "text": SECRET})
    await receive(other_tab)
    token = cookie(client)
    assert SECRET in said(await read_with(aiohttp_client, server, token))
    response = await client.post("/chat/leave", headers=origin(client))
    assert response.status == 204 and response.cookies[COOKIE]["max-age"] == "0"
    closed = await other_tab.receive(timeout=5)
    assert closed.type is WSMsgType.CLOSE and closed.data == SESSION_CHANGED, "the other tab closes too"
    assert await chat_of(server, token) is None
    seen = await read_with(aiohttp_client, server, token)  # a copy of the cookie on another device
    assert SECRET not in said(seen) and [m["sender"] for m in seen["messages"]] == ["bot"]


async def test_after_the_hand_off_the_old_token_no_longer_opens_the_chat(
    aiohttp_client: AiohttpClient, client: Client, server: TestServer
) -> None:
    await start(client)
    async with client.ws_connect("/chat/ws") as ws:
        await receive(ws)
        old = await keep_session(client, ws)  # the child's page, with the token it has now
        chat_id = await chat_of(server, old)
        assert chat_id is not None
        copy = await aiohttp_client(server, headers={"Cookie": f"{COOKIE}={old}"})
        watching = await copy.ws_connect("/chat/ws")  # someone with a copy of that cookie, watching
        assert "Ben je nu in gevaar?" in said(await receive(watching))
        await ws.send_json({"type": "choice", "id": "h1", "key": "cmd:mens"})
        assert "Je staat in de wachtrij" in said(await receive(ws))
        rotated = await ticket(ws)
        closed = await watching.receive(timeout=5)
        while closed.type is WSMsgType.TEXT:  # the watcher's own rotate frame (it connected), then the close
            closed = await watching.receive(timeout=5)
        assert closed.type is WSMsgType.CLOSE and closed.data == SESSION_CHANGED
        assert await chat_of(server, old) is None, "the old token opens nothing from the hand-off on"
        response = await client.post("/chat/rotate", json={"ticket": rotated}, headers=origin(client))
        assert response.status == 204
        new = response.cookies[COOKIE].value
        assert new != old and await chat_of(server, new) == chat_id
        assert (await client.post("/chat/rotate", json={"ticket": rotated}, headers=origin(client))).status == 410
        conversation = await server.app[STORE].load("web", chat_id)
        assert conversation is not None and conversation.id is not None
        await server.app[HELPDESK].handoffs.add_line(conversation.id, "agent", "Hoi, ik ben Sanne.")
        await server.app[HUB].deliver("web", chat_id, [OutgoingMessage("Hoi, ik ben Sanne.", kind="agent")])
        assert said(await receive(ws)) == "Hoi, ik ben Sanne."
    seen = await read_with(aiohttp_client, server, old)
    assert "Sanne" not in said(seen) and "Ben je nu in gevaar?" not in said(seen)
    assert "Hoi, ik ben Sanne." in said(await read_with(aiohttp_client, server, new))


async def test_the_embedded_chat_works_behind_an_https_address(
    aiohttp_client: AiohttpClient,
    aiohttp_server: AiohttpServer,
    settings: Settings,
    dialog: Dialog,
    sqlite_database: AsyncEngine,
) -> None:
    behind_tls = settings.model_copy(
        update={"public_url": "https://wegwijzer.example", "embed_allowed_origins": ("https://school.example",)}
    )
    server = await aiohttp_server(create_app(behind_tls, dialog=dialog))
    client = await aiohttp_client(server)
    page = await client.get("/embed")
    assert page.status == 200 and "Set-Cookie" not in page.headers
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "frame-ancestors 'self' https://school.example" in page.headers["Content-Security-Policy"]
    async with client.ws_connect("/chat/ws?embed=1") as ws:
        assert (await receive(ws))["type"] == "history"
        await ws.send_json({"type": "choice", "id": "e1", "key": "opt:welkom:start"})
        assert texts(await receive(ws)) == ["Ben je nu in gevaar?"]
        response = await client.post("/chat/rotate?embed=1", json={"ticket": await ticket(ws)}, headers=origin(client))
    assert response.status == 204
    (cookie,) = response.headers.getall("Set-Cookie")
    attributes = [part.strip() for part in cookie.split(";")]
    assert {"HttpOnly", "Secure", "SameSite=None", "Partitioned", "Path=/"} <= set(attributes)
    token = attributes[0].removeprefix(f"{COOKIE}=")
    embedded = await aiohttp_client(server, headers={"Cookie": f"{COOKIE}={token}"})
    async with embedded.ws_connect("/chat/ws?embed=1") as ws:
        assert "Ben je nu in gevaar?" in said(await receive(ws)), "the cookie opens the chat again"
    left = await embedded.post("/chat/leave?embed=1", headers=origin(embedded))
    assert left.status == 204
    (forget,) = left.headers.getall("Set-Cookie")
    assert {"Max-Age=0", "Secure", "SameSite=None", "Partitioned"} <= {p.strip() for p in forget.split(";")}
    assert await chat_of(server, token) is None
