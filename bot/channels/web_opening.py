"""What a page gets when it opens its socket: the whole chat, or only the lines it missed.

A page that speaks ``web_frames.PROTOCOL`` says first what it has (a ``resume`` frame: the ``seq`` and the
``chat`` of the last frame it got). When that is this chat, it gets only the lines after ``seq`` (with the
current screen's buttons when there are new lines); otherwise, and for a page that does not say, the whole
chat. A page with no stored conversation gets the welcome, and nothing is stored (``Engine.welcome``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import WSMsgType

from bot.channels import web_frames as frames
from bot.channels.web_pages import OpenPages, Socket
from bot.engine import Engine
from bot.i18n import I18n
from storage.repository import ConversationStore

logger = logging.getLogger(__name__)

CHANNEL = "web"
RESUME_SECONDS = 10.0  # a page that speaks ``frames.PROTOCOL`` says at once what it has; else it gets everything


class Opening:
    """The first frames of a socket: the page's ``resume``, then the ``history`` it lacks."""

    def __init__(self, engine: Engine, store: ConversationStore, i18n: I18n, pages: OpenPages) -> None:
        self.engine = engine
        self.store = store
        self.i18n = i18n
        self.pages = pages

    async def first(self, socket: Socket) -> tuple[frames.Resume | None, str | None] | None:
        """What a page that speaks ``frames.PROTOCOL`` has (its ``resume`` frame), and a frame that came instead.

        None when the page went away first; a page that says nothing in ``RESUME_SECONDS`` gets everything.
        """
        try:
            msg = await socket.ws.receive(timeout=RESUME_SECONDS)
        except TimeoutError:
            return None, None
        if msg.type is not WSMsgType.TEXT:
            return None
        resume = frames.parse_resume(msg.data)
        return (resume, None) if resume is not None else (None, msg.data)

    async def send(self, socket: Socket, resume: frames.Resume | None, session: Callable[[], Awaitable[None]]) -> None:
        """Send the conversation so far, or only what the page missed.

        A page without one gets the welcome, and nothing is stored. A stored one is given its new session
        (``session``, the ``rotate`` frame) before any of it: a page that has what it missed has its cookie
        ticket too, however soon after the connection drops again.
        """
        tag = frames.chat_tag(socket.chat_id)
        conversation = await self.store.load(CHANNEL, socket.chat_id) if socket.session else None
        if conversation is None or conversation.id is None:
            socket.welcome = await self.engine.welcome(CHANNEL, socket.chat_id, socket.hint)
            socket.lang = self.i18n.default
            first = [frames.outgoing(m) for m in socket.welcome]
            lang = self.pages.lang(socket.lang, True)
            await socket.send(frames.frame("history", **lang, seq=0, after=0, chat=tag, messages=first))
            return
        socket.lang = conversation.locale
        after = resume.seq if resume is not None and resume.chat == tag else 0
        entries = await self.store.transcript(conversation.id, after=after)
        screen = await self.engine.screen(CHANNEL, socket.chat_id) if entries or not after else []
        socket.seq = after
        socket.saw(entries)
        shown = frames.history(entries, screen) if entries or not after else []
        await session()
        lang = self.pages.lang(socket.lang, True)
        await socket.send(frames.frame("history", **lang, seq=socket.seq, after=after, chat=tag, messages=shown))
