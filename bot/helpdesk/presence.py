"""What the user is doing, as the consoles see it: typing, and back after having left.

The other states come with the hand-off's lifecycle (``Helpdesk``): ``status`` ``ended`` with ``reason``
``user_left`` (and ``how``: ``stop``, ``left_queue``, ``quick_exit``, ``new_chat``, ``expired``) or
``user_deleted``. This module adds the two that change nothing in the lifecycle; both are ``user`` events on
the conversation (``bot.helpdesk.live``), with no text:

- ``{"type": "user", "state": "typing"}``: the user types in the web chat (its page sends a ``typing`` frame,
  at most every few seconds; ``bot.channels.web_frames``). Told only while the conversation has an open
  hand-off, at most once per ``TYPING_EVERY`` per chat, whatever the pages send. Telegram does not tell bots
  that a user types, so Telegram chats never show it.
- ``{"type": "user", "state": "back"}``: the user writes again after having left (``stop``, "Niet meer
  wachten"), within ``BACK_WITHIN``: the console still open on that chat says the user is back, with the bot
  (the hand-off stays ended; asking for a person again queues the conversation anew). Once per hand-off in a
  process. After Snel weg, a new chat or an expired session nothing comes back: that browser has a new
  conversation.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.helpdesk.live import LiveBus
from storage.handoffs import HANDOFFS, HandoffStore
from storage.models import Conversation, Handoff
from storage.repository import ConversationStore
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

TYPING_EVERY = 3.0  # seconds: the consoles hear of a chat's typing at most this often
BACK_WITHIN = timedelta(hours=2)  # after this, nobody is looking at that chat any more
REMEMBERED = 10_000  # chats (typing) and hand-offs (back) remembered, the oldest forgotten first
LEFT = frozenset({"user_left"})  # outcomes after which the same conversation can come back


async def last_handoff(conn: AsyncConnection, conversation_id: int) -> Handoff | None:
    """The conversation's latest request for a person, open or ended."""
    row = (
        await conn.execute(
            select(HANDOFFS)
            .where(HANDOFFS.c.conversation_id == conversation_id)
            .order_by(HANDOFFS.c.id.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else Handoff(**row._mapping)


class UserPresence:
    def __init__(
        self,
        bus: LiveBus,
        conversations: ConversationStore,
        handoffs: HandoffStore,
        clock: Callable[[], datetime],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bus = bus
        self.conversations = conversations
        self.handoffs = handoffs
        self.clock = clock
        self.monotonic = monotonic
        self._typed: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._back: OrderedDict[int, None] = OrderedDict()

    async def typing(self, channel: str, chat_id: str) -> bool:
        """The user types: the consoles of the conversation's open hand-off hear it; False when nobody is told."""
        now = self.monotonic()
        key = (channel, chat_id)
        last = self._typed.get(key)
        if last is not None and now - last < TYPING_EVERY:
            return False
        _remember(self._typed, key, now)
        conversation = await self.conversations.load(channel, chat_id)
        if conversation is None or conversation.id is None:
            return False
        if await self.handoffs.open_for(conversation.id) is None:
            return False
        self.bus.publish(conversation.id, {"type": "user", "state": "typing", "at": self.clock().isoformat()})
        return True

    def wrote(self, channel: str, chat_id: str) -> None:
        """The user sent a message (the console stops showing "typt…"): the next sign of typing is news again."""
        self._typed.pop((channel, chat_id), None)

    async def back(self, work: UnitOfWork, conversation: Conversation) -> None:
        """The user wrote with no open hand-off: if they had left one a moment ago, its console hears they are back."""
        if conversation.id is None or conversation.handoff_requested_at is None:
            return  # never asked for a person: nothing to look up
        handoff = await last_handoff(work.conn, conversation.id)
        if handoff is None or handoff.id is None or handoff.status != "ended" or handoff.outcome not in LEFT:
            return
        if handoff.id in self._back or handoff.ended_at is None or self.clock() - handoff.ended_at > BACK_WITHIN:
            return
        _remember(self._back, handoff.id, None)
        event = {"type": "user", "state": "back", "handoff": handoff.id, "at": self.clock().isoformat()}
        conversation_id = conversation.id
        logger.info("conversation %s: the user is back after leaving hand-off %s", conversation_id, handoff.id)

        async def publish() -> None:
            self.bus.publish(conversation_id, event)

        work.after_commit(publish)


def _remember(memory: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    memory[key] = value
    memory.move_to_end(key)
    while len(memory) > REMEMBERED:
        memory.popitem(last=False)
