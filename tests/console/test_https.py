"""Behind HTTPS (a public_url that starts with https://): Secure cookies and Strict-Transport-Security."""

from __future__ import annotations

from pytest_aiohttp import AiohttpClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.dialogs.dialog import Dialog
from bot.settings import Settings
from tests.console.conftest import Client

HTTPS = {"public_url": "https://wegwijzer.example"}


async def test_an_https_public_url_makes_console_cookies_secure_and_adds_hsts(
    aiohttp_client: AiohttpClient, settings: Settings, dialog: Dialog, sqlite_database: AsyncEngine
) -> None:
    client = await aiohttp_client(create_app(settings.model_copy(update=HTTPS), dialog=dialog))
    response = await client.get("/console/login")
    cookie = next(c for c in response.headers.getall("Set-Cookie") if c.startswith("wegwijzer_login="))
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    refused = await client.get("/console/", allow_redirects=False)
    assert refused.status == 303 and "Strict-Transport-Security" in refused.headers


async def test_the_web_chat_sends_hsts_behind_https(
    aiohttp_client: AiohttpClient, settings: Settings, dialog: Dialog, sqlite_database: AsyncEngine
) -> None:
    client = await aiohttp_client(create_app(settings.model_copy(update=HTTPS), dialog=dialog))
    for path in ("/", "/embed", "/embed.js"):
        response = await client.get(path)
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000", path


async def test_plain_http_without_https_public_url_has_no_hsts(client: Client) -> None:
    for path in ("/", "/console/login"):
        response = await client.get(path)
        assert "Strict-Transport-Security" not in response.headers, path
        assert all("Secure" not in c for c in response.headers.getall("Set-Cookie", [])), path
