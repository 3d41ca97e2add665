"""The web chat's WebSocket: one socket per open page, any number of pages per conversation.

``WebChannel`` keeps the open sockets of each conversation and is the hub's ``Deliverer`` for the channel
"web": what the chat-ondersteuning sends reaches every open tab. A bad frame gets an error frame and the
socket stays open; nothing a page sends can stop the server, and a page too slow to take what we send is cut
off (``SEND_SECONDS``).

- A page without a session is shown the welcome and nothing is stored (``Engine.welcome``). Its first frame
  stores the conversation, and the page gets its session (a ``rotate`` frame, see ``web_session``); so does
  the page that hands the conversation to a person, and the chat's other pages close and reopen with the new
  cookie.
- Each page is sent only what it lacks (``Socket.seq``, the last transcript line it has): a second tab gets
  what the first one did, never the whole history again (``web_pages``).
- Limits (``web_limits``): frames per socket, tabs per chat, lines per conversation, and per network address
  (``bot.abuse``) open sockets and new conversations.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from bot.abuse import ClientLimits
from bot.channels import web_frames as frames
from bot.channels.web_limits import BUSY, FULL, SEND_SECONDS, SESSION_CHANGED, TOO_MANY_OPEN, TRY_LATER, refusal
from bot.channels.web_pages import OpenPages, Socket
from bot.channels.web_session import Sessions, new_chat_id, same_origin
from bot.channels.web_texts import PageTexts
from bot.engine import Engine
from bot.i18n import N_, I18n, _
from bot.messages import IncomingMessage, OutgoingMessage
from storage.models import Conversation
from storage.repository import ConversationStore

logger = logging.getLogger(__name__)

CHANNEL = "web"
FRAME_LIMIT = 32 * 1024  # larger frames get an error frame; the socket stays open
SOCKET_LIMIT = 64 * 1024  # larger frames close the socket (aiohttp: 1009 message too big)
HEARTBEAT_SECONDS = 25.0
WITH_A_PERSON = ("queued", "live")
ERRORS = {
    "bad_json": N_("Dat bericht kon ik niet lezen."),
    "bad_frame": N_("Dat bericht kon ik niet lezen."),
    "bad_id": N_("Dat bericht kon ik niet lezen."),
    "too_large": N_("Dat bericht is te lang. Stuur een korter bericht."),
    "server_error": N_("Er ging iets mis. Probeer het nog een keer."),
    "too_fast": N_("Je stuurt te snel berichten. Wacht even en probeer het dan opnieuw."),
}


class WebChannel:
    """The web chat's sockets; pushes to the open pages of a chat (``Deliverer`` for the hub)."""

    def __init__(
        self,
        engine: Engine,
        store: ConversationStore,
        i18n: I18n,
        sessions: Sessions,
        limits: ClientLimits,
        *,
        max_lines: int = 1000,
    ) -> None:
        self.engine = engine
        self.store = store
        self.i18n = i18n
        self.sessions = sessions
        self.limits = limits
        self.max_lines = max_lines
        self.texts = PageTexts(i18n)
        self.pages = OpenPages(self.texts)
        self.sockets = self.pages.sockets  # chat_id → its open pages
        self.clock: Callable[[], float] = time.monotonic  # for the frame rate limit; tests replace it
        self.send_seconds = SEND_SECONDS

    async def deliver(self, chat_id: str, messages: Sequence[OutgoingMessage]) -> None:
        """Push messages (e.g. from a person of the chat-ondersteuning) to every open page of the chat.

        A chat with no open page gets nothing now: the messages are in its transcript, and the page shows
        them when it comes back.
        """
        group = self.pages.of(chat_id)
        conversation = await self.store.load(CHANNEL, chat_id) if group else None
        if conversation is None or conversation.id is None:
            logger.info("web chat has no open page; the pushed messages wait in the transcript")
            return
        entries = await self.store.transcript(conversation.id, after=min(s.seq for s in group))
        await self.pages.catch_up(group, conversation.locale, entries, messages, pushed=True)

    async def typing(self, chat_id: str) -> None:
        await self.pages.send_all(chat_id, frames.frame("typing"))

    async def end_session(self, chat_id: str) -> None:
        """No browser opens this chat again (Snel weg, Nieuw gesprek, Wis mijn gesprek).

        The session ends on the server, so every copy of the cookie opens nothing; the chat's open pages
        close, and reopen with whatever their cookie still opens (nothing: a new, empty chat).
        """
        await self.sessions.end(chat_id)
        for socket in self.pages.of(chat_id):
            self.pages.close(socket, SESSION_CHANGED, b"session ended")

    async def close_all(self) -> None:
        await self.pages.close_all()

    async def serve(self, request: web.Request) -> web.StreamResponse:
        """Open the socket, send the conversation so far, then answer frames until the page goes."""
        if not same_origin(request):
            logger.warning("web socket from another origin refused")
            raise web.HTTPForbidden(text="Other origins may not open this chat.")
        ws = web.WebSocketResponse(max_msg_size=SOCKET_LIMIT, heartbeat=HEARTBEAT_SECONDS)
        chat_id = await self.sessions.chat_of(request)
        client = self.limits.keys.of(request)
        await ws.prepare(request)
        socket = Socket(ws, request, chat_id or new_chat_id(), client, self.clock, self.send_seconds)
        socket.session = chat_id is not None
        if not self.limits.sockets.acquire(client):
            await self._turn_away(socket)
            return ws
        try:
            self.pages.add(socket)
            try:
                await self._open(socket)
            except Exception:
                logger.exception("web chat could not be opened")
                await self._error(socket, "server_error", None)
                await ws.close(code=WSCloseCode.INTERNAL_ERROR)
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._frame(socket, msg.data)
                elif msg.type is WSMsgType.BINARY:
                    await self._error(socket, "bad_frame", None)
                elif msg.type is WSMsgType.ERROR:
                    logger.info("web socket closed with an error: %s", type(ws.exception()).__name__)
        finally:
            self.pages.drop(socket)
            self.limits.sockets.release(client)
        return ws

    async def _open(self, socket: Socket) -> None:
        """Send the conversation so far; a page without one gets the welcome, and nothing is stored."""
        conversation = await self.store.load(CHANNEL, socket.chat_id) if socket.session else None
        if conversation is None or conversation.id is None:
            socket.welcome = await self.engine.welcome(CHANNEL, socket.chat_id, socket.hint)
            socket.lang = self.i18n.default
            first = [frames.outgoing(m) for m in socket.welcome]
            await socket.send(frames.frame("history", **self.pages.lang(socket.lang, True), seq=0, messages=first))
            return
        socket.lang = conversation.locale
        entries = await self.store.transcript(conversation.id)
        screen = await self.engine.screen(CHANNEL, socket.chat_id)
        socket.saw(entries)
        shown = frames.history(entries, screen)
        lang = self.pages.lang(socket.lang, True)
        await socket.send(frames.frame("history", **lang, seq=socket.seq, messages=shown))

    async def _turn_away(self, socket: Socket) -> None:
        """Too many open pages from this network: say so kindly, with the numbers, and close."""
        self.limits.report()
        with self.i18n.use(self.i18n.default):
            said = [frames.outgoing(m) for m in refusal(TOO_MANY_OPEN, self.engine.dialog)]
        await socket.send(self.pages.messages(socket, self.i18n.default, said, reply_to=None))
        await socket.ws.close(code=TRY_LATER, message=b"too many open chats")

    async def _frame(self, socket: Socket, raw: str) -> None:
        if not socket.bucket.take():
            await self._error(socket, "too_fast", _frame_id(raw))
            return
        if len(raw.encode()) > FRAME_LIMIT:
            await self._error(socket, "too_large", None)
            return
        try:
            frame = frames.parse(raw)
        except frames.FrameError as error:
            await self._error(socket, error.code, error.frame_id)
            return
        chat_id = socket.chat_id
        update_id = frames.update_id(chat_id, frame.id)
        incoming = IncomingMessage(CHANNEL, chat_id, frame.text, frame.key, update_id, client=socket.client)
        try:
            before = await self.store.load(CHANNEL, chat_id)
            refused = await self._refused(socket, before)
            if refused is not None:
                await socket.send(self.pages.messages(socket, refused[0], refused[1], reply_to=frame.id))
                return
            if before is None:  # the welcome this page shows becomes the start of the stored conversation
                await self.engine.handle(IncomingMessage(CHANNEL, chat_id, locale_hint=socket.hint))
            reply = await self.engine.handle(incoming)
            after = await self.store.load(CHANNEL, chat_id)
            assert after is not None and after.id is not None
            group = self.pages.of(chat_id)
            entries = await self.store.transcript(after.id, after=min((s.seq for s in group), default=socket.seq))
        except Exception:
            logger.exception("web chat: frame could not be handled")
            await self._error(socket, "server_error", frame.id)
            return
        socket.saw(entries)
        answer = [frames.outgoing(m) for m in reply.messages]
        dup = reply.duplicate
        await socket.send(self.pages.messages(socket, after.locale, answer, reply_to=frame.id, duplicate=dup))
        handed_over = after.status in WITH_A_PERSON and (before is None or before.status not in WITH_A_PERSON)
        if not socket.session or handed_over:
            await self._rotate(socket, close_others=handed_over)
        if not dup and not handed_over:
            others = [s for s in group if s is not socket]
            await self.pages.catch_up(others, after.locale, entries, reply.messages)

    async def _refused(
        self, socket: Socket, conversation: Conversation | None
    ) -> tuple[str, list[dict[str, Any]]] | None:
        """(locale, messages) when a limit keeps this frame from being handled; None when it may be."""
        if conversation is None:
            if self.limits.conversations.take(socket.client):
                return None
            self.limits.report()
            text, screen, locale = BUSY, socket.welcome, self.i18n.default
        elif conversation.id is not None and await self.store.line_count(conversation.id) >= self.max_lines:
            logger.info("conversation %s is full (%d lines)", conversation.id, self.max_lines)
            text, screen, locale = FULL, [], conversation.locale
        else:
            return None
        with self.i18n.use(locale):
            return locale, [frames.outgoing(m) for m in refusal(text, self.engine.dialog, screen)]

    async def _rotate(self, socket: Socket, *, close_others: bool) -> None:
        """Offer this page a new token (its old one opens nothing from now on); close the chat's other pages."""
        try:
            ticket = await self.sessions.offer(socket.chat_id)
        except Exception:
            logger.exception("web chat: no new session token could be offered")
            return
        socket.session = True
        await socket.send(frames.frame("rotate", ticket=ticket))
        if close_others:
            for other in self.pages.of(socket.chat_id):
                if other is not socket:
                    self.pages.close(other, SESSION_CHANGED, b"session changed")

    async def _error(self, socket: Socket, code: str, frame_id: str | None) -> None:
        try:
            conversation = await self.store.load(CHANNEL, socket.chat_id)
            locale = conversation.locale if conversation is not None else self.i18n.default
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
