"""The anonymous web chat session: only the server makes tokens, and the database keeps only their hashes.

- A page without a session (no cookie, or a token that opens nothing) talks on a new conversation that is not
  stored until the page does something (``web_socket``); a token a visitor chose or planted opens nothing.
- The token changes often: when the conversation is first stored, every time a page opens a socket on it, and
  when it goes to a person. The socket sends a one-time ticket (frame ``rotate``) and the page trades it for
  the cookie (``POST /chat/rotate``; a WebSocket cannot set a cookie once it is open). From the offer on, the
  old token opens nothing anywhere: a cookie someone copied from a shared device, or planted there after
  starting a chat themselves, stops opening the chat as soon as the real page connects, and at the latest
  when a person answers.
- Several tabs of one browser share the cookie. A tab that opens its socket with a token that was replaced a
  moment ago (``REPLACED_SECONDS``; the tab that got the ticket is still trading it) is not given the chat and
  not given a new one either: it is told to come back in a moment (close code 4401), and by then the browser
  has the new cookie. Such a token never opens anything, so a copy of it is no use in that moment either.
  At the hand-off the chat's other pages are closed (4401) and reopen the same way; a rotation when a page
  connects closes nothing (the tabs would otherwise close each other in turn).
- Snel weg and "Nieuw gesprek" end the session on the server (``WebChannel.end_session``, also for "Wis mijn
  gesprek"): no copy of the cookie opens the conversation again.

- A session ends on the server after ``web_session_idle_minutes`` (``idle``) without a frame from its pages
  (a shared or family device): its cookie opens nothing, so the page starts afresh with the welcome and none
  of the conversation is sent again (no resume, no history). The page's last frame is kept in the row
  (``last_seen_at``, written at most once a ``TOUCH_EVERY`` per chat), checked whenever a cookie is looked up,
  and housekeeping deletes what ran out (``expire_idle``). Ending it so, like Snel weg, ends a hand-off that is
  still open (``ended``: the agent's console is told the user left).

What is left: whoever connects with a copy of the token *before* the real page does gets the new token, and the
real page then opens a new, empty chat (it does not read on in the old one). A socket someone already holds
open keeps getting what is said until the hand-off closes it, and a page the attacker left open on the shared
device is the real page (it never reconnects, so nothing rotates until the hand-off). Which token replaced which
is remembered in this process only: with several workers, a tab that reconnects to another worker in that
moment opens a new chat.

The cookie is ``HttpOnly`` and lives as long as the browser session. The conversation's ``chat_id`` is random
and not derived from the token, so a rotated or ended token leads nowhere (``storage.web_sessions``).
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.cookies import Morsel

from aiohttp import hdrs, web

from storage.models import utcnow
from storage.outage import unreachable
from storage.web_sessions import WebSessionStore

logger = logging.getLogger(__name__)

COOKIE = "wegwijzer_sessie"
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")
TICKET_LIFETIME = timedelta(minutes=10)  # the page trades it at once; this covers a reconnect in between
REPLACED_SECONDS = 30.0  # a token replaced this long ago asks its page to come back (another tab trades the ticket)
MAX_REMEMBERED = 50_000  # chats whose current token this process remembers (the oldest are forgotten)
IDLE = timedelta(minutes=120)  # the default of ``web_session_idle_minutes``
TOUCH_EVERY = timedelta(minutes=1)  # a chat's last frame is written at most this often (not on every frame)


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


@dataclass(frozen=True, slots=True)
class Opened:
    """What a request's cookie opens: a chat, nothing, or "come back in a moment" (``replaced``)."""

    chat_id: str | None = None
    replaced: bool = False  # its token was replaced a moment ago: the browser is about to get the new one


