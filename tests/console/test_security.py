"""Console security: login required, CSRF, login rate limit, strict cookies, idle expiry, XSS, audit."""

from __future__ import annotations

import pytest
from aiohttp import WSServerHandshakeError
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.console.keys import AGENTS
from bot.messages import IncomingMessage
from bot.settings import Settings
from storage.models import Agent, AuditEntry
from tests.console.conftest import Client, add_agent, bot_engine, csrf_of, logged_in, login, post
from tests.fakes.helpdesk import FakeClock

XSS = ["<script>alert('x')</script>", '<img src=x onerror="alert(1)">', "<svg onload=alert(1)>"]


async def test_nothing_without_logging_in(client: Client) -> None:
    for path in ("/console/", "/console/c/1", "/console/audit"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 303 and response.headers["Location"] == "/console/login"
    for path in ("/console/h/1/claim", "/console/h/1/reply", "/console/c/1/note", "/console/logout"):
        assert (await post(client, path, "guess")).status == 401
    with pytest.raises(WSServerHandshakeError) as refused:
        await client.ws_connect("/console/ws")
    assert refused.value.status == 401
    assert (await client.get("/console/static/console.js")).status == 200  # only the static files are open


async def test_a_socket_from_another_site_is_refused(client: Client, server: TestServer) -> None:
    await add_agent(server, "anna")
    await logged_in(client, "anna")
    with pytest.raises(WSServerHandshakeError) as refused:
        await client.ws_connect("/console/ws", headers={"Origin": "https://evil.example"})
    assert refused.value.status == 403
    async with client.ws_connect("/console/ws") as ws:
        assert (await ws.receive_json(timeout=5))["type"] == "queue"
    assert (await client.get("/console", allow_redirects=False)).headers["Location"] == "/console/"


async def test_a_login_gets_a_strict_cookie_and_logout_ends_it(client: Client, server: TestServer) -> None:
    await add_agent(server, "anna")
    response = await login(client, "anna")
    assert response.status == 303 and response.headers["Location"] == "/console/"
    cookie = next(c for c in response.headers.getall("Set-Cookie") if c.startswith("wegwijzer_console="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console/" in cookie
    assert "Secure" not in cookie  # plain http in this test, and console_cookie_secure is false
    csrf = await csrf_of(client)
    assert (await post(client, "/console/logout", None)).status == 403  # logout is a state change too
    assert (await post(client, "/console/logout", csrf)).status == 303
    assert (await client.get("/console/", allow_redirects=False)).status == 303


async def test_cookies_are_secure_when_set_so(
    aiohttp_client: AiohttpClient, settings: Settings, sqlite_database: AsyncEngine
) -> None:
    secure = await aiohttp_client(create_app(settings.model_copy(update={"console_cookie_secure": True})))
    response = await secure.get("/console/login")
    cookie = next(c for c in response.headers.getall("Set-Cookie") if c.startswith("wegwijzer_login="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie


async def test_every_state_change_needs_the_csrf_token(client: Client, server: TestServer) -> None:
    await add_agent(server, "anna")
    csrf = await logged_in(client, "anna")
    await bot_engine(server).handle(IncomingMessage("test", "c1", text="/mens"))
    for token in (None, "", "wrong", csrf[:-1]):
        response = await post(client, "/console/h/1/claim", token)
        assert response.status == 403, token
    foreign = await client.post(
        "/console/h/1/claim", json={}, headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"}
    )
    assert foreign.status == 403
    assert (await post(client, "/console/h/1/claim", csrf)).status == 200
    form = await client.post("/console/c/1/note", data={"text": "via formulier", "csrf": csrf})
    assert form.status == 200  # the token also works as a form field


async def test_the_login_form_needs_its_own_token(client: Client, server: TestServer) -> None:
    await add_agent(server, "anna")
    response = await client.post("/console/login", data={"name": "anna", "password": "x"}, allow_redirects=False)
    assert response.status == 403


async def test_logins_are_rate_limited(client: Client, server: TestServer, clock: FakeClock) -> None:
    await add_agent(server, "anna")
    for _ in range(5):
        assert (await login(client, "anna", "wrong password")).status == 401
    blocked = await login(client, "anna")  # even the right password waits now
    assert blocked.status == 429 and "Te veel pogingen" in await blocked.text()
    clock.advance(seconds=301)
    assert (await login(client, "anna")).status == 303


async def test_unknown_names_and_wrong_passwords_look_the_same(client: Client, server: TestServer) -> None:
    await add_agent(server, "anna")
    unknown = await login(client, "nobody", "whatever")
    wrong = await login(client, "anna", "whatever")
    assert unknown.status == wrong.status == 401
    assert "Naam of wachtwoord klopt niet." in await unknown.text()


async def test_idle_sessions_expire(client: Client, server: TestServer, clock: FakeClock) -> None:
    await add_agent(server, "anna")
    await logged_in(client, "anna")
    clock.advance(minutes=29)
    assert (await client.get("/console/", allow_redirects=False)).status == 200  # and that counts as activity
    clock.advance(minutes=29)
    assert (await client.get("/console/", allow_redirects=False)).status == 200
    clock.advance(minutes=31)
    assert (await client.get("/console/", allow_redirects=False)).status == 303


async def test_using_the_page_keeps_the_login_but_an_open_page_alone_does_not(
    client: Client, server: TestServer, clock: FakeClock
) -> None:
    await add_agent(server, "anna")
    csrf = await logged_in(client, "anna")
    clock.advance(minutes=20)
    assert (await post(client, "/console/alive", csrf)).status == 204  # the agent typed or clicked
    clock.advance(minutes=20)
    assert (await client.get("/console/", allow_redirects=False)).status == 200  # 40 minutes after login
    clock.advance(minutes=31)
    assert (await post(client, "/console/alive", csrf)).status == 401  # too late: idle, so logged out
    assert (await post(client, "/console/alive", None)).status == 401


async def test_what_users_write_is_shown_as_text(client: Client, server: TestServer) -> None:
    await add_agent(server, "anna")
    csrf = await logged_in(client, "anna")
    engine = bot_engine(server)
    await engine.handle(IncomingMessage("test", "c1", text="/mens"))
    for payload in XSS:
        await engine.handle(IncomingMessage("test", "c1", text=payload))
    await post(client, "/console/h/1/claim", csrf)
    await post(client, "/console/c/1/note", csrf, text="<b onmouseover=alert(2)>notitie</b>")
    response = await client.get("/console/c/1")
    html = await response.text()
    for payload in XSS:
        assert payload not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "<b onmouseover" not in html and "&lt;b onmouseover=alert(2)&gt;" in html
    assert "<script>" not in html.replace('<script src="/console/static/console.js" defer></script>', "")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    script = await (await client.get("/console/static/console.js")).text()
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script and "textContent" in script


async def test_opening_a_transcript_is_audited(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    anna = await add_agent(server, "anna")
    await add_agent(server, "beheer", role="admin")
    await logged_in(client, "anna")
    await bot_engine(server).handle(IncomingMessage("test", "c1", text="/mens"))  # queued: open to every agent
    assert (await client.get("/console/c/1")).status == 200
    assert (await client.get("/console/c/1")).status == 200
    async with server.app[AGENTS].engine.connect() as conn:
        rows = (await conn.execute(select(AuditEntry.__table__))).all()  # type: ignore[attr-defined]
    assert [(r.agent_id, r.conversation_id, r.action) for r in rows] == [(anna.id, None, "login")] + [
        (anna.id, 1, "open_transcript")
    ] * 2
    assert all(r.at.tzinfo is not None for r in rows)
    assert (await client.get("/console/audit")).status == 403  # only for admins
    admin = await aiohttp_client(server)
    await logged_in(admin, "beheer")
    page = await (await admin.get("/console/audit")).text()
    assert "open_transcript" in page and "anna" in page and "Mijn geheim" not in page


async def test_passwords_are_stored_as_argon2id(server: TestServer) -> None:
    await add_agent(server, "anna")
    stored = await server.app[AGENTS].by_name("anna")
    assert isinstance(stored, Agent) and stored.password_hash.startswith("$argon2id$")
