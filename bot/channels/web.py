"""The web chat: the page at ``/``, an embeddable variant, and the WebSocket they talk over.

Everything the page needs is served by us (``static/``), under a Content-Security-Policy that allows no
inline script or style and nothing from elsewhere. The page's own texts are gettext messages in the
conversation's language, and ``lang``/``dir`` follow it. Wiring: ``setup(app)`` from ``create_app``.

| route | what |
|---|---|
| ``GET /`` | the chat page |
| ``GET /embed`` | the same chat for a partner's iframe (``frame-ancestors`` from ``embed_allowed_origins``) |
| ``GET /embed.js`` | a small script that places that iframe and carries out "Snel weg" on the partner page |
| ``GET /chat/ws`` | the WebSocket (see ``web_frames`` for the frames) |
| ``POST /chat/rotate`` | trade the ticket of a ``rotate`` frame for the session cookie (``web_session``) |
| ``POST /chat/new`` | "Nieuw gesprek": the session ends (on the server too); the next frame starts a new one |
| ``POST /chat/leave`` | "Snel weg": the session ends on the server and this browser forgets it |

The POST routes take requests from our own pages only (``Origin``); none of the routes sets a cookie except
``/chat/rotate`` (and ``new``/``leave``, which remove it).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import jinja2
from aiohttp import web

from bot.abuse import CLIENT_LIMITS
from bot.appkeys import DATABASE, ENGINE, HELPDESK, HUB, I18N, SETTINGS, STORE
from bot.channels import web_session as session
from bot.channels.web_socket import CHANNEL, WebChannel
from bot.channels.web_texts import MENU, ROW
from bot.http_bodies import read_body
from bot.i18n import gettext, ngettext, text_direction
from bot.screens import action
from storage.outage import unreachable
from storage.web_sessions import WebSessionStore

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
STATIC_PREFIX = "/static/chat/"
OUR_PATHS = ("/", "/embed", "/embed.js")
OUR_PREFIXES = ("/chat/", STATIC_PREFIX)
HSTS = "max-age=31536000"
MAX_TICKET_BODY = 256
# The global actions. On one row: Terug (only on a screen that offers a way back) and "Praat met een mens";
# the rarer ones wait in the "Meer" menu, each with a line that says what it does (the template has those).

WEB_CHANNEL = web.AppKey("web_channel", WebChannel)
WEB_TEMPLATES = web.AppKey("web_templates", jinja2.Environment)
WEB_ASSETS = web.AppKey("web_assets", dict[str, str])


def setup(app: web.Application) -> None:
    """Add the web chat's routes, templates, security headers and its place in the hub."""
    app[WEB_TEMPLATES] = templates()
    app[WEB_ASSETS] = {path.name: f"{STATIC_PREFIX}{path.name}?v={version(path)}" for path in STATIC.iterdir()}
    app.router.add_get("/", page)
    app.router.add_get("/embed", embed_page)
    app.router.add_get("/embed.js", embed_script)
    app.router.add_get("/chat/ws", socket)
    app.router.add_post("/chat/rotate", rotate)
    app.router.add_post("/chat/new", new_conversation)
    app.router.add_post("/chat/leave", leave)
    app.router.add_static(STATIC_PREFIX, STATIC, append_version=False)
    app.cleanup_ctx.append(_channel)
    app.on_shutdown.append(_close_sockets)
    app.on_response_prepare.append(_security_headers)


def templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


def version(path: Path) -> str:
    """A short content hash, so a changed file is never served from an old cache."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


async def _channel(app: web.Application) -> AsyncIterator[None]:
    idle = timedelta(minutes=app[SETTINGS].web_session_idle_minutes)
    sessions = session.Sessions(
        WebSessionStore(app[DATABASE]), idle=idle, ended=lambda chat_id: _left(app, chat_id, "expired")
    )
    limits = app[CLIENT_LIMITS]
    max_lines = app[SETTINGS].web_transcript_max_lines
    channel = WebChannel(app[ENGINE], app[STORE], app[I18N], sessions, limits, max_lines=max_lines)
    channel.user_typing = lambda chat_id: app[HELPDESK].presence.typing(CHANNEL, chat_id)  # the console: "typt…"
    app[WEB_CHANNEL] = channel
    app[HUB].register(CHANNEL, channel)
    yield
    app[HUB].unregister(CHANNEL)


async def _left(app: web.Application, chat_id: str, how: str) -> None:
    """The user's session ended (Snel weg ``quick_exit``, Nieuw gesprek ``new_chat``, idle ``expired``): a person
    who has the chat is told they left, and how."""
    await app[HELPDESK].session_ended(CHANNEL, chat_id, how)


async def _close_sockets(app: web.Application) -> None:
    if WEB_CHANNEL in app:
        await app[WEB_CHANNEL].close_all()


def content_security_policy(frame_ancestors: str) -> str:
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        f"base-uri 'none'; form-action 'none'; frame-ancestors {frame_ancestors}"
    )


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Strict headers on everything the web chat serves (pages set their own ``frame-ancestors``)."""
    if request.path not in OUR_PATHS and not request.path.startswith(OUR_PREFIXES):
        return
    response.headers.setdefault("Content-Security-Policy", content_security_policy("'none'"))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    if request.path in ("/", "/embed") or request.path.startswith("/chat/"):  # they carry the conversation
        response.headers["Cache-Control"] = "no-store"
    if request.app[SETTINGS].public_url.startswith("https://"):  # served over HTTPS: browsers keep to it
        response.headers["Strict-Transport-Security"] = HSTS


