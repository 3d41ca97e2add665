"""The seam between the tree and the people of the chat-ondersteuning.

The engine asks a ``HandoffGate`` to take a conversation (``request``) and, for every message, whether
the conversation is with a person now (``relay``). ``RecordingHandoff`` is the gate until the human queue
exists: it records the request honestly and points to organisations that are there now.
The server wires ``bot.helpdesk.gate.HelpdeskGate`` instead; the terminal chat (``wegwijzer chat``), which no
agent can reach, keeps this one.
"""

from __future__ import annotations

import logging
from typing import Protocol

from bot.dialogs.dialog import Dialog
from bot.i18n import _
from bot.messages import IncomingMessage, OutgoingMessage
from bot.safety.help import emergency_numbers
from bot.turn import Turn
from storage.models import Conversation, Handoff, utcnow

logger = logging.getLogger(__name__)


class HandoffGate(Protocol):
    async def request(self, turn: Turn, *, urgent: bool, witte_vlek: bool) -> None:
        """Put the conversation in the human queue (or say why that cannot happen now)."""

    async def relay(self, turn: Turn, message: IncomingMessage) -> bool:
        """If the conversation is with a person, handle ``message`` and return True."""

    async def forget(self, turn: Turn) -> None:
        """The user deletes the conversation: end an open request for a person (before the rows go)."""

    async def where(self, turn: Turn) -> bool:
        """If the conversation is with a person (or waits for one), say so and return True."""

    async def current(self, turn: Turn) -> Handoff | None:
        """The conversation's open request for a person (queued or live), read inside the turn."""

    async def offers(self, conversation: Conversation) -> list[OutgoingMessage]:
        """What the user can still answer outside the tree (a warm referral), for a screen that is rebuilt."""


class RecordingHandoff:
    """Records that the user asked for a person and says honestly what happens next."""

    def __init__(self, dialog: Dialog) -> None:
        self.dialog = dialog

    async def request(self, turn: Turn, *, urgent: bool, witte_vlek: bool) -> None:
        conversation = turn.conversation
        already = conversation.handoff_requested_at is not None
        if not already:
            conversation.handoff_requested_at = utcnow()
            turn.count("handoff_requested", conversation.state)
        logger.info("conversation %s asked for a person (urgent=%s)", conversation.id, urgent)
        turn.say(
            OutgoingMessage(
                _("Je wilt met een mens praten. Dat heb ik genoteerd.")
                + "\n"
                + _("Hier in de terminal kan dat niet. In de webchat en in Telegram kan het wel."),
                kind="notice",
            ),
            emergency_numbers(self.dialog),
        )

    async def relay(self, turn: Turn, message: IncomingMessage) -> bool:
        return False

    async def forget(self, turn: Turn) -> None:
        return None

    async def where(self, turn: Turn) -> bool:
        return False

    async def current(self, turn: Turn) -> Handoff | None:
        return None

    async def offers(self, conversation: Conversation) -> list[OutgoingMessage]:
        return []
