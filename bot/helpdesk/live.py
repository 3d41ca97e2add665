"""Live events for the console: the queue for everyone, a conversation's events for those watching it, and a short
notice of them to the agent whose live chat it is.

The bus fans out to this process's console sockets; with several workers on PostgreSQL its ``relay``
(``bot.live_relay``) tells the other workers too, which fan out to theirs (``publish_here``,
``broadcast_here``). Without a relay (SQLite, one process) it is in memory only. The database stays the
truth (a reconnecting console reads it again).

What a console socket hears of a conversation:

- the one it has open (``Subscription.watching``): every event, with the texts;
- the other chats live with its agent (``Subscription.mine``, kept from each queue event, so a claim or a
  transfer counts at once): a ``notice`` of each event without any text, enough for the list of the agent's
  chats (an unread count, "typt…", "weggegaan") and an announcement that names no words of the user;
- any other: nothing.

Conversation events (all carry ``conversation``): ``message`` (sender, text, at), ``note``, ``status``
(queued | live | ended, with ``reason`` and, when the user left, ``how``), ``crisis``, ``user`` (``state``:
``typing`` or ``back``, see ``bot.helpdesk.presence``) and ``refresh`` (read the page again).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

logger = logging.getLogger(__name__)

Event = dict[str, Any]
BACKLOG = 256
# What the agent's other chats pass on: per event type, the fields kept (None: all, for events without text).
NOTICE_FIELDS: dict[str, tuple[str, ...] | None] = {
    "message": ("type", "conversation", "sender", "at"),
    "status": None,
    "user": None,
}


def notice(event: Event) -> Event | None:
    """``event`` as an agent's other chats pass it on (never a text), or None when they do not pass it on."""
    kind = event.get("type")
    if kind not in NOTICE_FIELDS:
        return None
    fields = NOTICE_FIELDS[kind]
    short = dict(event) if fields is None else {key: event[key] for key in fields if key in event}
    short["notice"] = True
    return short


class Subscription:
    """What one console socket receives: queue events always, conversation events for what it watches, and
    notices of the other chats live with its agent."""

    def __init__(self, agent_id: int) -> None:
        self.agent_id = agent_id
        self.watching: set[int] = set()
        self.mine: set[int] = set()  # conversations live with this agent (from the queue events)
        self.events: asyncio.Queue[Event] = asyncio.Queue(BACKLOG)

    def put(self, event: Event) -> None:
        try:
            self.events.put_nowait(event)
        except asyncio.QueueFull:
            logger.warning("console socket of agent %s is not reading; dropping an event", self.agent_id)

    def track(self, items: Iterable[Event]) -> None:
        """Keep ``mine`` true to a queue (rows as ``queue_json`` makes them)."""
        self.mine = {
            int(item["conversation"])
            for item in items
            if item.get("status") == "live" and item.get("agent_id") == self.agent_id
        }


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
        """To the consoles watching the conversation (and a notice to its agent's others), of every worker."""
        self.publish_here(conversation_id, event)
        if self.relay is not None:
            self.relay.publish(conversation_id, event)

    def broadcast_here(self, event: Event) -> None:
        queue = event.get("items") if event.get("type") == "queue" else None
        for subscription in list(self._subscriptions):
            if isinstance(queue, list):
                subscription.track(queue)
            subscription.put(event)

    def publish_here(self, conversation_id: int, event: Event) -> None:
        event = {**event, "conversation": conversation_id}
        short: Event | None = None
        for subscription in list(self._subscriptions):
            if conversation_id in subscription.watching:
                subscription.put(event)
            elif conversation_id in subscription.mine:
                short = short or notice(event)
                if short is not None:
                    subscription.put(short)

    def watched(self) -> set[int]:
        """The conversations this process's consoles watch."""
        return {c for s in self._subscriptions for c in s.watching}

    def connected_agents(self) -> set[int]:
        return {s.agent_id for s in self._subscriptions}