async def page(request: web.Request) -> web.Response:
    """The chat page (in the language of the conversation the cookie opens)."""
    response = await _render(request, embedded=False)
    response.headers["Content-Security-Policy"] = content_security_policy("'none'")
    response.headers["X-Frame-Options"] = "DENY"
    return response


async def embed_page(request: web.Request) -> web.Response:
    """The chat for a partner's iframe: only the origins in ``embed_allowed_origins`` may frame it."""
    response = await _render(request, embedded=True)
    origins = " ".join(("'self'", *request.app[SETTINGS].embed_allowed_origins))
    response.headers["Content-Security-Policy"] = content_security_policy(origins)
    return response


async def _render(request: web.Request, *, embedded: bool) -> web.Response:
    app = request.app
    i18n = app[I18N]
    try:
        chat_id = await app[WEB_CHANNEL].sessions.chat_of(request)
        conversation = None if chat_id is None else await app[STORE].load(CHANNEL, chat_id)
    except Exception as error:
        if not unreachable(error):
            raise
        conversation = None  # the database is away: the page comes in the default language, its socket waits
    locale = conversation.locale if conversation is not None else i18n.default  # the welcome offers another
    with i18n.use(locale):
        html = (
            app[WEB_TEMPLATES]
            .get_template("chat.html")
            .render(
                lang=locale,
                dir=text_direction(locale),
                embedded=embedded,
                assets=app[WEB_ASSETS],
                quick_exit_url=app[SETTINGS].quick_exit_url,
                max_text_chars=app[SETTINGS].max_text_chars,
                row={name.value: action(name) for name in ROW},
                menu={name.value: action(name) for name in MENU},
                t=app[WEB_CHANNEL].texts.of(locale),
            )
        )
    response = web.Response(text=html, content_type="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


async def embed_script(request: web.Request) -> web.FileResponse:
    """The partner's script tag; it may be loaded by any site (it only places our iframe)."""
    response = web.FileResponse(STATIC / "embed.js")
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


async def socket(request: web.Request) -> web.StreamResponse:
    return await request.app[WEB_CHANNEL].serve(request)


async def rotate(request: web.Request) -> web.Response:
    """The session cookie for the ticket of a ``rotate`` frame: 204 with the cookie, 410 when it is not valid."""
    _check_origin(request)
    body = await read_body(request)  # too slow: 408 and closed (bot/http_bodies.py)
    try:
        data = json.loads(body) if len(body) <= MAX_TICKET_BODY else None
    except (ValueError, RecursionError):
        data = None
    ticket = data.get("ticket") if isinstance(data, dict) else None
    if not isinstance(ticket, str):
        raise web.HTTPBadRequest(text='Send {"ticket": "…"} as JSON.')
    token = await request.app[WEB_CHANNEL].sessions.redeem(ticket)
    if token is None:
        raise web.HTTPGone(text="This ticket is used or too old.")
    response = web.Response(status=204)
    session.set_token(response, token, secure=_secure(request), embedded="embed" in request.query)
    return response


async def new_conversation(request: web.Request) -> web.Response:
    """Start afresh: the session ends (no copy of the cookie opens it again); the next frame starts a new one."""
    logger.info("web chat: new conversation asked")
    return await _end(request, "new_chat")


async def leave(request: web.Request) -> web.Response:
    """Snel weg: the session ends on the server, and this browser forgets it."""
    return await _end(request, "quick_exit")


async def _end(request: web.Request, how: str) -> web.Response:
    _check_origin(request)
    channel = request.app[WEB_CHANNEL]
    chat_id = await channel.sessions.chat_of(request)
    if chat_id is not None:
        await channel.end_session(chat_id)
        await _left(request.app, chat_id, how)
    response = web.Response(status=204)
    session.forget_token(response, secure=_secure(request), embedded="embed" in request.query)
    return response


def _check_origin(request: web.Request) -> None:
    if not session.same_origin(request):
        raise web.HTTPForbidden(text="Other origins may not change this chat.")


def _secure(request: web.Request) -> bool:
    return session.is_secure(request, request.app[SETTINGS].public_url)
