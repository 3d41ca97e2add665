"""Security headers on every response of the real server: /healthz, 404, 405, a 500, and the pages' own kept."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.http_headers import DEFAULT_CSP, PERMISSIONS_POLICY
from bot.settings import Settings

Client = TestClient  # type: ignore[type-arg]


async def boom(request: web.Request) -> web.Response:
    raise RuntimeError("a bug in a handler")


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, settings: Settings, sqlite_database: AsyncEngine) -> Client:
    app = create_app(settings)
    app.router.add_get("/test-only/boom", boom)  # an uncaught exception: aiohttp answers 500 itself
    return await aiohttp_client(app)


def assert_baseline(headers: object) -> None:
    from multidict import CIMultiDictProxy

    assert isinstance(headers, CIMultiDictProxy)
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("Referrer-Policy") in {"no-referrer", "same-origin"}
    assert headers.get("Permissions-Policy") == PERMISSIONS_POLICY
    assert "camera=()" in PERMISSIONS_POLICY and "microphone=()" in PERMISSIONS_POLICY
    assert "geolocation=()" in PERMISSIONS_POLICY
    csp = headers.get("Content-Security-Policy", "")
    assert "default-src" in csp and "frame-ancestors" in csp


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/healthz", 200),
        ("GET", "/no/such/page", 404),
        ("GET", "/chat/no-such-thing", 404),
        ("GET", "/console/no-such-thing", 303),  # to the login page
        ("POST", "/healthz", 405),
        ("GET", "/test-only/boom", 500),
    ],
)
async def test_every_response_has_the_security_headers(client: Client, method: str, path: str, status: int) -> None:
    response = await client.request(method, path, allow_redirects=False)
    assert response.status == status
    assert_baseline(response.headers)


async def test_a_plain_response_gets_the_strict_defaults(client: Client) -> None:
    response = await client.get("/healthz")
    assert response.headers["Content-Security-Policy"] == DEFAULT_CSP
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert (await client.get("/nope")).headers["Content-Security-Policy"] == DEFAULT_CSP


async def test_the_pages_own_headers_are_kept(client: Client) -> None:
    chat = await client.get("/")
    assert chat.status == 200
    assert "script-src 'self'" in chat.headers["Content-Security-Policy"]
    assert chat.headers["X-Frame-Options"] == "DENY"
    assert_baseline(chat.headers)

    embed = await client.get("/embed")
    assert "frame-ancestors 'self'" in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers  # partners frame it
    assert embed.headers["Permissions-Policy"] == PERMISSIONS_POLICY

    login = await client.get("/console/login")
    assert login.status == 200
    assert "form-action 'self'" in login.headers["Content-Security-Policy"]
    assert login.headers["Referrer-Policy"] == "same-origin"  # the console's own, not ours
    assert login.headers["Permissions-Policy"] == PERMISSIONS_POLICY
