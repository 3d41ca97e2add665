"""The web chat's WebSocket: one socket per open page, any number of pages per conversation.

``WebChannel`` keeps the open sockets of each conversation and is the hub's ``Deliverer`` for the channel
"web": what the chat-ondersteuning sends reaches every open tab. A bad frame gets an error frame and the
socket stays open; nothing a page sends can stop the server, and a page too slow to take what we send is cut
off (``SEND_SECONDS``).

- A page without a session is shown the welcome and nothing is stored (``Engine.welcome``). Its first frame
  stores the conversation, and the page gets its session (a ``rotate`` frame, see ``web_session``); so does
  the page that hands the conversation to a person, and the chat's other pages close and reopen with the new
  cookie.
- A page that opens the socket again gets a new token too (a copied or planted cookie stops opening the chat
  once the real page connects; ``web_session``), and only the lines it missed: it says first what it has
  (a ``resume`` frame, ``web_frames``), never the whole history again.
- Each page is sent only what it lacks (``Socket.seq``, the last transcript line it has): a second tab gets
  what the first one did, never the whole history again (``web_pages``).
- A frame is handled once however often the page sends it (its id, per chat, is the engine's delivery id); a
  frame sent again after it was handled gets what the page still lacks. What cannot be handled now (the
  burst limit, the database away: ``storage.outage``) gets a retryable error, and the page sends it again.
- Limits (``web_limits``): frames per socket, tabs per chat, lines per conversation, and per network address
  (``bot.abuse``) open sockets and new conversations.
- A ``typing`` frame (the user types) gets no answer and is not a message: it goes to ``user_typing`` (the
  helpdesk's ``presence``, which tells an agent's console, rate-limited per chat) and never uses the frame
  budget a message needs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from bot.abuse import ClientLimits
from bot.channels import web_frames as frames
from bot.channels.web_limits import BUSY, FULL, SEND_SECONDS, SESSION_CHANGED, TOO_MANY_OPEN, TRY_LATER, refusal
from bot.channels.web_opening import CHANNEL as CHANNEL
from bot.channels.web_opening import Opening
from bot.channels.web_pages import OpenPages, Socket
from bot.channels.web_session import Opened, Sessions, new_chat_id, same_origin
from bot.channels.web_texts import PageTexts
from bot.engine import Engine
from bot.i18n import N_, I18n, _
from bot.messages import IncomingMessage, OutgoingMessage, Reply
from storage.models import Conversation
from storage.outage import Outage, unreachable
from storage.repository import ConversationStore

logger = logging.getLogger(__name__)

FRAME_LIMIT = 32 * 1024  # larger frames get an error frame; the socket stays open
SOCKET_LIMIT = 64 * 1024  # larger frames close the socket (aiohttp: 1009 message too big)
HEARTBEAT_SECONDS = 25.0
UNAVAILABLE_RETRY = 2.0  # seconds a page waits before it sends a frame again while the database is away
ERRORS = {
    "bad_json": N_("Dat bericht kon ik niet lezen."),
    "bad_frame": N_("Dat bericht kon ik niet lezen."),
    "bad_id": N_("Dat bericht kon ik niet lezen."),
    "too_large": N_("Dat bericht is te lang. Stuur een korter bericht."),
    "server_error": N_("Er ging iets mis. Probeer het nog een keer."),
    "too_fast": N_("Je stuurt te snel berichten. Wacht even en probeer het dan opnieuw."),
    "unavailable": N_("Het lukt even niet om je bericht te bewaren. Het wordt zo vanzelf verstuurd."),
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
        self.outage = Outage(log=logger)
        self.opening = Opening(engine, store, i18n, self.pages)
        self.user_typing: Callable[[str], Awaitable[object]] | None = None  # chat_id → tell the helpdesk

    async def deliver(self, chat_id: str, messages: Sequence[OutgoingMessage]) -> None:
        """Push messages (e.g. from a person of the chat-ondersteuning) to every open page of the chat.

        A chat with no open page gets nothing now: the messages are in its transcript, and the page shows
        them when it comes back.
        """
        group = self.pages.of(chat_id)
        try:
            conversation = await self.store.load(CHANNEL, chat_id) if group else None
            if conversation is None or conversation.id is None:
                logger.info("web chat has no open page here; the pushed messages wait in the transcript")
                return
            entries = await self.store.transcript(conversation.id, after=min(s.seq for s in group))
        except Exception as error:
            if not unreachable(error):
                raise
            self.outage.failed(error, "push")  # the pages get the lines when they come back (resume)
            return
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
        """Open the socket, send what the page lacks, then answer frames until the page goes."""
        if not same_origin(request):
            logger.warning("web socket from another origin refused")
            raise web.HTTPForbidden(text="Other origins may not open this chat.")
        ws = web.WebSocketResponse(max_msg_size=SOCKET_LIMIT, heartbeat=HEARTBEAT_SECONDS, protocols=[frames.PROTOCOL])
        client = self.limits.keys.of(request)
        try:
            opened: Opened | None = await self.sessions.open(request)
        except Exception as error:
            if not unreachable(error):
                raise
            self.outage.failed(error, "socket")
            opened = None
        await ws.prepare(request)
        chat_id = opened.chat_id if opened is not None else None
        socket = Socket(ws, request, chat_id or new_chat_id(), client, self.clock, self.send_seconds)
        socket.session = chat_id is not None
        if opened is None:  # the database is away: the page comes back after a while
            await self._come_back(socket)
            return ws
        if opened.replaced:  # another tab of this browser is trading the ticket for the new cookie
            await ws.close(code=SESSION_CHANGED, message=b"session changed")
            return ws
        if not self.limits.sockets.acquire(client):
            await self._turn_away(socket)
            return ws
        try:
            first = await self.opening.first(socket) if ws.ws_protocol == frames.PROTOCOL else (None, None)
            if first is not None and await self._open_or_wait(socket, first[0]):
                self.pages.add(socket)
                if first[1] is not None:
                    await self._frame(socket, first[1])
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

    async def _open_or_wait(self, socket: Socket, resume: frames.Resume | None) -> bool:
        """Send what the page lacks and give it a new token; False (and closed) when that cannot be done now."""
        try:  # a copy of the cookie that connects later opens nothing (web_session)
            await self.opening.send(socket, resume, lambda: self._rotate(socket, close_others=False))
        except Exception as error:
            if unreachable(error):
                self.outage.failed(error, "open")
            else:
                logger.exception("web chat could not be opened")
            await self._come_back(socket)
            return False
        self.outage.ok()
        return True

    async def _come_back(self, socket: Socket) -> None:
        """Ask the page to wait and come back (close code 1013): the database is away, or the chat failed to open."""
        await self._error(socket, "unavailable", None, retry_after=UNAVAILABLE_RETRY)
        await socket.ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"try again")

    async def _turn_away(self, socket: Socket) -> None:
        """Too many open pages from this network: say so kindly, with the numbers, and close."""
        self.limits.report()
        with self.i18n.use(self.i18n.default):
            said = [frames.outgoing(m) for m in refusal(TOO_MANY_OPEN, self.engine.dialog)]
        await socket.send(self.pages.messages(socket, self.i18n.default, said, reply_to=None))
        await socket.ws.close(code=TRY_LATER, message=b"too many open chats")

    async def _frame(self, socket: Socket, raw: str) -> None:
        if frames.is_typing(raw):
            await self._typing(socket)
            return
        if not socket.bucket.take():
            await self._error(socket, "too_fast", frames.id_of(raw, FRAME_LIMIT), retry_after=socket.bucket.wait())
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
            await self.sessions.touch(chat_id)  # the session is not idle (web_session)
            before = await self.store.load(CHANNEL, chat_id)
            refused = await self._refused(socket, before)
            if refused is not None:
                await socket.send(self.pages.messages(socket, refused[0], refused[1], reply_to=frame.id))
                return
            if before is None:  # the welcome this page shows becomes the start of the stored conversation
                await self.engine.handle(IncomingMessage(CHANNEL, chat_id, locale_hint=socket.hint))
            reply = await self.engine.handle(incoming)
            if reply.forgotten:
                await self._forgotten(socket, reply, frame.id)
                return
            after = await self.store.load(CHANNEL, chat_id)
            assert after is not None and after.id is not None
            group = self.pages.of(chat_id)
            since = socket.seq if reply.duplicate else min((s.seq for s in group), default=socket.seq)
            entries = await self.store.transcript(after.id, after=since)
            screen = await self.engine.screen(CHANNEL, chat_id) if reply.duplicate and entries else []
        except Exception as error:
            if unreachable(error):
                self.outage.failed(error, "frame")
                await self._error(socket, "unavailable", frame.id, retry_after=UNAVAILABLE_RETRY)
            else:
                logger.exception("web chat: frame could not be handled")
                await self._error(socket, "server_error", frame.id, retry_after=UNAVAILABLE_RETRY)
            return
        self.outage.ok()
        socket.saw(entries)
        if reply.duplicate:  # handled before (its answer was lost on the way): what the page still lacks
            lacks = frames.history(entries, screen) if entries else []
            await socket.send(self.pages.messages(socket, after.locale, lacks, reply_to=frame.id, duplicate=True))
            return
        handed_over = reply.handed_over
        if not socket.session or handed_over:  # the ticket first: a page that has its answer has its cookie too
            await self._rotate(socket, close_others=handed_over)
        answer = [frames.outgoing(m) for m in reply.messages]
        await socket.send(self.pages.messages(socket, after.locale, answer, reply_to=frame.id))
        if not handed_over:
            others = [s for s in group if s is not socket]
            await self.pages.catch_up(others, after.locale, entries, reply.messages)

    async def _typing(self, socket: Socket) -> None:
        """The user types: an agent's console may show it (only a stored chat; nothing is answered, nothing kept)."""
        if self.user_typing is None or not socket.session:
            return
        try:
            await self.user_typing(socket.chat_id)
        except Exception as error:
            if not unreachable(error):
                logger.exception("web chat: typing could not be passed on")

    async def _forgotten(self, socket: Socket, reply: Reply, frame_id: str) -> None:
        """The conversation is deleted ("Wis mijn gesprek"): the page clears its chat and shows the last word, and
        the session ends (its row went with the conversation; the chat's pages close and start afresh)."""
        shown = [frames.outgoing(m) for m in reply.messages]
        await socket.send(frames.frame("forgotten", reply_to=frame_id, messages=shown))
        await self.end_session(socket.chat_id)

    async def _refused(
        self, socket: Socket, conversation: Conversation | None
    ) -> tuple[str, list[dict[str, Any]]] | None:
        """(locale, messages) when a limit keeps this frame from being handled; None when it may be."""
        if conversation is None:
            if await self.limits.conversations.take(socket.client):
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
        except Exception as error:  # the old token keeps working (the offer is one transaction)
            if unreachable(error):
                self.outage.failed(error, "rotate")
            else:
                logger.exception("web chat: no new session token could be offered")
            return
        socket.session = True
        await socket.send(frames.frame("rotate", ticket=ticket))
        if close_others:
            for other in self.pages.of(socket.chat_id):
                if other is not socket:
                    self.pages.close(other, SESSION_CHANGED, b"session changed")

    async def _error(self, socket: Socket, code: str, frame_id: str | None, *, retry_after: float = 0.0) -> None:
        """An error frame in the page's language (asks nothing of the database: it may be why we are here)."""
        with self.i18n.use(socket.lang or self.i18n.default):
            text = _(ERRORS[code])
        retry = code in frames.RETRY
        fields = {"reply_to": frame_id, "retry": retry, "retry_after": round(retry_after, 2) if retry else 0}
        await socket.send(frames.frame("error", code=code, message=text, **fields))
