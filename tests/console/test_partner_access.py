"""A partner account reaches its own pages and nothing else of the console, for every route there is; agents and
admins never reach the partner pages. The routes are read from the console itself, so a new page is covered the
day it is added."""

from __future__ import annotations

import re

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from aiohttp.web_urldispatcher import PrefixedSubAppResource
from pytest_aiohttp import AiohttpClient

from bot.appkeys import HELPDESK, STORE
from bot.console.auth import hash_password
from storage.partners import PartnerStore
from tests.console.conftest import PASSWORD, Client, add_agent, logged_in, login, post
from tests.console.test_live import user_says

OPEN_TO_ALL = {"login", "static"}  # before a session: the login form and the console's css and script
PARTNER_ALSO = {"logout"}
OPEN_PATHS = ("/console/login", "/console/static")


def console_of(server: TestServer) -> web.Application:
    for resource in server.app.router.resources():
        if isinstance(resource, PrefixedSubAppResource) and resource.canonical == "/console":
            return resource._app
    raise AssertionError("no console mounted")


def every_route(server: TestServer) -> list[tuple[str, str, str]]:
    """(method, path with every id 1, route name) of each console route."""
    found = []
    for route in console_of(server).router.routes():
        resource = route.resource
        if resource is None or route.method == "HEAD":
            continue
        name = route.name or resource.name or ""
        path = re.sub(r"\{[^}]+\}", "1", resource.canonical)
        found.append((route.method, path, name))
    return found


async def partner_session(server: TestServer, aiohttp_client: AiohttpClient, name: str, organisation: str) -> Client:
    await PartnerStore(server.app[STORE].engine).add(name, name.capitalize(), hash_password(PASSWORD), organisation)
    client = await aiohttp_client(server)
    assert (await login(client, name)).status == 303
    return client


async def test_a_partner_reaches_nothing_but_its_own_pages(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    await add_agent(server, "anna")
    csrf = await logged_in(client, "anna")
    await user_says(server, "/mens")
    assert (await post(client, "/console/h/1/claim", csrf)).status == 200  # something to reach for
    partner = await partner_session(server, aiohttp_client, "kt", "kindertelefoon")
    page = await partner.get("/console/partner")
    token = re.search(r'name="csrf" value="([^"]+)"', await page.text())
    assert page.status == 200 and token is not None
    routes = every_route(server)
    names = {name for _m, _p, name in routes}
    assert {"queue", "conversation", "socket", "audit_log", "agents", "referrals", "partner_list"} <= names
    checked = 0
    for method, path, name in routes:
        if name in OPEN_TO_ALL | PARTNER_ALSO or name.startswith("partner_") or path.startswith(OPEN_PATHS):
            continue
        headers = {"X-CSRF-Token": token.group(1)}
        response = await partner.request(method, path, headers=headers, json={}, allow_redirects=False)
        if (method, name) == ("GET", "queue"):
            assert response.status == 303 and response.headers["Location"] == "/console/partner"
        else:
            assert response.status == 403, (method, path, response.status)
            assert "alleen voor de chat-ondersteuning" in await response.text()
        checked += 1
    assert checked >= 20, checked
    for path in ("/console/partner/../c/1", "/console/./c/1", "/console/c/1?partner=1", "/console/nergens"):
        response = await partner.get(path, allow_redirects=False)
        assert response.status in (403, 404), path
        assert "Ik word" not in await response.text()
    with pytest.raises(Exception):  # noqa: B017  (the socket is refused before it opens, whatever the error type)
        await partner.ws_connect("/console/ws?watch=1")
    assert (await partner.post("/console/logout", data={"csrf": token.group(1)}, allow_redirects=False)).status == 303


@pytest.mark.parametrize("role", ["agent", "admin"])
async def test_agents_and_admins_never_open_the_partner_pages(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient, role: str
) -> None:
    await add_agent(server, "anna", role=role)
    csrf = await logged_in(client, "anna")
    for method, path, name in every_route(server):
        if not name.startswith("partner_"):
            continue
        response = await client.request(method, path, headers={"X-CSRF-Token": csrf}, json={}, allow_redirects=False)
        assert response.status == 403 and "alleen voor partnerorganisaties" in await response.text(), path


async def test_a_partner_without_a_known_organisation_sees_nothing(
    server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    partner = await partner_session(server, aiohttp_client, "los", "bestaat_niet")
    response = await partner.get("/console/partner")
    assert response.status == 403 and "geen organisatie" in await response.text()


async def test_a_chat_cannot_be_transferred_to_a_partner_account(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    await add_agent(server, "anna")
    csrf = await logged_in(client, "anna")
    await user_says(server, "/mens")
    assert (await post(client, "/console/h/1/claim", csrf)).status == 200
    partner = await PartnerStore(server.app[STORE].engine).add("kt", "Kim", hash_password(PASSWORD), "kindertelefoon")
    response = await post(client, "/console/h/1/transfer", csrf, to=str(partner.id))
    assert response.status == 400
    handoff = await server.app[HELPDESK].handoffs.get(1)
    assert handoff is not None and handoff.status == "live" and handoff.agent_id != partner.id
