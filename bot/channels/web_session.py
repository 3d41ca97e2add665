"""The anonymous web chat session: a random token in a cookie, only its hash in the database.

The browser keeps ``secrets.token_urlsafe(32)`` in an ``HttpOnly`` cookie; the conversation's ``chat_id``
is the sha256 of that token, so a copy of the database holds no usable session. A new token is a new
conversation ("Nieuw gesprek"); the old one stays until the privacy rules delete it.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets

from aiohttp import web

logger = logging.getLogger(__name__)

COOKIE = "wegwijzer_sessie"
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def chat_id_for(token: str) -> str:
    """The conversation's ``chat_id`` for a session token (the token itself is never stored)."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def token_of(request: web.Request) -> str | None:
    """The request's session token, when it carries a well-formed one."""
    token = request.cookies.get(COOKIE)
    if token is None or not TOKEN_SHAPE.fullmatch(token):
        return None
    return token


def is_secure(request: web.Request, public_url: str) -> bool:
    """Whether the visitor reached us over HTTPS (directly, or behind a proxy named by ``public_url``)."""
    return request.secure or public_url.startswith("https://")


def set_token(response: web.StreamResponse, token: str, *, secure: bool, embedded: bool) -> None:
    """Keep ``token`` in the browser for this browser session (no expiry date: it ends with the browser).

    On our own pages the cookie is ``SameSite=Lax``. Inside a partner's iframe a Lax cookie is never sent,
    so over HTTPS the embedded chat gets a partitioned cookie (``SameSite=None; Secure; Partitioned``): it
    is kept per partner site and cannot follow the visitor to other sites.
    """
    if embedded and secure:
        response.set_cookie(COOKIE, token, path="/", httponly=True, secure=True, samesite="None", partitioned=True)
    else:
        response.set_cookie(COOKIE, token, path="/", httponly=True, secure=secure or None, samesite="Lax")


def forget_token(response: web.StreamResponse, *, secure: bool, embedded: bool) -> None:
    """Remove the session cookie from the browser (the conversation stays in the database).

    A browser only replaces a cookie with the same attributes, so this mirrors ``set_token``.
    """
    if embedded and secure:
        response.set_cookie(
            COOKIE, "", max_age=0, path="/", httponly=True, secure=True, samesite="None", partitioned=True
        )
    else:
        response.set_cookie(COOKIE, "", max_age=0, path="/", httponly=True, secure=secure or None, samesite="Lax")


def same_origin(request: web.Request) -> bool:
    """A browser request from one of our own pages (or from a client that is not a browser).

    Browsers always send ``Origin`` with a WebSocket handshake and with a POST from a script; a page on
    another site must not drive a visitor's conversation (cross-site WebSocket hijacking).
    """
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    _scheme, _sep, rest = origin.partition("://")
    return rest == request.host
