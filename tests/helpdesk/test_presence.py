"""The user's state as the console hears it (issue 14): how they left, typing, back; and what an agent's other
chats pass on (a notice, never a text). Through the real engine and gate, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from bot.engine import Engine
from bot.helpdesk.desk import Helpdesk
from bot.helpdesk.live import LiveBus, Subscription, notice
from bot.helpdesk.presence import TYPING_EVERY
from bot.helpdesk.texts import LEAVE_QUEUE
from tests.bot.helpers import CHANNEL, say, tap
from tests.fakes.helpdesk import FakeClock
from tests.helpdesk.conftest import Agents
from tests.helpdesk.test_queue import ask_for_a_person, handoff_of


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def drained(console: Subscription) -> list[dict[str, Any]]:
    return [console.events.get_nowait() for _ in range(console.events.qsize())]


async def test_stop_and_leaving_the_queue_say_how_the_user_left(engine: Engine, desk: Helpdesk, agents: Agents) -> None:
    await ask_for_a_person(engine, "live")
    await ask_for_a_person(engine, "waiting")
    live, waiting = await handoff_of(desk, "live"), await handoff_of(desk, "waiting")
    anna = await agents.add("anna")
    assert await desk.claim(anna, live.id or 0)
    with desk.bus.subscribe(anna.id or 0) as console:
        console.watching |= {live.conversation_id, waiting.conversation_id}
        await say(engine, "stop", "live")
        await tap(engine, LEAVE_QUEUE, "waiting")
        ended = [e for e in drained(console) if e["type"] == "status"]
    assert [(e["conversation"], e["reason"], e["how"]) for e in ended] == [
        (live.conversation_id, "user_left", "stop"),
        (waiting.conversation_id, "user_left", "left_queue"),
    ]


async def test_a_session_that_ends_says_how(engine: Engine, desk: Helpdesk, agents: Agents) -> None:
    await ask_for_a_person(engine, "c1")
    handoff = await handoff_of(desk, "c1")
    with desk.bus.subscribe(1) as console:
        console.watching.add(handoff.conversation_id)
        await desk.session_ended(CHANNEL, "c1", "quick_exit")
        (event,) = [e for e in drained(console) if e["type"] == "status"]
    assert (event["reason"], event["how"]) == ("user_left", "quick_exit")


async def test_typing_is_told_while_a_person_is_there_at_most_every_few_seconds(engine: Engine, desk: Helpdesk) -> None:
    ticks = Ticks()
    desk.presence.monotonic = ticks
    await say(engine, "/start", "bot-only")
    await ask_for_a_person(engine, "c1")
    handoff = await handoff_of(desk, "c1")
    with desk.bus.subscribe(1) as console:
        console.watching.add(handoff.conversation_id)
        assert await desk.presence.typing(CHANNEL, "c1")
        assert not await desk.presence.typing(CHANNEL, "c1")  # again at once: nothing new
        ticks.now += TYPING_EVERY
        assert await desk.presence.typing(CHANNEL, "c1")
        assert not await desk.presence.typing(CHANNEL, "bot-only")  # no hand-off: nobody to tell
        assert not await desk.presence.typing(CHANNEL, "nobody")  # no conversation at all
        events = drained(console)
    assert [(e["type"], e["state"], e["conversation"]) for e in events] == [
        ("user", "typing", handoff.conversation_id)
    ] * 2
    assert all("text" not in e for e in events)


async def test_a_user_who_comes_back_after_stop_is_told_once(
    engine: Engine, desk: Helpdesk, agents: Agents, clock: FakeClock
) -> None:
    await ask_for_a_person(engine, "c1")
    handoff = await handoff_of(desk, "c1")
    anna = await agents.add("anna")
    assert await desk.claim(anna, handoff.id or 0)
    with desk.bus.subscribe(anna.id or 0) as console:
        console.watching.add(handoff.conversation_id)
        await say(engine, "stop")
        drained(console)
        await say(engine, "sorry, per ongeluk")
        back = drained(console)
        await say(engine, "hallo?")
        again = drained(console)
    assert [(e["type"], e["state"], e["handoff"]) for e in back] == [("user", "back", handoff.id)]
    assert "text" not in back[0]  # what they wrote to the bot stays out of the event
    assert again == []


async def test_no_back_after_the_agent_ended_it_or_long_after(
    engine: Engine, desk: Helpdesk, agents: Agents, clock: FakeClock
) -> None:
    anna = await agents.add("anna")
    await ask_for_a_person(engine, "ended")
    ended = await handoff_of(desk, "ended")
    await desk.claim(anna, ended.id or 0)
    await desk.end(anna, ended.id or 0, "information")
    await ask_for_a_person(engine, "later")
    later = await handoff_of(desk, "later")
    await say(engine, "stop", "later")
    clock.advance(hours=3)
    with desk.bus.subscribe(anna.id or 0) as console:
        console.watching |= {ended.conversation_id, later.conversation_id}
        await say(engine, "opnieuw", "ended")
        await say(engine, "hoi", "later")
        assert [e for e in drained(console) if e["type"] == "user"] == []


async def test_the_agents_other_chats_pass_on_a_notice_without_text(
    engine: Engine, desk: Helpdesk, agents: Agents
) -> None:
    anna = await agents.add("anna")
    bram = await agents.add("bram")
    for chat_id in ("one", "two"):
        await ask_for_a_person(engine, chat_id)
    one, two = await handoff_of(desk, "one"), await handoff_of(desk, "two")
    with desk.bus.subscribe(anna.id or 0) as anna_console, desk.bus.subscribe(bram.id or 0) as bram_console:
        anna_console.watching.add(one.conversation_id)  # the chat she has open
        assert await desk.claim(anna, one.id or 0)
        assert await desk.claim(anna, two.id or 0)  # the queue event makes it hers in the bus at once
        assert anna_console.mine == {one.conversation_id, two.conversation_id}
        assert bram_console.mine == set()
        drained(anna_console)
        drained(bram_console)
        await say(engine, "Ik word gepest.", "one")
        await say(engine, "Ze lachen me uit.", "two")
        heard = [e for e in drained(anna_console) if e["type"] == "message"]
        assert [e for e in drained(bram_console) if e["type"] == "message"] == []
    assert heard[0] == {**heard[0], "conversation": one.conversation_id, "text": "Ik word gepest."}
    assert heard[1] == {
        "type": "message",
        "conversation": two.conversation_id,
        "sender": "user",
        "at": heard[1]["at"],
        "notice": True,
    }


def test_a_notice_keeps_states_and_drops_texts_and_notes() -> None:
    assert notice(
        {"type": "message", "sender": "agent", "text": "x", "author": "Anna", "at": "t", "original": "y"}
    ) == {
        "type": "message",
        "sender": "agent",
        "at": "t",
        "notice": True,
    }
    status = {"type": "status", "status": "ended", "reason": "user_left", "how": "quick_exit", "conversation": 3}
    assert notice(status) == {**status, "notice": True}
    assert notice({"type": "note", "text": "privé"}) is None
    assert notice({"type": "crisis", "kind": "suicide"}) is None  # its agent gets its own alert


def test_the_bus_keeps_mine_from_every_queue_event() -> None:
    bus = LiveBus()
    with bus.subscribe(7) as console:
        bus.broadcast({"type": "queue", "items": [{"conversation": 3, "status": "live", "agent_id": 7}]})
        assert console.mine == {3}
        bus.broadcast({"type": "queue", "items": [{"conversation": 3, "status": "live", "agent_id": 8}]})
        assert console.mine == set()  # transferred to a colleague: no more notices
