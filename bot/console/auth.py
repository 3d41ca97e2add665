"""Console security: argon2id passwords, sessions, CSRF, login rate limiting, security headers.

- The session cookie holds a random token; the database keeps only its SHA-256, so a copied database does
  not log anyone in. Cookie: ``HttpOnly``, ``SameSite=Strict``, ``Secure`` behind TLS (or when set).
- Every state-changing request carries the session's CSRF token (form field ``csrf`` or header
  ``X-CSRF-Token``); the login form uses a double-submit cookie, as there is no session yet.
- Failed logins are limited per (account name, address) and, more softly, per address (``limiter``).
- Password hashing runs in worker threads (``check_password``), never on the event loop.
- With an ``https://`` public_url, cookies are ``Secure`` and responses carry ``Strict-Transport-Security``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from bot.appkeys import SETTINGS
from bot.http_headers import PERMISSIONS_POLICY
from bot.settings import Settings
from storage.models import Agent, AgentSession

logger = logging.getLogger(__name__)

SESSION_COOKIE = "wegwijzer_console"
LOGIN_COOKIE = "wegwijzer_login"
COOKIE_PATH = "/console/"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)

AGENT = web.RequestKey("agent", Agent)
SESSION = web.RequestKey("session", AgentSession)
FIELDS = web.RequestKey("fields", dict[str, Any])

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
HASH_THREADS = 2  # at most this many argon2 runs at once (each takes ~100 ms and 64 MiB)
HSTS = "max-age=31536000"
_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account exists (no name probing by timing).

    A typed password may hold a lone surrogate (JSON's ``"\\ud800"``), which UTF-8 cannot encode; as bytes it
    is still hashed (the same work) and matches nothing, as no stored password can hold one.
    """
    typed = password.encode("utf-8", "surrogatepass")
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, typed) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    """Constant-time equality of two tokens; on bytes, as ``compare_digest`` refuses non-ASCII ``str``."""
    if not a or not b:
        return False
    return hmac.compare_digest(str(a).encode("utf-8", "surrogatepass"), str(b).encode("utf-8", "surrogatepass"))


async def check_password(password_hash: str | None, password: str) -> bool:
    """``verify_password`` in a worker thread (argon2 takes ~100 ms), a few at a time, so chats never stall."""
    async with _hash_slots():
        return await asyncio.to_thread(verify_password, password_hash, password)


def _hash_slots() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    slots = _SLOTS.get(loop)
    if slots is None:
        slots = _SLOTS[loop] = asyncio.Semaphore(HASH_THREADS)
    return slots


def https_public(settings: Settings) -> bool:
    return settings.public_url.startswith("https://")


def cookie_secure(request: web.Request, settings: Settings) -> bool:
    return settings.console_cookie_secure or request.secure or https_public(settings)


def set_cookie(response: web.StreamResponse, request: web.Request, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        path=COOKIE_PATH,
        httponly=True,
        samesite="Strict",
        secure=cookie_secure(request, request.config_dict[SETTINGS]),
    )


def same_origin(request: web.Request) -> bool:
    """A browser's Origin (when it sends one) must be this host: no cross-site forms or sockets."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return origin in (f"{request.scheme}://{request.host}", f"http://{request.host}", f"https://{request.host}")


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    hsts = https_public(request.config_dict[SETTINGS])
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
        _headers(response, hsts)
        raise
    _headers(response, hsts)
    return response


def _headers(response: web.StreamResponse, hsts: bool) -> None:
    if response.prepared:
        return
    if hsts:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")  # "no-referrer" makes Chromium send Origin: null
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Cache-Control", "no-store")
    # the same value the app-wide signal (bot.http_headers) fills in: setdefault, so neither overrides the other
    response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
