"""The helpdesk as the gate and the user's side meet it: estimates, opening hours, and what the user does to a
hand-off (writes, danger, leaves, deletes), told to the consoles once the user's turn is committed.

``Helpdesk`` (``bot.helpdesk.desk``) is this plus the agents' actions.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.helpdesk.hours import OpeningHours
from bot.helpdesk.live import Event, LiveBus
from bot.helpdesk.queue_rows import queue_json
from bot.metrics import Metrics
from storage.handoffs import HandoffStore
from storage.models import Handoff
from storage.monitoring import about
from storage.unit_of_work import Turns, UnitOfWork

logger = logging.getLogger(__name__)

RECENT_WAITS = timedelta(days=7)


class UserSide:
    """What the gate and the user's channels ask of the helpdesk (the attributes come from ``Helpdesk``)."""

    handoffs: HandoffStore
    hours: OpeningHours
    turns: Turns
    bus: LiveBus
    clock: Callable[[], datetime]
    metrics: Metrics

    async def estimate(self) -> timedelta | None:
        """The median wait of recently claimed requests; None when there are none to go by."""
        waits = await self.handoffs.recent_waits(self.clock(), RECENT_WAITS)
        return timedelta(seconds=statistics.median(w.total_seconds() for w in waits)) if waits else None

    def opening(self, locale: str) -> tuple[str | None, str | None]:
        moment = self.hours.next_opening(self.clock())
        return (None, None) if moment is None else self.hours.describe(moment, locale)

    async def queue_changed(self) -> None:
        items = await self.handoffs.queue()
        self.bus.broadcast({"type": "queue", "items": [queue_json(item, self.clock()) for item in items]})

    def user_wrote(self, work: UnitOfWork, handoff: Handoff, text: str) -> None:
        """Show a user's message live to the agents watching, once the turn that saves it is committed."""
        event = {"type": "message", "sender": "user", "text": text, "at": self.now_iso()}
        self._publish(work, handoff.conversation_id, event)

    def queued(self, work: UnitOfWork, conversation_id: int) -> None:
        """A new request: the consoles hear of it once the turn is committed."""
        self._publish(work, conversation_id, {"type": "status", "status": "queued"})
        work.after_commit(self.queue_changed)

    async def crisis(self, work: UnitOfWork, handoff: Handoff, kind: str) -> None:
        """The user wrote of danger: Crisis in the queue (at the front) and an alert on the open chat at once."""
        assert handoff.id is not None
        await work.handoffs.mark_crisis(handoff.id)
        handoff.crisis = True
        logger.info("hand-off %s: crisis words (%s); flagged for the agents", handoff.id, kind)
        alert = {"type": "crisis", "kind": kind, "handoff": handoff.id, "at": self.now_iso()}
        self._publish(work, handoff.conversation_id, alert)
        if handoff.agent_id is not None:
            agent_alert = {**alert, "conversation": handoff.conversation_id, "agent_id": handoff.agent_id}
            work.after_commit(lambda: self._broadcast(agent_alert))
        work.after_commit(self.queue_changed)

    async def user_left(self, work: UnitOfWork, handoff: Handoff, how: str = "stop") -> None:
        """The user left (``how``: stop, left_queue, quick_exit, new_chat, expired): the hand-off ends; the console
        hears how."""
        assert handoff.id is not None
        if await work.handoffs.end(handoff.id, None, "user_left", now=self.clock()):
            event = {"type": "status", "status": "ended", "reason": "user_left", "how": how}
            self._publish(work, handoff.conversation_id, event)
            conversation = await work.load()
            work.count(about(conversation, "handoff_outcome", node="user_left"))
            self.metrics.handoff_ended("user_left", work)
            work.after_commit(self.queue_changed)

    async def user_deleted(self, work: UnitOfWork, handoff: Handoff) -> None:
        """The user deleted the conversation (/vergeet): the hand-off ends (``deleted``); the console hears it.

        Nothing is counted about it here: the conversation and its hand-offs are deleted in the same unit of work.
        """
        assert handoff.id is not None
        if await work.handoffs.end(handoff.id, None, "user_deleted", now=self.clock(), trigger="deleted"):
            event = {"type": "status", "status": "ended", "reason": "user_deleted"}
            self.metrics.handoff_ended("user_deleted", work)
            self._publish(work, handoff.conversation_id, event)
            work.after_commit(self.queue_changed)

    async def session_ended(self, channel: str, chat_id: str, how: str = "expired") -> None:
        """The user's session is gone (web chat: Snel weg ``quick_exit``, Nieuw gesprek ``new_chat``, idle
        ``expired``): an open hand-off ends, user_left."""
        async with self.turns.open(channel, chat_id) as work:
            conversation = await work.load()
            if conversation is None or conversation.id is None:
                return
            handoff = await work.handoffs.open_for(conversation.id)
            if handoff is None or (handoff.status == "queued" and handoff.after_hours):
                return  # a message left outside opening hours is meant for later: it stays for the agents
            await self.user_left(work, handoff, how)

    def _publish(self, work: UnitOfWork, conversation_id: int | None, event: Event) -> None:
        """Tell the consoles watching the conversation, once the unit of work is committed."""
        if conversation_id is None:
            return
        target = conversation_id

        async def publish() -> None:
            self.bus.publish(target, event)

        work.after_commit(publish)

    async def _broadcast(self, event: Event) -> None:
        self.bus.broadcast(event)

    def now_iso(self) -> str:
        return self.clock().isoformat()
