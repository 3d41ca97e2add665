"""The anonymous web chat session: only the server makes tokens, and the database keeps only their hashes.

- A page without a session (no cookie, or a token that opens nothing) talks on a new conversation that is not
  stored until the page does something (``web_socket``); a token a visitor chose or planted opens nothing.
- When that conversation is first stored, and again when it goes to a person, the server offers a new token:
  the socket sends a one-time ticket (frame ``rotate``) and the page trades it for the cookie (``POST
  /chat/rotate``; a WebSocket cannot set a cookie once it is open). From the offer on, the old token opens
  nothing anywhere: someone who copied it from a shared device does not read what a person writes.
- Snel weg and "Nieuw gesprek" end the session on the server (``WebChannel.end_session``, also for "Wis mijn
  gesprek"): no copy of the cookie opens the conversation again.

The cookie is ``HttpOnly`` and lives as long as the browser session. The conversation's ``chat_id`` is random
and not derived from the token, so a rotated or ended token leads nowhere (``storage.web_sessions``).
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from http.cookies import Morsel

from aiohttp import hdrs, web

from storage.models import utcnow
from storage.web_sessions import WebSessionStore

logger = logging.getLogger(__name__)

COOKIE = "wegwijzer_sessie"
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")
TICKET_LIFETIME = timedelta(minutes=10)  # the page trades it at once; this covers a reconnect in between


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_chat_id() -> str:
    """A new conversation's ``chat_id``: random, so nothing the browser holds leads to it."""
    return secrets.token_hex(32)


def token_hash(token: str) -> str:
    """What the database keeps of a token or ticket (sha256): a copy of the database opens nothing."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def token_of(request: web.Request) -> str | None:
    """The request's session token, when it carries a well-formed one."""
    token = request.cookies.get(COOKIE)
    if token is None or not TOKEN_SHAPE.fullmatch(token):
        return None
    return token


class Sessions:
    """Which conversation a cookie opens; tickets for new tokens; the end of a session."""

    def __init__(self, store: WebSessionStore, clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.clock = clock

    async def chat_of(self, request: web.Request) -> str | None:
        """The chat_id the request's cookie opens; None for no cookie, or one the server never gave out."""
        token = token_of(request)
        return None if token is None else await self.store.chat_of(token_hash(token))

    async def offer(self, chat_id: str) -> str:
        """A one-time ticket for a new token of ``chat_id``; from now on the current token opens nothing."""
        ticket = new_token()
        await self.store.offer(chat_id, token_hash(ticket), self.clock() + TICKET_LIFETIME)
        return ticket

    async def redeem(self, ticket: str) -> str | None:
        """The new token for a ticket offered in the last ``TICKET_LIFETIME``; None when it is not (any more)."""
        if not TOKEN_SHAPE.fullmatch(ticket):
            return None
        token = new_token()
        if not await self.store.redeem(token_hash(ticket), token_hash(token), self.clock()):
            return None
        return token

    async def end(self, chat_id: str) -> bool:
        return await self.store.end(chat_id)


def is_secure(request: web.Request, public_url: str) -> bool:
    """Whether the visitor reached us over HTTPS (directly, or behind a proxy named by ``public_url``)."""
    return request.secure or public_url.startswith("https://")


def set_token(response: web.StreamResponse, token: str, *, secure: bool, embedded: bool) -> None:
    """Keep ``token`` in the browser for this browser session (no expiry date: it ends with the browser).

    On our own pages the cookie is ``SameSite=Lax``. Inside a partner's iframe a Lax cookie is never sent,
    so over HTTPS the embedded chat gets a partitioned cookie (``SameSite=None; Secure; Partitioned``): it
    is kept per partner site and cannot follow the visitor to other sites.
    """
    response.headers.add(hdrs.SET_COOKIE, cookie_header(token, secure=secure, embedded=embedded))


def forget_token(response: web.StreamResponse, *, secure: bool, embedded: bool) -> None:
    """Remove the session cookie from the browser (a browser only replaces one with the same attributes)."""
    response.headers.add(hdrs.SET_COOKIE, cookie_header("", secure=secure, embedded=embedded, forget=True))


def cookie_header(value: str, *, secure: bool, embedded: bool, forget: bool = False) -> str:
    """The ``Set-Cookie`` value. ``Partitioned`` is added by hand: ``http.cookies`` knows it only from 3.14."""
    morsel: Morsel[str] = Morsel()
    morsel.set(COOKIE, value, value)
    morsel["path"] = "/"
    morsel["httponly"] = True
    partitioned = embedded and secure
    morsel["samesite"] = "None" if partitioned else "Lax"
    if secure:
        morsel["secure"] = True
    if forget:
        morsel["max-age"] = 0
        morsel["expires"] = "Thu, 01 Jan 1970 00:00:00 GMT"
    header = morsel.OutputString()
    return f"{header}; Partitioned" if partitioned else header


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
