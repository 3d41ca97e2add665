"""Fixtures for the chat-ondersteuning: a fake clock, a recording channel, the helpdesk on both databases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

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
from storage.agents import AgentStore
from storage.models import Agent
from storage.repository import ConversationStore
from tests.fakes.helpdesk import FakeClock, Recorder

WEEKDAYS = [f"{day} 09:00-17:00" for day in ("mon", "tue", "wed", "thu", "fri")]
HOLIDAYS = ["2026-12-25", "2026-12-26"]


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
    return Engine(desk.conversations, dialog, i18n, handoff=HelpdeskGate(desk), turns=desk.turns)


@dataclass
class Agents:
    store: AgentStore

    async def add(self, name: str, role: str = "agent") -> Agent:
        return await self.store.add(name, name.capitalize(), hash_password("correct horse battery"), role)


@pytest.fixture
def agents(database: AsyncEngine) -> Agents:
    return Agents(AgentStore(database))
