"""Where messages go that nobody asked for right now (an agent's reply, a queue update).

Each channel registers a ``Deliverer`` under its name at start-up; the hand-off pushes through the hub,
so it never needs to know Telegram or WebSocket types.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from bot.messages import OutgoingMessage

logger = logging.getLogger(__name__)


class Deliverer(Protocol):
    async def deliver(self, chat_id: str, messages: Sequence[OutgoingMessage]) -> None:
        """Send ``messages`` to one chat of this channel now."""

    async def typing(self, chat_id: str) -> None:
        """Show the user that someone is typing (Telegram: sendChatAction)."""


class ChannelHub:
    def __init__(self) -> None:
        self._channels: dict[str, Deliverer] = {}

    def register(self, channel: str, deliverer: Deliverer) -> None:
        self._channels[channel] = deliverer

    def unregister(self, channel: str) -> None:
        self._channels.pop(channel, None)

    async def deliver(self, channel: str, chat_id: str, messages: Sequence[OutgoingMessage]) -> bool:
        """Push to a chat; False (and a log line) when the channel is not running."""
        deliverer = self._channels.get(channel)
        if deliverer is None:
            logger.warning("no running channel '%s' to deliver to", channel)
            return False
        await deliverer.deliver(chat_id, messages)
        return True

    async def typing(self, channel: str, chat_id: str) -> None:
        deliverer = self._channels.get(channel)
        if deliverer is not None:
            await deliverer.typing(chat_id)
