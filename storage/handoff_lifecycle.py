"""The lifecycle of a request for a person, declared once: the states, the triggers and who may fire them.

    bot ──ask──▶ queued ──claim──▶ live ──end──▶ ended
                   ▲  ◀──requeue── │ (agent sends it back, or the agent's console is gone)
                   └── transfer ───┘ live → live (another agent)
    queued | live ──user_left | cleared | deleted | end──▶ ended

``handoffs.status`` is the only truth of it (``conversations.status`` says only whether the user is talking to the
bot or stopped). One shared ``transitions`` Machine holds the rules; nothing is ever added to it. Storage asks it
which states a trigger may leave (``sources``) and where it leads (``destination``), and writes each change as one
conditional UPDATE (``… WHERE status IN sources``), so a race has exactly one winner, across processes.
``wegwijzer`` draws it into ``docs/lifecycle.md`` (``mermaid``); a test keeps that file current.
"""

from __future__ import annotations

import logging
from typing import Any

from storage.lifecycle import Lifecycle

logger = logging.getLogger(__name__)

BOT, QUEUED, LIVE, ENDED = "bot", "queued", "live", "ended"
OPEN = (QUEUED, LIVE)

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "ask", "source": BOT, "dest": QUEUED},  # "Praat met een mens", an urgent outcome, a left message
    {"trigger": "claim", "source": QUEUED, "dest": LIVE},  # an agent takes it
    {"trigger": "transfer", "source": LIVE, "dest": LIVE},  # to another agent
    {"trigger": "requeue", "source": LIVE, "dest": QUEUED},  # back to the queue, at the place first earned
    {"trigger": "agent_gone", "source": LIVE, "dest": QUEUED},  # the agent's console is gone too long
    {"trigger": "end", "source": LIVE, "dest": ENDED},  # the agent ends it with an outcome
    {"trigger": "user_left", "source": list(OPEN), "dest": ENDED},  # stop, "Niet meer wachten", Snel weg
    {"trigger": "cleared", "source": QUEUED, "dest": ENDED},  # an agent cleared an obviously fake entry
    {"trigger": "closed", "source": list(OPEN), "dest": ENDED},  # an admin ends any open one
    {"trigger": "deleted", "source": list(OPEN), "dest": ENDED},  # the user deleted the conversation
]

LIFECYCLE = Lifecycle(
    "The lifecycle of a request for a person",
    "storage/handoff_lifecycle.py",
    states=[BOT, QUEUED, LIVE, ENDED],
    transitions=TRANSITIONS,
    initial=BOT,
    finals=[ENDED],
)
MACHINE = LIFECYCLE.machine
sources = LIFECYCLE.sources
destination = LIFECYCLE.destination
mermaid = LIFECYCLE.mermaid
markdown = LIFECYCLE.markdown
