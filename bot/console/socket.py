"""The console's WebSocket: the queue for everyone, live messages of the conversation an agent has open, and
notices (no text) of the agent's other live chats, for the list beside the open one (``bot.helpdesk.live``).

Server → browser only (agent actions are CSRF-checked POSTs). The queue goes out in each agent's own order
(``queue_order``: crisis, then the languages they speak, as recorded when the socket opened), and a ``refresh``
of the watched conversation when it has lines the page lacks (``_missed``). Right after the
first queue comes how many call-back requests wait (``bot.helpdesk.callback_events``; their changes follow as
they happen), for the chat-ondersteuning only (roles ``agent`` and ``admin``). The socket is
the agent's heartbeat too: while it is open their live conversations stay theirs; when it has been gone for
the disconnect timeout, the watchdog gives those conversations back to the queue.

A socket lives no longer than its session: logging out closes it (code 4401, ``sockets``), and every
heartbeat checks the session first (without counting as activity), so an expired session or a
deactivated agent neither hears the users nor keeps their conversations.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import WSMsgType, web

from bot.appkeys import HELPDESK, SETTINGS, STORE
from bot.console.access import Access, may_read
from bot.console.auth import AGENT, SESSION, same_origin
from bot.console.ids import parse_id
from bot.console.keys import AGENTS, SOCKETS
from bot.console.login import session_cutoffs
from bot.console.nav_counts import STAFF
from bot.console.queue_order import for_agent
from bot.helpdesk.callback_events import EVENT as CALLBACKS
from bot.helpdesk.callback_events import waiting_event
from bot.helpdesk.live import Event, Subscription
from bot.helpdesk.queue_rows import queue_json
from storage.callbacks import CallbackStore

logger = logging.getLogger(__name__)


async def handle(request: web.Request) -> web.WebSocketResponse:
    if not same_origin(request):
        raise web.HTTPForbidden(text="Andere herkomst.")
    agent = request[AGENT]
    session = request[SESSION].token_hash
    assert agent.id is not None
    desk = request.config_dict[HELPDESK]
    socket = web.WebSocketResponse(heartbeat=20)
    sockets = request.config_dict[SOCKETS]
    # Subscribed, watching and tracking before the handshake completes: whatever happens once the browser has
    # its socket (a claim it sends at once, a user's next line) is already queued for it, never lost in between.
    with desk.bus.subscribe(agent.id) as subscription:
        watch = parse_id(request.query.get("watch", ""))  # ASCII digits, bounded: never '²' nor 30 digits
        if watch is not None and await may_read(request, watch) is Access.OPEN and await desk.handoffs.open_for(watch):
            subscription.watching.add(watch)  # only a conversation that exists and has an open hand-off
            await request.config_dict[AGENTS].audit(agent.id, watch, "watch_live", desk.clock())
        now = desk.clock()
        await desk.handoffs.touch(agent.id, now)  # present from the first moment
        languages = frozenset(agent.languages)
        items = [queue_json(i, now) for i in await desk.handoffs.queue()]
        subscription.track(items)  # the agent's live chats: their notices from now on
        staff = agent.role in STAFF
        first: list[Event] = [{"type": "queue", "items": for_agent(items, languages)}]
        if watch in subscription.watching and await _missed(request, watch):
            first.append({"type": "refresh", "conversation": watch})
        if staff:  # read after subscribing: a request made from now on is told as well
            first.append(waiting_event(await CallbackStore(request.config_dict[STORE].engine).waiting()))
        await socket.prepare(request)
        sockets.add(session, socket)
        sender = asyncio.create_task(_send(socket, subscription, languages, first, staff))
        beat = asyncio.create_task(_heartbeat(request, agent.id, session))
        try:
            async for message in socket:
                if message.type is WSMsgType.ERROR:
                    break
        finally:
            sender.cancel()
            beat.cancel()
            for task in (sender, beat):
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            sockets.discard(session, socket)
    logger.debug("console socket of agent %s closed", agent.id)
    return socket


async def _missed(request: web.Request, conversation_id: int) -> bool:
    """Whether the watched conversation has lines the page lacks: it says the last one it has (``after``, its
    transcript's ``data-last``); lines written between the page's render and this subscription, or while its
    socket was away, reached no socket, so the page reads its transcript again (a ``refresh``)."""
    after = parse_id(request.query.get("after", ""))
    if after is None:
        return False
    return bool(await request.config_dict[HELPDESK].conversations.transcript(conversation_id, after=after))


async def _send(
    socket: web.WebSocketResponse,
    subscription: Subscription,
    languages: frozenset[str],
    first: list[Event],
    staff: bool,
) -> None:
    """What was true when the socket opened (the queue, the call-backs waiting), then every event in the order
    the bus put them (call-backs only to the chat-ondersteuning)."""
    for event in first:
        if socket.closed:
            return
        await socket.send_json(event)
    while True:
        event = await subscription.events.get()
        if socket.closed:
            return
        if event.get("type") == CALLBACKS and not staff:
            continue
        if event.get("type") == "queue":  # one queue for all; each agent sees their languages first
            event = {**event, "items": for_agent(event["items"], languages)}
        await socket.send_json(event)


async def _heartbeat(request: web.Request, agent_id: int, session: str) -> None:
    """While the session lives, keep the agent's live conversations theirs; when it ends, close up."""
    while True:
        await asyncio.sleep(max(1.0, request.config_dict[SETTINGS].agent_disconnect_timeout_seconds / 3))
        try:
            if not await beat(request, agent_id, session):
                return
        except Exception:
            logger.exception("could not mark agent %s as present", agent_id)


async def beat(request: web.Request, agent_id: int, session: str) -> bool:
    """One heartbeat: False (and the session's sockets closed) when the session has ended."""
    app = request.config_dict
    desk = app[HELPDESK]
    idle_since, started_since = session_cutoffs(app, desk.clock())
    if not await app[AGENTS].session_alive(session, idle_since, started_since):
        app[SOCKETS].close_session(session)
        return False
    await desk.handoffs.touch(agent_id, desk.clock())
    return True
