"""Requests for a person per client (the web chat's keyed network address), through the real engine and gate."""

from __future__ import annotations

from datetime import date

from bot.abuse import KeyedBuckets
from bot.dialogs.dialog import Dialog
from bot.engine import Engine
from bot.helpdesk.desk import Helpdesk
from bot.helpdesk.gate import HelpdeskGate
from bot.i18n import I18n
from bot.messages import IncomingMessage, OutgoingMessage
from storage.limit_counters import LimitCounterStore
from storage.monitoring import sums
from tests.bot.helpers import CHANNEL


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def ask(engine: Engine, chat_id: str, client: str | None, text: str = "mens") -> list[OutgoingMessage]:
    """``text`` in a conversation that has begun (so the answer has no welcome in front)."""
    if await engine.store.load(CHANNEL, chat_id) is None:
        await engine.handle(IncomingMessage(CHANNEL, chat_id, text="/start", client=client))
    return (await engine.handle(IncomingMessage(CHANNEL, chat_id, text=text, client=client))).messages


async def test_a_client_asks_for_a_person_a_few_times_an_hour_then_gets_the_numbers(
    desk: Helpdesk, dialog: Dialog, i18n: I18n
) -> None:
    ticks = Ticks()
    buckets = KeyedBuckets("handoff", 2, 3600.0, ticks, LimitCounterStore(desk.conversations.engine))
    engine = Engine(desk.conversations, dialog, i18n, handoff=HelpdeskGate(desk, buckets))
    for chat_id in ("a", "b"):
        assert any("Je staat in de wachtrij" in m.text for m in await ask(engine, chat_id, "school-1"))
    refused = await ask(engine, "c", "school-1")
    assert refused[0].text.startswith("Het lukt nu niet om je in de wachtrij te zetten.")
    assert refused[1].text.startswith("Heb je nu hulp nodig? Bel dan:")
    assert {"tel:112", "tel:113", "tel:08000432", "tel:08002000"} <= {c.href for c in refused[1].contacts}
    assert [a.key for a in refused[0].actions] == ["bel:start", "cmd:opnieuw"]  # or be called back
    conversation = await desk.conversations.load(CHANNEL, "c")
    assert conversation is not None and conversation.status == "bot"
    assert len(await desk.handoffs.queue()) == 2

    in_danger = await ask(engine, "d", "school-1", "ik wil niet meer leven")
    assert in_danger[0].kind == "crisis"
    refused = await ask(engine, "d", "school-1")
    assert refused[0].text.startswith("Heb je nu hulp nodig? Bel dan:"), "in danger: the numbers come first"

    assert any("Je staat in de wachtrij" in m.text for m in await ask(engine, "e", "school-2")), "another client"
    assert any("Je staat in de wachtrij" in m.text for m in await ask(engine, "f", None)), "no client: no limit"
    ticks.now += 1800.0  # two an hour: one more after half an hour
    assert any("Je staat in de wachtrij" in m.text for m in await ask(engine, "c", "school-1"))
    engine_ = desk.conversations.engine
    assert sum((await sums(engine_, date.min, date.max, "handoff_limited")).values()) == 2
    assert sum((await sums(engine_, date.min, date.max, "handoff_requested")).values()) == 5