class Sessions:
    """Which conversation a cookie opens; tickets for new tokens; the end of a session."""

    def __init__(
        self,
        store: WebSessionStore,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        idle: timedelta = IDLE,
        ended: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.monotonic = monotonic
        self.idle = idle
        self.ended = ended  # told the chat_id of a session that ran out (its open hand-off ends)
        self._touched: dict[str, datetime] = {}  # chat_id → when this process last wrote its page's last frame
        self._current: dict[str, str] = {}  # chat_id → hash of the token seen opening it (or just made for it)
        self._offered: dict[str, tuple[str, float]] = {}  # ticket hash → (chat_id, until)
        self._replaced: dict[str, tuple[str, float]] = {}  # token hash → (chat_id, until)

    async def open(self, request: web.Request) -> Opened:
        """What the request's cookie opens (for a socket)."""
        token = token_of(request)
        if token is None:
            return Opened()
        hashed = token_hash(token)
        chat_id = await self._find(hashed)
        if chat_id is not None:
            self._remember(chat_id, hashed)
            return Opened(chat_id)
        return Opened(replaced=self._replaced_chat(hashed) is not None)

    async def chat_of(self, request: web.Request) -> str | None:
        """The chat_id the request's cookie opens, or opened until a moment ago; None for any other cookie.

        For ending a session (Snel weg must work from a tab whose cookie was just replaced) and for the page's
        language; a socket asks ``open``, which never opens a chat with a replaced token.
        """
        token = token_of(request)
        if token is None:
            return None
        hashed = token_hash(token)
        return await self._find(hashed) or self._replaced_chat(hashed)

    async def touch(self, chat_id: str) -> None:
        """A page of ``chat_id`` sent a frame: its session is not idle (written at most once a ``TOUCH_EVERY``)."""
        now = self.clock()
        last = self._touched.pop(chat_id, None)
        if last is not None and now - last < TOUCH_EVERY:
            self._touched[chat_id] = last
            return
        await self.store.touch(chat_id, now, now - self.idle)
        self._touched[chat_id] = now
        while len(self._touched) > MAX_REMEMBERED:
            del self._touched[next(iter(self._touched))]

    async def expire_idle(self) -> int:
        """End the sessions whose pages sent nothing for ``idle`` (housekeeping); how many."""
        chat_ids = await self.store.expire_idle(self.clock() - self.idle)
        for chat_id in chat_ids:
            await self._expired(chat_id)
        return len(chat_ids)

    async def _find(self, hashed: str) -> str | None:
        """The chat a token hash opens; a session that ran out is ended here and opens nothing."""
        found = await self.store.find(hashed, self.clock() - self.idle)
        if found.expired and found.chat_id is not None:
            await self._expired(found.chat_id)
            return None
        return found.chat_id

    async def _expired(self, chat_id: str) -> None:
        logger.info("web chat session ended after %d idle minutes", int(self.idle.total_seconds() // 60))
        self._forget(chat_id)
        if self.ended is None:
            return
        try:
            await self.ended(chat_id)
        except Exception as error:  # the session is gone all the same; the hand-off ends with the conversation
            if not unreachable(error):
                logger.exception("web chat: the hand-off of an expired session could not be ended")

    async def offer(self, chat_id: str) -> str:
        """A one-time ticket for a new token of ``chat_id``; from now on the current token opens nothing."""
        ticket = new_token()
        hashed = token_hash(ticket)
        moment = self.clock()
        await self.store.offer(chat_id, hashed, moment + TICKET_LIFETIME, moment)
        now = self.monotonic()
        self._prune(now)
        old = self._current.pop(chat_id, None)
        if old is not None:
            self._replaced[old] = (chat_id, now + REPLACED_SECONDS)
        self._offered[hashed] = (chat_id, now + TICKET_LIFETIME.total_seconds())
        return ticket

    async def redeem(self, ticket: str) -> str | None:
        """The new token for a ticket offered in the last ``TICKET_LIFETIME``; None when it is not (any more)."""
        if not TOKEN_SHAPE.fullmatch(ticket):
            return None
        token = new_token()
        if not await self.store.redeem(token_hash(ticket), token_hash(token), self.clock()):
            return None
        offered = self._offered.pop(token_hash(ticket), None)
        if offered is not None:
            self._remember(offered[0], token_hash(token))
        return token

    async def end(self, chat_id: str) -> bool:
        self._forget(chat_id)
        return await self.store.end(chat_id)

    def _forget(self, chat_id: str) -> None:
        self._current.pop(chat_id, None)
        self._touched.pop(chat_id, None)
        for hashed in [h for h, (chat, _until) in self._replaced.items() if chat == chat_id]:
            del self._replaced[hashed]

    def _remember(self, chat_id: str, hashed: str) -> None:
        self._current.pop(chat_id, None)
        self._current[chat_id] = hashed
        while len(self._current) > MAX_REMEMBERED:
            del self._current[next(iter(self._current))]

    def _replaced_chat(self, hashed: str) -> str | None:
        chat_id, until = self._replaced.get(hashed, (None, 0.0))
        return chat_id if until > self.monotonic() else None

    def _prune(self, now: float) -> None:
        """Forget what ran out (each table is in the order of its deadlines) and, over the cap, the oldest."""
        for table in (self._replaced, self._offered):
            while table and (table[next(iter(table))][1] <= now or len(table) > MAX_REMEMBERED):
                del table[next(iter(table))]


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
