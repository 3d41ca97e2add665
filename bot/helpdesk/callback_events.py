"""What the consoles hear of call-back requests ("bel me terug", ``bot.helpdesk.callback_request``): how many wait.

One event, to every console of every worker (``LiveBus.broadcast``, which the relay passes on with PostgreSQL):

    {"type": "callbacks", "waiting": 2}               a request changed (claimed, given back, closed, cancelled)
    {"type": "callbacks", "waiting": 3, "new": 17}    a user just made request 17

``waiting`` counts the open requests nobody has claimed (waiting, and "opnieuw proberen" after no answer), read
from the database after the change was committed (a turn's ``after_commit``; the console's own UPDATEs commit
before it is sent). Ids and a count only: never a number, never a word the user wrote. The console shows the count
beside "Terugbellen", announces a new request like a new queue entry, and reads the call-back list again
(``bot/console/static/console.js``). A console that connects gets the count at once (``bot.console.socket``).
"""

from __future__ import annotations

import logging

from bot.helpdesk.live import Event, LiveBus
from storage.callbacks import CallbackStore

logger = logging.getLogger(__name__)

EVENT = "callbacks"


def waiting_event(waiting: int, new: int | None = None) -> Event:
    event: Event = {"type": EVENT, "waiting": waiting}
    if new is not None:
        event["new"] = new
    return event


async def callbacks_changed(bus: LiveBus, callbacks: CallbackStore, new: int | None = None) -> None:
    """Tell every console how many requests wait now (``new``: the id of a request a user just made)."""
    waiting = await callbacks.waiting()
    logger.debug("call-back requests waiting: %s (new: %s)", waiting, new)
    bus.broadcast(waiting_event(waiting, new))
