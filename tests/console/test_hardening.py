"""Findings of the security review, each done as an attacker would: over real HTTP and WebSocket."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from bot.appkeys import SETTINGS
from bot.console import auth
from bot.console.keys import AGENTS
from tests.console.conftest import PASSWORD, Client, add_agent, logged_in, login, post
from tests.fakes.helpdesk import FakeClock


async def login_token(client: Client) -> str:
    page = await client.get("/console/login")
    token = re.search(r'name="login_token" value="([^"]+)"', await page.text())
    assert token is not None
    return token.group(1)


async def test_a_burst_of_concurrent_wrong_logins_is_limited_like_a_sequence(
    client: Client, server: TestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_agent(server, "bob")
    checked: list[str] = []
    original = auth.verify_password

    def counting(password_hash: str | None, password: str) -> Any:
        checked.append(password)
        return original(password_hash, password)

    monkeypatch.setattr(auth, "verify_password", counting)
    token = await login_token(client)
    form = {"login_token": token, "name": "bob", "password": "wrong"}
    answers = await asyncio.gather(
        *(client.post("/console/login", data=form, allow_redirects=False) for _ in range(40))
    )
    statuses = [answer.status for answer in answers]
    attempts = server.app[SETTINGS].console_login_attempts
    assert len(checked) <= attempts
    assert statuses.count(401) <= attempts and statuses.count(429) >= 40 - attempts


async def test_non_ascii_tokens_and_names_are_a_clear_no(client: Client, server: TestServer) -> None:
    await add_agent(server, "anna")
    token = await login_token(client)
    bad = await client.post(
        "/console/login", data={"login_token": "tökén", "name": "ännä", "password": "x"}, allow_redirects=False
    )
    assert bad.status == 403
    token = await login_token(client)
    wrong = await client.post(
        "/console/login", data={"login_token": token, "name": "ännä²", "password": "wáchtwoord"}, allow_redirects=False
    )
    assert wrong.status == 401
    csrf = await logged_in(client, "anna")
    assert csrf
    refused = await client.post("/console/alive", headers={"X-CSRF-Token": "cśrf"}, allow_redirects=False)
    assert refused.status == 403
    refused = await client.post("/console/alive", json={"csrf": "ç" * 40}, allow_redirects=False)
    assert refused.status == 403


async def test_deeply_nested_or_huge_json_is_a_400_not_a_500(client: Client, server: TestServer) -> None:
    await add_agent(server, "anna")
    token = await login_token(client)
    deep = '{"login_token": "' + token + '", "name": ' + "[" * 10_000 + "]" * 10_000 + "}"
    answer = await client.post("/console/login", data=deep, headers={"Content-Type": "application/json"})
    assert answer.status == 400
    csrf = await logged_in(client, "anna")
    nested = "[" * 10_000 + "]" * 10_000
    answer = await client.post(
        "/console/alive", data=nested, headers={"Content-Type": "application/json", "X-CSRF-Token": csrf}
    )
    assert answer.status == 400
    answer = await client.post(
        "/console/alive",
        data='{"a": "' + "x" * 600_000 + '"}',
        headers={"Content-Type": "application/json", "X-CSRF-Token": csrf},
    )
    assert answer.status == 413
    assert (await post(client, "/console/alive", csrf, a={"b": ["[[[[[[[[[[[["]})).status == 204


@pytest.mark.parametrize("tail", ["1" * 30, "²", "٣", "99999999999999999999"])
async def test_ids_in_console_urls_are_bounded(client: Client, server: TestServer, tail: str) -> None:
    await add_agent(server, "anna", role="admin")
    csrf = await logged_in(client, "anna")
    for path in (f"/console/c/{tail}", f"/console/agents?opgeslagen={tail}"):
        answer = await client.get(path, allow_redirects=False)
        assert answer.status in (200, 404), path
    for path in (f"/console/h/{tail}/claim", f"/console/c/{tail}/note", f"/console/agents/{tail}/languages"):
        answer = await post(client, path, csrf, text="x")
        assert answer.status in (400, 404), path
    socket = await client.ws_connect(f"/console/ws?watch={tail}")
    first = await socket.receive_json(timeout=5)
    assert first["type"] == "queue"
    await socket.close()


async def test_forwarded_for_from_an_unlisted_proxy_is_warned_about_once(
    client: Client, server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    await add_agent(server, "anna")
    client.session.headers["X-Forwarded-For"] = "203.0.113.5"
    with caplog.at_level(logging.WARNING, logger="bot.console.limiter"):
        for _ in range(3):
            await login(client, "anna", "wrong")
    warnings = [r for r in caplog.records if "console_trusted_proxies" in r.getMessage()]
    assert len(warnings) == 1


async def test_a_busy_shared_address_does_not_lock_out_a_right_password(client: Client, server: TestServer) -> None:
    """Behind an unlisted proxy everyone shares one address: 20 failures there must not stop a colleague."""
    await add_agent(server, "carol")
    for name in ("x1", "x2", "x3", "x4"):
        for _ in range(5):
            assert (await login(client, name, "wrong")).status == 401
    assert (await login(client, "x5", "wrong")).status == 401  # over the address's limit: one try per name
    assert (await login(client, "x5", "wrong")).status == 429
    assert (await login(client, "carol", PASSWORD)).status == 303


async def test_a_session_ends_after_its_absolute_lifetime_however_active(
    client: Client, server: TestServer, clock: FakeClock
) -> None:
    await add_agent(server, "anna")
    await logged_in(client, "anna")
    for _ in range(24):  # 24 × 29 minutes: never idle for 30, but 11.6 hours in all
        clock.advance(seconds=29 * 60)
        assert (await client.get("/console/", allow_redirects=False)).status == 200
    clock.advance(seconds=29 * 60)  # past 12 hours since the login
    answer = await client.get("/console/", allow_redirects=False)
    assert answer.status == 303 and answer.headers["Location"] == "/console/login"


async def test_admins_filter_and_page_the_audit_log(client: Client, server: TestServer) -> None:
    admin = await add_agent(server, "anna", role="admin")
    agents = server.app[AGENTS]
    for _ in range(150):
        await agents.audit(None, None, "login_failed")
    await agents.audit(admin.id, 7, "open_transcript")
    await agents.audit(admin.id, None, "languages:3")
    await logged_in(client, "anna")
    page = await (await client.get("/console/audit")).text()
    assert page.count("<tr><td>") >= 100 and 'rel="next"' in page  # the first page, and a way back
    older = re.search(r'href="(/console/audit\?[^"]*voor=\d+[^"]*)" rel="next"', page)
    assert older is not None
    second = await client.get(older.group(1).replace("&amp;", "&"))
    assert second.status == 200 and "login_failed" in await second.text()
    only = await (await client.get("/console/audit?actie=open_transcript")).text()
    assert "open_transcript" in only and "<td>login_failed</td>" not in only
    assert "languages:3" in await (await client.get("/console/audit?actie=languages&medewerker=anna")).text()
    nobody = await (await client.get("/console/audit?medewerker=niemand")).text()
    assert "<td>open_transcript</td>" not in nobody
    for bad in ("van=gisteren", "tot=2026-13-40", "voor=²", "voor=" + "9" * 30):
        assert (await client.get("/console/audit?" + bad)).status == 400, bad
    assert (await client.get("/console/audit?van=2000-01-01&tot=2000-01-02")).status == 200


async def test_agents_may_not_read_the_audit_log(client: Client, server: TestServer) -> None:
    await add_agent(server, "bram")
    await logged_in(client, "bram")
    assert (await client.get("/console/audit?actie=login")).status == 403


async def test_console_responses_carry_a_permissions_policy(client: Client, server: TestServer) -> None:
    await add_agent(server, "anna")
    for answer in (await client.get("/console/login"), await login(client, "anna", "wrong")):
        policy = answer.headers.get("Permissions-Policy", "")
        assert "camera=()" in policy and "microphone=()" in policy and "geolocation=()" in policy
        assert len(answer.headers.getall("Permissions-Policy")) == 1
