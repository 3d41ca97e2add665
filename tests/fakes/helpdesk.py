"""Test doubles for the helpdesk: a clock the test moves, and a channel that records what it would send."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.messages import OutgoingMessage

# Monday 23 November 2026, 10:00 in Amsterdam (09:00 UTC): the helpdesk is open.
MONDAY_MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = MONDAY_MORNING) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Recorder:
    """A channel at its protocol edge: what would have gone out to each chat."""

    sent: list[tuple[str, OutgoingMessage]] = field(default_factory=list)
    typing_to: list[str] = field(default_factory=list)

    async def deliver(self, chat_id: str, messages: Sequence[OutgoingMessage]) -> None:
        self.sent += [(chat_id, m) for m in messages]

    async def typing(self, chat_id: str) -> None:
        self.typing_to.append(chat_id)

    def texts(self, chat_id: str = "c1") -> list[str]:
        return [m.text for c, m in self.sent if c == chat_id]
