"""The console's WebSocket: the queue for everyone, live messages of the conversation an agent has open.

Server → browser only (agent actions are CSRF-checked POSTs). The socket is the agent's heartbeat too:
while it is open their live conversations stay theirs; when it has been gone for the disconnect timeout,
the watchdog gives those conversations back to the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import WSMsgType, web

from bot.appkeys import HELPDESK, SETTINGS
from bot.console.auth import AGENT, same_origin
from bot.console.keys import AGENTS, SOCKETS
from bot.helpdesk.desk import queue_json
from bot.helpdesk.live import Subscription

logger = logging.getLogger(__name__)


async def handle(request: web.Request) -> web.WebSocketResponse:
    if not same_origin(request):
        raise web.HTTPForbidden(text="Andere herkomst.")
    agent = request[AGENT]
    assert agent.id is not None
    desk = request.config_dict[HELPDESK]
    socket = web.WebSocketResponse(heartbeat=20)
    await socket.prepare(request)
    sockets = request.app[SOCKETS]
    sockets.add(socket)
    with desk.bus.subscribe(agent.id) as subscription:
        watch = request.query.get("watch", "")
        if watch.isdigit():
            subscription.watching.add(int(watch))
            await request.config_dict[AGENTS].audit(agent.id, int(watch), "watch_live", desk.clock())
        now = desk.clock()
        await desk.handoffs.touch(agent.id, now)  # present from the first moment
        await socket.send_json({"type": "queue", "items": [queue_json(i, now) for i in await desk.handoffs.queue()]})
        sender = asyncio.create_task(_send(socket, subscription))
        beat = asyncio.create_task(_heartbeat(request, agent.id))
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
            sockets.discard(socket)
    logger.debug("console socket of agent %s closed", agent.id)
    return socket


async def _send(socket: web.WebSocketResponse, subscription: Subscription) -> None:
    while True:
        event = await subscription.events.get()
        if socket.closed:
            return
        await socket.send_json(event)


async def _heartbeat(request: web.Request, agent_id: int) -> None:
    """Keep the agent's live conversations theirs while this socket is open."""
    desk = request.config_dict[HELPDESK]
    every = max(1.0, request.config_dict[SETTINGS].agent_disconnect_timeout_seconds / 3)
    while True:
        await asyncio.sleep(every)
        try:
            await desk.handoffs.touch(agent_id, desk.clock())
        except Exception:
            logger.exception("could not mark agent %s as present", agent_id)


async def close_all(console: web.Application) -> None:
    sockets: set[web.WebSocketResponse] = console[SOCKETS]
    for socket in list(sockets):
        await socket.close(code=1001, message=b"server shutdown")
