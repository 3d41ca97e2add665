"""Live events for the console: the queue for everyone, a conversation's messages for those watching it.

The bus fans out to this process's console sockets; with several workers on PostgreSQL its ``relay``
(``bot.live_relay``) tells the other workers too, which fan out to theirs (``publish_here``,
``broadcast_here``). Without a relay (SQLite, one process) it is in memory only. The database stays the
truth (a reconnecting console reads it again).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

logger = logging.getLogger(__name__)

Event = dict[str, Any]
BACKLOG = 256


class Subscription:
    """What one console socket receives: queue events always, conversation events for what it watches."""

    def __init__(self, agent_id: int) -> None:
        self.agent_id = agent_id
        self.watching: set[int] = set()
        self.events: asyncio.Queue[Event] = asyncio.Queue(BACKLOG)

    def put(self, event: Event) -> None:
        try:
            self.events.put_nowait(event)
        except asyncio.QueueFull:
            logger.warning("console socket of agent %s is not reading; dropping an event", self.agent_id)


class BusRelay(Protocol):
    """Passes the bus's events to the other workers (``bot.live_relay``)."""

    def publish(self, conversation_id: int, event: Event) -> None: ...

    def broadcast(self, event: Event) -> None: ...


class LiveBus:
    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()
        self.relay: BusRelay | None = None

    @contextmanager
    def subscribe(self, agent_id: int) -> Iterator[Subscription]:
        subscription = Subscription(agent_id)
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)

    def broadcast(self, event: Event) -> None:
        """To every console, of every worker."""
        self.broadcast_here(event)
        if self.relay is not None:
            self.relay.broadcast(event)

    def publish(self, conversation_id: int, event: Event) -> None:
        """To the consoles watching the conversation, of every worker."""
        self.publish_here(conversation_id, event)
        if self.relay is not None:
            self.relay.publish(conversation_id, event)

    def broadcast_here(self, event: Event) -> None:
        for subscription in list(self._subscriptions):
            subscription.put(event)

    def publish_here(self, conversation_id: int, event: Event) -> None:
        event = {**event, "conversation": conversation_id}
        for subscription in list(self._subscriptions):
            if conversation_id in subscription.watching:
                subscription.put(event)

    def watched(self) -> set[int]:
        """The conversations this process's consoles watch."""
        return {c for s in self._subscriptions for c in s.watching}

    def connected_agents(self) -> set[int]:
        return {s.agent_id for s in self._subscriptions}
