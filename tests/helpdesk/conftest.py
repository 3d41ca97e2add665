"""Fixtures for the chat-ondersteuning: a fake clock, a recording channel, the helpdesk on both databases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.console.auth import hash_password
from bot.dialogs.dialog import Dialog
from bot.engine import Engine
from bot.helpdesk.desk import Helpdesk
from bot.helpdesk.gate import HelpdeskGate
from bot.helpdesk.hours import OpeningHours
from bot.hub import ChannelHub
from bot.i18n import I18n
from bot.messages import OutgoingMessage
from storage.agents import AgentStore
from storage.models import Agent
from storage.repository import ConversationStore

# Monday 23 November 2026, 10:00 in Amsterdam (09:00 UTC): the helpdesk is open.
MONDAY_MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WEEKDAYS = [f"{day} 09:00-17:00" for day in ("mon", "tue", "wed", "thu", "fri")]
HOLIDAYS = ["2026-12-25", "2026-12-26"]


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


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def desk(database: AsyncEngine, dialog: Dialog, i18n: I18n, clock: FakeClock, recorder: Recorder) -> Helpdesk:
    hub = ChannelHub()
    hub.register("test", recorder)
    hours = OpeningHours(WEEKDAYS, HOLIDAYS, "Europe/Amsterdam")
    return Helpdesk(
        ConversationStore(database), hub, i18n, dialog, hours, disconnect_timeout=timedelta(seconds=60), clock=clock
    )


@pytest.fixture
def engine(desk: Helpdesk, dialog: Dialog, i18n: I18n) -> Engine:
    """The real engine with the real gate (overrides the RecordingHandoff engine of tests/conftest.py)."""
    return Engine(desk.conversations, dialog, i18n, handoff=HelpdeskGate(desk))


@dataclass
class Agents:
    store: AgentStore

    async def add(self, name: str, role: str = "agent") -> Agent:
        return await self.store.add(name, name.capitalize(), hash_password("correct horse battery"), role)


@pytest.fixture
def agents(database: AsyncEngine) -> Agents:
    return Agents(AgentStore(database))
