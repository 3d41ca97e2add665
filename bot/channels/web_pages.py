"""The open pages of the web chat: one ``Socket`` per page, any number of pages per conversation.

``OpenPages`` keeps them by chat, at most ``MAX_SOCKETS`` a chat (a new one closes the oldest), and sends
each page only what it lacks: ``Socket.seq`` is the id of the last transcript line the page has been sent.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from aiohttp import WSCloseCode, web

from bot.channels import web_frames as frames
from bot.channels.web_limits import MAX_SOCKETS, SEND_SECONDS, TOO_MANY_TABS, TokenBucket
from bot.channels.web_texts import PageTexts
from bot.i18n import text_direction
from bot.messages import OutgoingMessage
from storage.models import TranscriptEntry

logger = logging.getLogger(__name__)

_opened = itertools.count()


class Socket:
    """One open page: its socket, how far it is in its conversation, and a lock so frames never interleave."""

    def __init__(
        self,
        ws: web.WebSocketResponse,
        request: web.Request,
        chat_id: str,
        client: str,
        clock: Callable[[], float] = time.monotonic,
        send_seconds: float = SEND_SECONDS,
    ) -> None:
        self.ws = ws
        self.transport = request.transport
        self.chat_id = chat_id  # stays when the session gets a new token
        self.client = client  # the network address's key (bot.abuse): for limits only, never stored or logged
        self.hint = request.headers.get("Accept-Language", "").split(",")[0].split(";")[0].strip() or None
        self.send_seconds = send_seconds
        self.lock = asyncio.Lock()
        self.bucket = TokenBucket(clock=clock)
        self.opened = next(_opened)  # the lowest is the oldest page of its chat
        self.lang: str | None = None  # the language the page shows now
        self.seq = 0  # the id of the last transcript line this page has been sent
        self.session = False  # a browser can open this chat again (it has a web session)
        self.welcome: list[OutgoingMessage] = []  # what the page was shown before its conversation was stored

    async def send(self, text: str) -> bool:
        """Send one frame; False when the page has gone, or was too slow to take it (then it is cut off)."""
        if self.ws.closed:
            return False
        try:
            async with self.lock, asyncio.timeout(self.send_seconds):
                await self.ws.send_str(text)
        except TimeoutError:
            logger.info("web chat page too slow to take a frame; cut off")
            if self.transport is not None:
                self.transport.abort()
            return False
        except (ConnectionError, RuntimeError):
            return False
        return True

    def saw(self, entries: Sequence[TranscriptEntry]) -> None:
        """The page has been sent these lines."""
        if entries:
            self.seq = max(self.seq, entries[-1].id or 0)


class OpenPages:
    def __init__(self, texts: PageTexts) -> None:
        self.texts = texts
        self.sockets: dict[str, set[Socket]] = defaultdict(set)
        self._closing: set[asyncio.Task[Any]] = set()

    def of(self, chat_id: str) -> list[Socket]:
        return list(self.sockets.get(chat_id, ()))

    def add(self, socket: Socket) -> None:
        """Keep a chat under ``MAX_SOCKETS`` open pages: a new one closes the oldest (it does not come back)."""
        group = self.sockets[socket.chat_id]
        while len(group) >= MAX_SOCKETS:
            logger.info("web chat has too many open pages; closing the oldest")
            self.close(min(group, key=lambda s: s.opened), TOO_MANY_TABS, b"too many tabs")
        group.add(socket)

    def drop(self, socket: Socket) -> None:
        group = self.sockets.get(socket.chat_id)
        if group is not None:
            group.discard(socket)
            if not group:
                del self.sockets[socket.chat_id]

    def close(self, socket: Socket, code: int, message: bytes) -> None:
        """Close a page's socket without waiting for the page."""
        self.drop(socket)
        task = asyncio.create_task(socket.ws.close(code=code, message=message))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def close_all(self) -> None:
        """Close every open page's socket (the pages reconnect by themselves)."""
        sockets = [socket for group in self.sockets.values() for socket in group]
        await asyncio.gather(*(s.ws.close(code=WSCloseCode.GOING_AWAY, message=b"server stops") for s in sockets))

    async def send_all(self, chat_id: str, text: str) -> None:
        for socket in self.of(chat_id):
            if not await socket.send(text):
                self.drop(socket)

    async def catch_up(
        self,
        group: Sequence[Socket],
        locale: str,
        entries: Sequence[TranscriptEntry],
        answer: Sequence[OutgoingMessage],
        *,
        pushed: bool = False,
    ) -> None:
        """Send each page in ``group`` the lines of ``entries`` it lacks (``web_frames.delta``)."""
        for socket in group:
            new = [entry for entry in entries if (entry.id or 0) > socket.seq]
            shown = frames.delta(new, answer, rest=pushed)
            if not shown:
                continue
            socket.saw(new)
            if not await socket.send(self.messages(socket, locale, shown, reply_to=None)):
                self.drop(socket)

    def messages(
        self, socket: Socket, locale: str, shown: list[dict[str, Any]], *, reply_to: str | None, duplicate: bool = False
    ) -> str:
        """A ``messages`` frame for ``socket``; the page's own texts come along when its language changes."""
        switched = socket.lang != locale
        socket.lang = locale
        fields = {**self.lang(locale, switched), "seq": socket.seq, "reply_to": reply_to, "duplicate": duplicate}
        return frames.frame("messages", **fields, messages=shown)

    def lang(self, locale: str, with_texts: bool = False) -> dict[str, Any]:
        """The frame's language; ``with_texts``: also the page's own texts, so it can switch without a reload."""
        fields: dict[str, Any] = {"lang": locale, "dir": text_direction(locale)}
        if with_texts:
            fields["ui"] = self.texts.of(locale)
        return fields
