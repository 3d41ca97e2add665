"""Where messages go that nobody asked for right now (an agent's reply, a queue update).

Each channel registers a ``Deliverer`` under its name at start-up; the hand-off pushes through the hub,
so it never needs to know Telegram or WebSocket types. With several workers the ``relay``
(``bot.live_relay``) tells the other workers of each push and typing, for the chats whose connections live
in another process (the web chat's sockets).
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


class HubRelay(Protocol):
    def pushed(self, channel: str, chat_id: str, messages: Sequence[OutgoingMessage]) -> None:
        """Tell the other workers that ``messages`` were pushed to a chat (they catch up their connections)."""

    def typing(self, channel: str, chat_id: str) -> None:
        """Tell the other workers that someone types in a chat."""


class ChannelHub:
    def __init__(self) -> None:
        self._channels: dict[str, Deliverer] = {}
        self.relay: HubRelay | None = None

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
        if self.relay is not None:
            self.relay.pushed(channel, chat_id, messages)
        await deliverer.deliver(chat_id, messages)
        return True

    async def typing(self, channel: str, chat_id: str) -> None:
        deliverer = self._channels.get(channel)
        if deliverer is not None:
            if self.relay is not None:
                self.relay.typing(channel, chat_id)
            await deliverer.typing(chat_id)
