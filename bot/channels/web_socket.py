"""The web chat's WebSocket: one socket per open page, any number of pages per conversation.

``WebChannel`` keeps the open sockets of each conversation and is the hub's ``Deliverer`` for the channel
"web": what the chat-ondersteuning sends reaches every open tab. A bad frame gets an error frame and the
socket stays open; nothing a page sends can stop the server. A page that sends too fast, or a chat with
too many open pages, is limited (``web_limits``).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from bot.channels import web_frames as frames
from bot.channels.web_limits import MAX_SOCKETS, TOO_MANY_TABS, TokenBucket
from bot.channels.web_session import chat_id_for, is_secure, new_token, same_origin, set_token, token_of
from bot.channels.web_texts import PageTexts
from bot.engine import Engine
from bot.i18n import N_, I18n, _, text_direction
from bot.messages import IncomingMessage, OutgoingMessage
from storage.repository import ConversationStore

logger = logging.getLogger(__name__)

CHANNEL = "web"
FRAME_LIMIT = 32 * 1024  # larger frames get an error frame; the socket stays open
SOCKET_LIMIT = 64 * 1024  # larger frames close the socket (aiohttp: 1009 message too big)
HEARTBEAT_SECONDS = 25.0
ERRORS = {
    "bad_json": N_("Dat bericht kon ik niet lezen."),
    "bad_frame": N_("Dat bericht kon ik niet lezen."),
    "bad_id": N_("Dat bericht kon ik niet lezen."),
    "too_large": N_("Dat bericht is te lang. Stuur een korter bericht."),
    "server_error": N_("Er ging iets mis. Probeer het nog een keer."),
    "too_fast": N_("Je stuurt te snel berichten. Wacht even en probeer het dan opnieuw."),
}
_opened = itertools.count()


class Socket:
    """One open page: its socket and a lock so frames from two tasks never interleave."""

    def __init__(self, ws: web.WebSocketResponse, clock: Callable[[], float] = time.monotonic) -> None:
        self.ws = ws
        self.lock = asyncio.Lock()
        self.bucket = TokenBucket(clock=clock)
        self.opened = next(_opened)  # the lowest is the oldest page of its chat
        self.lang: str | None = None  # the language the page shows now

    async def send(self, text: str) -> bool:
        """Send one frame; False when the page has gone."""
        if self.ws.closed:
            return False
        try:
            async with self.lock:
                await self.ws.send_str(text)
        except (ConnectionError, RuntimeError):
            return False
        return True


class WebChannel:
    """The open pages of every web conversation; pushes to them (``Deliverer`` for the hub)."""

    def __init__(self, engine: Engine, store: ConversationStore, i18n: I18n, public_url: str = "") -> None:
        self.engine = engine
        self.public_url = public_url
        self.store = store
        self.i18n = i18n
        self.sockets: dict[str, set[Socket]] = defaultdict(set)
        self.texts = PageTexts(i18n)
        self.clock: Callable[[], float] = time.monotonic  # for the frame rate limit; tests replace it
        self._closing: set[asyncio.Task[bool]] = set()

    async def deliver(self, chat_id: str, messages: Sequence[OutgoingMessage]) -> None:
        """Push messages (e.g. from a person of the chat-ondersteuning) to every open page of the chat.

        A chat with no open page gets nothing now: the messages are in its transcript, and the page shows
        them when it comes back.
        """
        if not self.sockets.get(chat_id):
            logger.info("web chat has no open page; the pushed messages wait in the transcript")
            return
        locale = await self.locale(chat_id)
        text = frames.frame(
            "messages",
            **self._lang(locale, with_texts=True),
            reply_to=None,
            duplicate=False,
            messages=[frames.outgoing(m) for m in messages],
        )
        await self._broadcast(chat_id, text)

    async def typing(self, chat_id: str) -> None:
        await self._broadcast(chat_id, frames.frame("typing"))

    async def locale(self, chat_id: str) -> str:
        conversation = await self.store.load(CHANNEL, chat_id)
        return conversation.locale if conversation is not None else self.i18n.default

    async def history(self, chat_id: str) -> str:
        """The whole conversation so far, with the buttons that work now."""
        conversation = await self.store.load(CHANNEL, chat_id)
        if conversation is None or conversation.id is None:
            return frames.frame("history", **self._lang(self.i18n.default, with_texts=True), messages=[])
        entries = await self.store.transcript(conversation.id)
        screen = await self.engine.screen(CHANNEL, chat_id)
        lang = self._lang(conversation.locale, with_texts=True)
        return frames.frame("history", **lang, messages=frames.history(entries, screen))

    async def close_all(self) -> None:
        """Close every open page's socket (the pages reconnect by themselves)."""
        sockets = [socket for group in self.sockets.values() for socket in group]
        await asyncio.gather(*(s.ws.close(code=WSCloseCode.GOING_AWAY, message=b"server stops") for s in sockets))

    def _lang(self, locale: str, *, with_texts: bool = False) -> dict[str, Any]:
        """The frame's language; ``with_texts``: also the page's own texts, so it can switch without a reload."""
        fields: dict[str, Any] = {"lang": locale, "dir": text_direction(locale)}
        if with_texts:
            fields["ui"] = self.texts.of(locale)
        return fields

    async def _broadcast(self, chat_id: str, text: str, skip: Socket | None = None) -> None:
        for socket in list(self.sockets.get(chat_id, ())):
            if socket is not skip and not await socket.send(text):
                self.sockets[chat_id].discard(socket)

    async def serve(self, request: web.Request) -> web.StreamResponse:
        """Open the socket, send the conversation so far, then answer frames until the page goes."""
        if not same_origin(request):
            logger.warning("web socket from another origin refused")
            raise web.HTTPForbidden(text="Other origins may not open this chat.")
        ws = web.WebSocketResponse(max_msg_size=SOCKET_LIMIT, heartbeat=HEARTBEAT_SECONDS)
        token = token_of(request)
        if token is None:  # a page that lost its cookie: a fresh session, set on the handshake answer
            token = new_token()
            set_token(ws, token, secure=is_secure(request, self.public_url), embedded="embed" in request.query)
        await ws.prepare(request)
        chat_id = chat_id_for(token)
        socket = Socket(ws, self.clock)
        self._make_room(chat_id)
        self.sockets[chat_id].add(socket)
        try:
            try:
                await self._open(chat_id, socket, request)
            except Exception:
                logger.exception("web chat could not be opened")
                await self._error(socket, "server_error", None, chat_id)
                await ws.close(code=WSCloseCode.INTERNAL_ERROR)
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._frame(chat_id, socket, msg.data)
                elif msg.type is WSMsgType.BINARY:
                    await self._error(socket, "bad_frame", None, chat_id)
                elif msg.type is WSMsgType.ERROR:
                    logger.info("web socket closed with an error: %s", type(ws.exception()).__name__)
        finally:
            self.sockets[chat_id].discard(socket)
            if not self.sockets[chat_id]:
                del self.sockets[chat_id]
        return ws

    async def _open(self, chat_id: str, socket: Socket, request: web.Request) -> None:
        """Send the conversation so far; a first visit starts with the welcome."""
        conversation = await self.store.load(CHANNEL, chat_id)
        if conversation is None:  # the first answer, with all its buttons (the language offer too)
            hint = request.headers.get("Accept-Language", "").split(",")[0].split(";")[0].strip() or None
            reply = await self.engine.handle(IncomingMessage(CHANNEL, chat_id, locale_hint=hint))
            logger.info("web chat started")
            socket.lang = await self.locale(chat_id)
            first = [frames.outgoing(m) for m in reply.messages]
            await socket.send(frames.frame("history", **self._lang(socket.lang, with_texts=True), messages=first))
            return
        socket.lang = await self.locale(chat_id)
        await socket.send(await self.history(chat_id))

    def _make_room(self, chat_id: str) -> None:
        """Keep a chat under ``MAX_SOCKETS`` open pages: close the oldest (it does not come back)."""
        group = self.sockets.get(chat_id, set())
        while len(group) >= MAX_SOCKETS:
            oldest = min(group, key=lambda s: s.opened)
            group.discard(oldest)
            logger.info("web chat has too many open pages; closing the oldest")
            task = asyncio.create_task(oldest.ws.close(code=TOO_MANY_TABS, message=b"too many tabs"))
            self._closing.add(task)  # closing waits for the page; never hold up the new one
            task.add_done_callback(self._closing.discard)

    async def _frame(self, chat_id: str, socket: Socket, raw: str) -> None:
        if not socket.bucket.take():
            await self._error(socket, "too_fast", _frame_id(raw), chat_id)
            return
        if len(raw.encode()) > FRAME_LIMIT:
            await self._error(socket, "too_large", None, chat_id)
            return
        try:
            frame = frames.parse(raw)
        except frames.FrameError as error:
            await self._error(socket, error.code, error.frame_id, chat_id)
            return
        incoming = IncomingMessage(
            CHANNEL, chat_id, text=frame.text, choice=frame.key, update_id=frames.update_id(chat_id, frame.id)
        )
        try:
            reply = await self.engine.handle(incoming)
            locale = await self.locale(chat_id)
        except Exception:
            logger.exception("web chat: frame could not be handled")
            await self._error(socket, "server_error", frame.id, chat_id)
            return
        fields: dict[str, Any] = {"reply_to": frame.id, "duplicate": reply.duplicate}
        messages = [frames.outgoing(m) for m in reply.messages]
        switched = socket.lang != locale  # the page shows another language: send its texts along
        socket.lang = locale
        await socket.send(
            frames.frame("messages", **self._lang(locale, with_texts=switched), **fields, messages=messages)
        )
        if len(self.sockets.get(chat_id, ())) > 1 and not reply.duplicate:
            await self._broadcast(chat_id, await self.history(chat_id), skip=socket)

    async def _error(self, socket: Socket, code: str, frame_id: str | None, chat_id: str) -> None:
        try:
            locale = await self.locale(chat_id)
        except Exception:  # the database may be why we are here
            locale = self.i18n.default
        with self.i18n.use(locale):
            text = _(ERRORS[code])
        await socket.send(frames.frame("error", code=code, message=text, reply_to=frame_id))


def _frame_id(raw: str) -> str | None:
    """The id of a frame we will not handle, so the page can stop waiting for it."""
    if len(raw) > FRAME_LIMIT:
        return None
    try:
        return frames.parse(raw).id
    except frames.FrameError as error:
        return error.frame_id
