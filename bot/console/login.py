"""Log in, log out, and the guard in front of every other console route (session, idle expiry, CSRF)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.appkeys import HELPDESK, SETTINGS
from bot.console.auth import (
    AGENT,
    CSRF_HEADER,
    FIELDS,
    LOGIN_COOKIE,
    SAFE_METHODS,
    SESSION,
    SESSION_COOKIE,
    Handler,
    check_password,
    new_token,
    same,
    same_origin,
    set_cookie,
    token_hash,
)
from bot.console.bodies import read_fields
from bot.console.keys import AGENTS, LIMITER, SOCKETS, TRUSTED_PROXIES
from bot.console.limiter import client_address

logger = logging.getLogger(__name__)

OPEN_PATHS = ("/console/login", "/console/static/")


def routes(console: web.Application) -> None:
    console.router.add_get("/login", login_page, name="login")
    console.router.add_post("/login", login_submit)
    console.router.add_post("/logout", logout, name="logout")


async def form_fields(request: web.Request) -> dict[str, Any]:
    """The body of a POST as a dict: JSON from the console's script, or a plain form (``bodies``)."""
    return await read_fields(request)


@web.middleware
async def require_login(request: web.Request, handler: Handler) -> web.StreamResponse:
    """No console route without a live session; no state change without its CSRF token."""
    if request.path == "/console":  # typed without the slash (the session cookie's path needs it)
        raise web.HTTPPermanentRedirect("/console/")
    if request.path.startswith(OPEN_PATHS):
        return await handler(request)
    found = await current_session(request)
    if found is None:
        if request.method == "GET" and request.path != "/console/ws":
            raise web.HTTPSeeOther("/console/login")
        raise web.HTTPUnauthorized(text="Log eerst in.")
    session, agent = found
    if request.method not in SAFE_METHODS:
        fields = await form_fields(request)
        offered = request.headers.get(CSRF_HEADER) or str(fields.get("csrf", ""))
        if not same_origin(request) or not same(offered, session.csrf_token):
            logger.warning("CSRF check failed for agent %s on %s", agent.id, request.path)
            raise web.HTTPForbidden(text="Deze actie is geweigerd (CSRF). Laad de pagina opnieuw.")
        request[FIELDS] = fields
    request[SESSION] = session
    request[AGENT] = agent
    return await handler(request)


def session_cutoffs(app: Mapping[Any, Any], now: datetime) -> tuple[datetime, datetime]:
    """(idle since, started since): a session last seen before the first, or started before the second
    (``console_session_max_hours``, however active it was), has ended."""
    settings = app[SETTINGS]
    return (
        now - timedelta(minutes=settings.console_session_idle_minutes),
        now - timedelta(hours=settings.console_session_max_hours),
    )


async def current_session(request: web.Request) -> Any:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    now = request.config_dict[HELPDESK].clock()
    idle_since, started_since = session_cutoffs(request.config_dict, now)
    return await request.config_dict[AGENTS].session(token_hash(token), idle_since, now, started_since)


async def login_page(request: web.Request, error: str | None = None, status: int = 200) -> web.Response:
    token = new_token()
    response = aiohttp_jinja2.render_template(
        "login.html", request, {"login_token": token, "error": error}, status=status
    )
    set_cookie(response, request, LOGIN_COOKIE, token)
    return response


async def login_submit(request: web.Request) -> web.StreamResponse:
    fields = await form_fields(request)
    if not same_origin(request) or not same(str(fields.get("login_token", "")), request.cookies.get(LOGIN_COOKIE)):
        return await login_page(request, "Het formulier is verlopen. Probeer het nog een keer.", status=403)
    name = str(fields.get("name", "")).strip()[:64]
    password = str(fields.get("password", ""))[:1024]
    limiter = request.config_dict[LIMITER]
    address = client_address(request, request.config_dict[TRUSTED_PROXIES], limiter.proxy_warning)
    wait = await limiter.attempt(name, address)  # counted now, before the (awaited) password check: no race
    if wait is not None:
        minutes = max(1, round(wait.total_seconds() / 60))
        logger.warning("login for a name blocked by the rate limit")
        return await login_page(request, f"Te veel pogingen. Probeer het over {minutes} minuten opnieuw.", 429)
    agents = request.config_dict[AGENTS]
    now = request.config_dict[HELPDESK].clock()
    agent = await agents.by_name(name)
    if not await check_password(agent.password_hash if agent and agent.active else None, password) or agent is None:
        # ids only: the account's id when the name exists, never the name or password
        await agents.audit(agent.id if agent else None, None, "login_failed", now)
        return await login_page(request, "Naam of wachtwoord klopt niet.", status=401)
    await limiter.succeeded(name, address)
    assert agent.id is not None
    token = new_token()
    await agents.start_session(token_hash(token), agent.id, new_token(), now)
    await agents.audit(agent.id, None, "login", now)
    logger.info("agent %s logged in", agent.id)
    response = web.HTTPSeeOther("/console/")
    set_cookie(response, request, SESSION_COOKIE, token)
    response.del_cookie(LOGIN_COOKIE, path="/console/")
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    await request.config_dict[AGENTS].end_session(request[SESSION].token_hash)
    request.config_dict[SOCKETS].close_session(request[SESSION].token_hash)
    logger.info("agent %s logged out", request[AGENT].id)
    response = web.HTTPSeeOther("/console/login")
    response.del_cookie(SESSION_COOKIE, path="/console/")
    raise response
