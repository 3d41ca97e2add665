"""The conversation code a user can quote ("je gesprekscode is K7-4QX"), so an agent finds an earlier chat.

A code is five characters from an alphabet without look-alikes (no 0/O, no 1/I), shown as two and three
joined by a hyphen: ``K7-4QX``. 32⁵ ≈ 33 million codes, drawn with ``secrets`` (not guessable from another
code), so a few thousand conversations rarely meet; when one does, the unique index refuses it and another code
is drawn (``assign``). It is made when a person gets involved (the request is queued: ``bot/helpdesk/gate.py``)
and kept for the conversation's life: asking again later gives the same code. It goes with the conversation
(``/vergeet``, retention).

Agents find a conversation by its code only when the user tells them (``bot/console/history.py``): the code is
the user's key, never listed for colleagues. ``parse`` is forgiving of how it is typed ("k7 4qx", "K74QX").
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncConnection

from storage.models import Conversation
from storage.references import set_reference

logger = logging.getLogger(__name__)

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 signs: no 0, 1, I, O
LENGTH = 5
SPLIT = 2  # K7-4QX
ATTEMPTS = 12


class NoFreeReference(Exception):
    """Every code drawn was taken (in practice never: 33 million codes)."""


def new_code(choice: Callable[[str], str] = secrets.choice) -> str:
    """A fresh code such as ``K7-4QX``."""
    signs = "".join(choice(ALPHABET) for _ in range(LENGTH))
    return f"{signs[:SPLIT]}-{signs[SPLIT:]}"


def parse(text: str) -> str | None:
    """A typed code in its stored form (``K7-4QX``), or None when it cannot be one.

    Case, spaces and the hyphen do not matter; a sign outside the alphabet (0, O, 1, I …) makes it no code.
    """
    signs = "".join(ch for ch in text.upper() if ch not in " -\t")
    if len(signs) != LENGTH or any(ch not in ALPHABET for ch in signs):
        return None
    return f"{signs[:SPLIT]}-{signs[SPLIT:]}"


async def assign(conn: AsyncConnection, conversation: Conversation, make: Callable[[], str] = new_code) -> str:
    """The conversation's code: the one it has, or a new one written on ``conn`` (the turn's transaction).

    The conversation must be saved (have an id). A taken code is drawn again, each try in a savepoint so the
    unique-index conflict does not abort the turn's transaction (PostgreSQL).
    """
    if conversation.reference:
        return conversation.reference
    assert conversation.id is not None
    for _attempt in range(ATTEMPTS):
        code = make()
        if await set_reference(conn, conversation.id, code):
            conversation.reference = code  # the turn's save writes the same value
            return code
        logger.info("conversation %s: code taken, drawing another", conversation.id)
    raise NoFreeReference(conversation.id)
