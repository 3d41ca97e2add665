"""The lifecycle of a call-back request ("bel me terug"), declared once: the states, the triggers, who fires them.

    new ──request──▶ waiting ──claim──▶ claimed ──called──▶ called        (reached; with an outcome code)
                        ▲                 │ │ └──close───▶ not_reached   (given up; with an outcome code)
                        │◀───release──────┘ │
                      retry ◀──no_answer────┘  (attempts + 1; back in the list)
                        └──claim──▶ claimed    ("Opnieuw proberen")
    waiting | retry | claimed ──cancel──▶ cancelled   (the user)

``callbacks.status`` is the one truth of it. One shared ``transitions`` Machine holds the rules (``storage.lifecycle``)
and nothing is ever added to it; ``storage.callbacks`` asks it which states a trigger may leave (``sources``) and
where it leads (``destination``), and writes each change as one conditional UPDATE (``… WHERE status IN sources``),
so two agents claiming at once cannot both win, across processes. ``docs/callback_lifecycle.md`` is drawn from the
same data (``markdown``); a test keeps it current.

The phone number lives only in an OPEN request: every trigger that leads to a CLOSED state sets it to NULL in the
same UPDATE (``storage.callbacks``), and retention deletes the rows after ``callback_retention_days``.

Why no ``expired`` and no ``deleted`` state: retention deletes the row itself (open or closed) at its cutoff, and
``/vergeet`` deletes it with the conversation (``storage.repository.BELONGING``); a state nobody can ever see
again would only be a second truth.
"""

from __future__ import annotations

import logging
from typing import Any

from storage.lifecycle import Lifecycle

logger = logging.getLogger(__name__)

NEW, WAITING, CLAIMED, RETRY = "new", "waiting", "claimed", "retry"
CALLED, NOT_REACHED, CANCELLED = "called", "not_reached", "cancelled"
OPEN = (WAITING, RETRY, CLAIMED)  # the number is kept
TO_DO = (WAITING, RETRY)  # in the list for anyone to claim
CLOSED = (CALLED, NOT_REACHED, CANCELLED)  # the number is gone

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "request", "source": NEW, "dest": WAITING},  # the user said yes to the one consent question
    {"trigger": "claim", "source": list(TO_DO), "dest": CLAIMED},  # an agent takes it (and only then sees the number)
    {"trigger": "release", "source": CLAIMED, "dest": WAITING},  # "Teruggeven": not now, for a colleague
    {"trigger": "no_answer", "source": CLAIMED, "dest": RETRY},  # "Niet opgenomen": attempts + 1, back in the list
    {"trigger": "called", "source": CLAIMED, "dest": CALLED},  # "Gebeld", with an outcome code
    {"trigger": "close", "source": CLAIMED, "dest": NOT_REACHED},  # "Sluiten": given up, with an outcome code
    {"trigger": "cancel", "source": list(OPEN), "dest": CANCELLED},  # "Annuleer terugbellen" (the user)
]

LIFECYCLE = Lifecycle(
    "The lifecycle of a call-back request",
    "storage/callback_lifecycle.py",
    states=[NEW, WAITING, CLAIMED, RETRY, CALLED, NOT_REACHED, CANCELLED],
    transitions=TRANSITIONS,
    initial=NEW,
    finals=list(CLOSED),
)
MACHINE = LIFECYCLE.machine
sources = LIFECYCLE.sources
destination = LIFECYCLE.destination
mermaid = LIFECYCLE.mermaid
markdown = LIFECYCLE.markdown


def closes(trigger: str) -> bool:
    """Whether ``trigger`` ends the request (and so deletes the number)."""
    return destination(trigger) in CLOSED
