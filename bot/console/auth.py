"""Console security: argon2id passwords, sessions, CSRF, login rate limiting, security headers.

- The session cookie holds a random token; the database keeps only its SHA-256, so a copied database does
  not log anyone in. Cookie: ``HttpOnly``, ``SameSite=Strict``, ``Secure`` behind TLS (or when set).
- Every state-changing request carries the session's CSRF token (form field ``csrf`` or header
  ``X-CSRF-Token``); the login form uses a double-submit cookie, as there is no session yet.
- Failed logins are limited per account name and per address within a sliding window.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

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


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account exists (no name probing by timing)."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


class LoginLimiter:
    """At most ``attempts`` failures per key within ``window``; then the key waits until the oldest expires."""

    def __init__(self, attempts: int, window: timedelta, clock: Callable[[], datetime]) -> None:
        self.attempts = attempts
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[datetime]] = {}

    def retry_after(self, *keys: str) -> timedelta | None:
        """How long until a login may be tried for these keys; None when it may be tried now."""
        now = self.clock()
        waits = []
        for key in keys:
            failures = self._recent(key, now)
            if len(failures) >= self.attempts:
                waits.append(failures[0] + self.window - now)
        return max(waits) if waits else None

    def failed(self, *keys: str) -> None:
        now = self.clock()
        for key in keys:
            self._recent(key, now).append(now)

    def succeeded(self, *keys: str) -> None:
        for key in keys:
            self._failures.pop(key, None)

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures


def cookie_secure(request: web.Request, always: bool) -> bool:
    return always or request.secure


def set_cookie(response: web.StreamResponse, request: web.Request, name: str, value: str, always_secure: bool) -> None:
    response.set_cookie(
        name,
        value,
        path=COOKIE_PATH,
        httponly=True,
        samesite="Strict",
        secure=cookie_secure(request, always_secure),
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
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
        _headers(response)
        raise
    _headers(response)
    return response


def _headers(response: web.StreamResponse) -> None:
    if response.prepared:
        return
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")  # "no-referrer" makes Chromium send Origin: null
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Cache-Control", "no-store")
