"""Live events across the worker processes of one PostgreSQL database (issue 12, "Several workers").

A web-chat user connected to worker A and the agent's console connected to worker B talk live both ways, and
every console sees queue changes made by any worker. Each worker fans out to its own sockets first (as with one
process), then tells the others through PostgreSQL ``NOTIFY`` on the channel ``wegwijzer_live``
(``storage.notify``: one LISTEN connection per worker, sends after the turn's commit). A payload is JSON with
this process's ``origin`` (a uuid; a worker skips its own notifications, it has fanned them out already) and
one of these ``kind``s:

- ``event``: a console event as the bus got it (``LiveBus.publish``/``broadcast``); the receiving worker hands
  it to its consoles (``publish_here``/``broadcast_here``). An event too large for a notification (PostgreSQL
  takes under 8000 bytes; a long message and its Dutch original can be more) goes as ``refresh`` instead: the
  consoles watching that conversation read it again (``console.js``).
- ``queue``: the queue changed. The queue itself is not sent (it can be long): each worker with consoles reads
  it from the database, once for a burst of changes, in its own clock.
- ``push``: the hub pushed messages to a web chat. Only the worker holding that chat's sockets acts: its
  ``WebChannel.deliver`` sends each page the transcript lines after its ``seq`` (the database is the truth;
  the messages come along when they fit, so buttons and the author's name look as on the worker that sent
  them). Every push is told, also when this worker has sockets of the chat: another tab may be elsewhere.
- ``typing``: someone types in a web chat held by another worker.

After the LISTEN connection was lost (a database restart) and is back, the worker reads again what it may have
missed: the queue, the conversations its consoles watch (``refresh``) and the lines its web pages lack. On
SQLite (one process) there is no relay: the bus and the hub stay in memory, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.appkeys import DATABASE, HELPDESK, HUB
from bot.channels.web import WEB_CHANNEL
from bot.channels.web_opening import CHANNEL as WEB
from bot.channels.web_socket import WebChannel
from bot.helpdesk.desk import Helpdesk
from bot.helpdesk.live import Event
from bot.helpdesk.queue_rows import queue_json
from bot.messages import OutgoingMessage
from bot.outbox import decode, encode
from storage.notify import Notifications, fits

logger = logging.getLogger(__name__)

__all__ = ["CHANNEL", "LIVE_RELAY", "LiveRelay", "live_relay"]

CHANNEL = "wegwijzer_live"
RELAYED = frozenset({WEB})  # channels whose connections live in one process

Job = Callable[[], Awaitable[None]]


class LiveRelay:
    """The ``relay`` of the helpdesk's ``LiveBus`` and of the ``ChannelHub`` (their protocols)."""

    def __init__(self, desk: Helpdesk, web_channel: WebChannel | None, engine: AsyncEngine) -> None:
        self.origin = uuid.uuid4().hex
        self.desk = desk
        self.web = web_channel
        self.notifications = Notifications(engine, CHANNEL, self._received, self._read_again)
        self._jobs: asyncio.Queue[Job] = asyncio.Queue()
        self._queue_pending = False
        self._worker: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._worker = asyncio.create_task(self._work(), name="wegwijzer-live-relay")
        await self.notifications.start()

    async def stop(self) -> None:
        await self.notifications.stop()
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    # --- out: what this worker did ------------------------------------------------------------------

    def publish(self, conversation_id: int, event: Event) -> None:
        self._send({"kind": "event", "conversation": conversation_id, "event": event}, "refresh", conversation_id)

    def broadcast(self, event: Event) -> None:
        if event.get("type") == "queue":
            self._send({"kind": "queue"})
        else:
            self._send({"kind": "event", "event": event})

    def pushed(self, channel: str, chat_id: str, messages: Sequence[OutgoingMessage]) -> None:
        if channel in RELAYED:
            self._send({"kind": "push", "chat": chat_id, "messages": [encode(m) for m in messages]}, "push", chat_id)

    def typing(self, channel: str, chat_id: str) -> None:
        if channel in RELAYED:
            self._send({"kind": "typing", "chat": chat_id})

    def _send(self, data: dict[str, Any], smaller: str | None = None, about: int | str | None = None) -> None:
        """Notify the other workers; when ``data`` is too large, the ``smaller`` kind that makes them read it."""
        payload = _dump({"origin": self.origin, **data})
        if not fits(payload) and smaller == "refresh":
            payload = _dump({"origin": self.origin, "kind": "refresh", "conversation": about})
        elif not fits(payload) and smaller == "push":
            payload = _dump({"origin": self.origin, "kind": "push", "chat": about, "messages": []})
        self.notifications.send(payload)

    # --- in: what another worker did ----------------------------------------------------------------

    def _received(self, payload: str) -> None:
        data = json.loads(payload)
        if not isinstance(data, dict) or data.get("origin") == self.origin:
            return
        kind = data.get("kind")
        bus = self.desk.bus
        if kind == "event" and isinstance(data.get("event"), dict):
            conversation = data.get("conversation")
            if conversation is None:
                bus.broadcast_here(data["event"])
            else:
                bus.publish_here(int(conversation), data["event"])
        elif kind == "refresh":
            bus.publish_here(int(data["conversation"]), {"type": "refresh"})
        elif kind == "queue":
            self._queue_changed()
        elif kind in ("push", "typing") and self._holds(chat := str(data.get("chat"))):
            if kind == "typing":
                self._later(functools.partial(self._typing, chat))
            else:
                messages = [decode(m) for m in data.get("messages", ()) if isinstance(m, dict)]
                self._later(functools.partial(self._push, chat, messages))

    def _holds(self, chat_id: str) -> bool:
        return self.web is not None and bool(self.web.pages.of(chat_id))

    def _queue_changed(self) -> None:
        if not self._queue_pending:  # one read for a burst of changes
            self._queue_pending = True
            self._later(self._read_queue)

    async def _read_queue(self) -> None:
        self._queue_pending = False  # a change from now on reads again
        if not self.desk.bus.connected_agents():
            return
        items = await self.desk.handoffs.queue()
        now = self.desk.clock()
        self.desk.bus.broadcast_here({"type": "queue", "items": [queue_json(item, now) for item in items]})

    async def _push(self, chat_id: str, messages: Sequence[OutgoingMessage]) -> None:
        if self.web is not None and self.web.pages.of(chat_id):
            await self.web.deliver(chat_id, messages)

    async def _typing(self, chat_id: str) -> None:
        if self.web is not None:
            await self.web.typing(chat_id)

    async def _read_again(self) -> None:
        """After the LISTEN connection was away: what this worker's consoles and pages may have missed."""
        self._queue_changed()
        for conversation in self.desk.bus.watched():
            self.desk.bus.publish_here(conversation, {"type": "refresh"})
        if self.web is not None:
            for chat_id in list(self.web.sockets):
                self._later(functools.partial(self._push, chat_id, []))

    def _later(self, job: Job) -> None:
        self._jobs.put_nowait(job)

    async def _work(self) -> None:
        """One job after the other, in the order the notifications came."""
        while True:
            job = await self._jobs.get()
            try:
                await job()
            except Exception as error:  # its type only: never what a user wrote
                logger.warning("live events: another worker's event could not be passed on (%s)", type(error).__name__)


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)


LIVE_RELAY = web.AppKey("live_relay", LiveRelay)


async def live_relay(app: web.Application) -> AsyncIterator[None]:
    """On PostgreSQL: live events to and from the other workers (after the helpdesk and the web channel)."""
    engine = app[DATABASE]
    if engine.dialect.name != "postgresql":
        yield
        return
    desk, hub = app[HELPDESK], app[HUB]
    relay = LiveRelay(desk, app.get(WEB_CHANNEL), engine)
    desk.bus.relay = relay
    hub.relay = relay
    app[LIVE_RELAY] = relay
    await relay.start()
    try:
        yield
    finally:
        desk.bus.relay = None
        hub.relay = None
        await relay.stop()
