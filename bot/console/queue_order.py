"""The queue as one agent sees it: crisis first, then users whose language the agent speaks, then the rest.

The helpdesk keeps one order for everyone (``storage.handoffs.HandoffStore.queue``: waiting before live,
then priority, then who asked first). For each agent the console moves the waiting conversations in a
language they speak up, just behind every crisis, keeping that order within each group, and marks them
``your_language`` ("jouw taal"). A language filter never hides a crisis.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from typing import Any

logger = logging.getLogger(__name__)

MINE = "mine"  # the filter for "the languages I speak"; otherwise a locale code, or "" for all

QueueRow = dict[str, Any]


def for_agent(items: Sequence[QueueRow], languages: Collection[str]) -> list[QueueRow]:
    """The rows (as ``queue_json`` makes them) in this agent's order, each with ``your_language``; copies."""
    rows = [{**item, "your_language": item.get("locale") in languages} for item in items]

    def rank(numbered: tuple[int, QueueRow]) -> tuple[int, int, int]:
        index, row = numbered
        if row.get("status") != "queued":
            return (1, 0, index)  # live conversations stay below, as they were
        group = 0 if row.get("crisis") else 1 if row["your_language"] else 2
        return (0, group, index)

    return [row for _, row in sorted(enumerate(rows), key=rank)]


def shown(row: QueueRow, wanted: str) -> bool:
    """Whether a row passes the language filter ``wanted`` ("" all, ``MINE``, or a code); a crisis always does."""
    if not wanted or row.get("crisis"):
        return True
    if wanted == MINE:
        return bool(row.get("your_language"))
    return bool(row.get("locale") == wanted)
