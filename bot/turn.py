"""One step of one conversation: what the engine, the tree and the hand-off collect while handling it."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.messages import OutgoingMessage
from bot.safety.crisis import CrisisKind
from storage.models import Conversation, Handoff
from storage.monitoring import Tally, about
from storage.repository import Line
from storage.unit_of_work import UnitOfWork


@dataclass(slots=True)
class Turn:
    conversation: Conversation
    out: list[OutgoingMessage] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    tallies: list[Tally] = field(default_factory=list)  # anonymous counts (``storage.monitoring``)
    crisis: CrisisKind | None = None  # danger found in the user's words this turn (the hand-off flags it)
    client: str | None = None  # ``IncomingMessage.client``: for limits per client only, never stored
    work: UnitOfWork | None = None  # the turn's transaction; None for a welcome that stores nothing
    handoff: Handoff | None = None  # the open request for a person (queued or live), if any: its status is the truth
    handed_over: bool = False  # this turn asked for a person and the request was queued
    forget: bool = False  # the user confirmed "wissen": the conversation is deleted instead of saved

    @property
    def unit(self) -> UnitOfWork:
        """The open transaction (only a stored turn reaches the parts that write)."""
        if self.work is None:
            raise RuntimeError("this turn stores nothing")
        return self.work

    def user_said(self, text: str) -> None:
        self.lines.append(Line("user", text))

    def say(self, *messages: OutgoingMessage) -> None:
        """Send messages and keep them in the transcript."""
        for message in messages:
            self.out.append(message)
            self.lines.append(Line("bot", message.plain()))

    def count(self, kind: str, node: str = "", detail: str = "") -> None:
        """Count one more of ``kind``, with the channel and the role, theme and stage known so far (no id, no text)."""
        self.tallies.append(about(self.conversation, kind, node, detail))
