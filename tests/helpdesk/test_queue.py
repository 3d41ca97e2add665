"""The human queue through the real engine and gate, on SQLite and PostgreSQL (a recording channel)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest

from bot.engine import Engine
from bot.helpdesk.desk import Helpdesk, NotYours
from bot.helpdesk.texts import LEAVE_MESSAGE, LEAVE_QUEUE
from storage.models import Handoff
from storage.monitoring import sums
from tests.bot.helpers import CHANNEL, option_keys, say, tap
from tests.fakes.helpdesk import FakeClock, Recorder
from tests.helpdesk.conftest import Agents


async def ask_for_a_person(engine: Engine, chat_id: str) -> str:
    await say(engine, "/start", chat_id)
    return "\n".join(m.text for m in await say(engine, "mens", chat_id))


async def handoff_of(desk: Helpdesk, chat_id: str) -> Handoff:
    conversation = await desk.conversations.load(CHANNEL, chat_id)
    assert conversation is not None and conversation.id is not None
    handoff = await desk.handoffs.open_for(conversation.id)
    assert handoff is not None
    return handoff


async def test_asking_for_a_person_queues_once_and_says_place_wait_and_way_out(engine: Engine, desk: Helpdesk) -> None:
    text = await ask_for_a_person(engine, "c1")
    assert "Je staat in de wachtrij" in text and "Je bent de volgende." in text
    assert "Ik weet nog niet hoe lang het duurt." in text  # no recent waits: no made-up estimate
    assert "alvast typen" in text and "Niet meer wachten" in text
    again = await tap(engine, "cmd:mens")
    assert "Je staat al in de wachtrij." in again[0].text and "Je bent de volgende." in again[0].text
    conversation = await desk.conversations.load(CHANNEL, "c1")
    assert conversation is not None and conversation.id is not None
    handoff = await desk.handoffs.open_for(conversation.id)
    assert handoff is not None and handoff.status == "queued"  # the hand-off's status is the one truth
    assert conversation.status == "bot"  # the conversation only says the user talks with us, not to whom
    assert [i.conversation_id for i in await desk.handoffs.queue()] == [conversation.id]


async def test_a_first_message_can_ask_for_a_person(engine: Engine, desk: Helpdesk) -> None:
    messages = await say(engine, "/mens", "new")
    assert any("Je staat in de wachtrij" in m.text for m in messages)
    assert (await handoff_of(desk, "new")).status == "queued"


async def test_order_is_who_asked_first_and_places_are_counted(
    engine: Engine, desk: Helpdesk, clock: FakeClock
) -> None:
    for chat_id in ("a", "b", "c"):
        await ask_for_a_person(engine, chat_id)
        clock.advance(seconds=30)
    text = "\n".join(m.text for m in await say(engine, "mens", "c"))
    assert "Er zijn 2 mensen voor je. Je bent nummer 3." in text
    assert [i.chat_id for i in await desk.handoffs.queue()] == ["a", "b", "c"]


async def test_acute_danger_goes_to_the_front(engine: Engine, desk: Helpdesk, clock: FakeClock) -> None:
    await ask_for_a_person(engine, "calm")
    clock.advance(minutes=1)
    await say(engine, "/start", "acute")
    await say(engine, "start", "acute")
    danger = await say(engine, "ja, nu", "acute")
    text = "\n".join(m.text for m in await tap(engine, option_keys(danger)["Praat met een mens"], "acute"))
    assert "Bel dan nu 112." in text and "Je bent de volgende." in text
    queue = await desk.handoffs.queue()
    assert [(i.chat_id, i.crisis) for i in queue] == [("acute", True), ("calm", False)]


async def test_the_estimate_comes_from_recent_waits(
    engine: Engine, desk: Helpdesk, clock: FakeClock, agents: Agents
) -> None:
    anna = await agents.add("anna")
    for chat_id, wait in (("a", 4), ("b", 6), ("c", 20)):
        await ask_for_a_person(engine, chat_id)
        clock.advance(minutes=wait)
        assert await desk.claim(anna, (await handoff_of(desk, chat_id)).id or 0)
    text = await ask_for_a_person(engine, "d")
    assert "Wachten duurt nu meestal ongeveer 6 minuten." in text  # the median, not the best case


async def test_outside_hours_says_when_we_open_and_offers_a_message(
    engine: Engine, desk: Helpdesk, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 12, 24, 18, 0, tzinfo=UTC)  # Thursday evening; then Christmas and a Saturday
    messages = await say(engine, "/mens", "late")
    text = "\n".join(m.text for m in messages)
    assert "De chat-ondersteuning is nu gesloten." in text
    assert "We zijn er weer op maandag 28 december 2026 om 09:00." in text
    dialled = {c.href for m in messages for c in m.contacts}
    assert {"tel:112", "tel:113", "tel:08000113", "tel:08000432", "tel:08002000"} <= dialled  # numbers as data
    assert await desk.handoffs.queue() == []
    leave = option_keys(messages)["Bericht achterlaten"]
    assert leave == LEAVE_MESSAGE
    confirm = "\n".join(m.text for m in await tap(engine, leave, "late"))
    assert "Schrijf hier je bericht" in confirm and "maandag 28 december 2026" in confirm
    await say(engine, "Mijn kind wordt gepest in de klas.", "late")
    handoff = await handoff_of(desk, "late")
    assert handoff.after_hours and handoff.status == "queued" and handoff.waiting_messages == 1


async def test_a_left_message_waits_at_the_top_when_we_open(engine: Engine, desk: Helpdesk, clock: FakeClock) -> None:
    clock.now = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)  # Sunday evening: closed
    await say(engine, "/mens", "night")
    await tap(engine, LEAVE_MESSAGE, "night")
    clock.now = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # Monday morning: open
    await ask_for_a_person(engine, "morning")
    assert [i.chat_id for i in await desk.handoffs.queue()] == ["night", "morning"]


async def test_a_message_left_in_acute_danger_keeps_its_priority(
    engine: Engine, desk: Helpdesk, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)  # Sunday evening: closed
    await ask_for_a_person(engine, "calm")
    await tap(engine, LEAVE_MESSAGE, "calm")
    await say(engine, "/start", "acute")
    await say(engine, "start", "acute")
    await say(engine, "ja, nu", "acute")
    closed = await tap(engine, "cmd:mens", "acute")
    assert closed[0].text.startswith("Heb je nu hulp nodig? Bel dan:")  # the numbers come first in danger
    await tap(engine, LEAVE_MESSAGE, "acute")
    assert [(i.chat_id, i.crisis) for i in await desk.handoffs.queue()] == [("acute", True), ("calm", False)]


async def test_nothing_is_lost_while_waiting(engine: Engine, desk: Helpdesk) -> None:
    await ask_for_a_person(engine, "c1")
    first = await say(engine, "Er is iets gebeurd.")
    assert [m.text for m in first] == ["Ik heb je bericht bewaard. Een mens leest het straks."]
    assert await say(engine, "terug") == []  # words that are commands for the tree go to the person too
    assert await say(engine, "Ben je er?") == []
    handoff = await handoff_of(desk, "c1")
    assert handoff.waiting_messages == 3
    entries = await desk.conversations.transcript(handoff.conversation_id)
    assert [e.text for e in entries if e.sender == "user"][-3:] == ["Er is iets gebeurd.", "terug", "Ben je er?"]


async def test_claim_race_has_exactly_one_winner(engine: Engine, desk: Helpdesk, agents: Agents) -> None:
    await ask_for_a_person(engine, "c1")
    handoff = await handoff_of(desk, "c1")
    anna, bram = await agents.add("anna"), await agents.add("bram")
    results = await asyncio.gather(*(desk.handoffs.claim(handoff.id or 0, a.id or 0) for a in (anna, bram)))
    assert sorted(results) == [False, True]
    claimed = await desk.handoffs.get(handoff.id or 0)
    assert claimed is not None and claimed.status == "live"
    assert claimed.agent_id == (anna.id if results[0] else bram.id)
    assert not await desk.claim(anna, handoff.id or 0)  # and a later claim is told it is taken


async def test_live_chat_relays_and_the_bot_stays_silent(
    engine: Engine, desk: Helpdesk, agents: Agents, recorder: Recorder
) -> None:
    await ask_for_a_person(engine, "c1")
    handoff = await handoff_of(desk, "c1")
    anna = await agents.add("anna")
    with desk.bus.subscribe(anna.id or 0) as console:
        console.watching.add(handoff.conversation_id)
        assert await desk.claim(anna, handoff.id or 0)
        assert recorder.texts() == ["Je praat nu met Anna van de chat-ondersteuning."]
        assert await say(engine, "1") == []  # an option number is words for the agent now
        await desk.reply(anna, handoff.id or 0, "Hoi, ik ben Anna. Wat is er?")
        assert recorder.sent[-1][1].author == "Anna" and recorder.sent[-1][1].kind == "agent"
        await desk.typing(anna, handoff.id or 0)
        assert recorder.typing_to == ["c1"]
        mens = await say(engine, "mens")
        assert [m.text for m in mens] == ["Je praat al met Anna van de chat-ondersteuning."]
        events = [console.events.get_nowait() for _ in range(console.events.qsize())]
    said = [(e["sender"], e["text"]) for e in events if e["type"] == "message"]
    assert ("user", "1") in said and ("agent", "Hoi, ik ben Anna. Wat is er?") in said


async def test_stop_while_live_ends_the_chat_and_tells_the_agent(
    engine: Engine, desk: Helpdesk, agents: Agents
) -> None:
    await ask_for_a_person(engine, "c1")
    handoff = await handoff_of(desk, "c1")
    anna = await agents.add("anna")
    await desk.claim(anna, handoff.id or 0)
    with desk.bus.subscribe(anna.id or 0) as console:
        console.watching.add(handoff.conversation_id)
        messages = await say(engine, "stop")
        event = console.events.get_nowait()
    assert "terugkomen" in messages[0].text
    assert event["type"] == "status" and event["reason"] == "user_left"
    ended = await desk.handoffs.get(handoff.id or 0)
    assert ended is not None and ended.status == "ended" and ended.outcome == "user_left"


async def test_leaving_the_queue_brings_the_bot_back(engine: Engine, desk: Helpdesk) -> None:
    await ask_for_a_person(engine, "c1")
    messages = await tap(engine, LEAVE_QUEUE)
    assert messages[0].text.startswith("Je wacht niet meer op een mens.")
    assert "Wegwijzer" in messages[1].text  # the current screen again
    assert await desk.handoffs.queue() == []
    assert (await say(engine, "start"))[-1].text == "Ben je nu in gevaar?"


async def test_transfer_to_a_colleague_and_back_to_the_queue(
    engine: Engine, desk: Helpdesk, agents: Agents, recorder: Recorder, clock: FakeClock
) -> None:
    await ask_for_a_person(engine, "first")
    clock.advance(minutes=1)
    await ask_for_a_person(engine, "second")
    handoff = await handoff_of(desk, "first")
    anna, bram = await agents.add("anna"), await agents.add("bram")
    await desk.claim(anna, handoff.id or 0)
    assert await desk.transfer(anna, handoff.id or 0, bram)
    assert recorder.texts("first")[-1] == "Je praat nu met Bram van de chat-ondersteuning."
    with pytest.raises(NotYours):  # Anna gave it away: it is not hers to move any more
        await desk.transfer(anna, handoff.id or 0, None)
    assert await desk.transfer(bram, handoff.id or 0, None)
    assert recorder.texts("first")[-1] == "Je staat weer in de wachtrij.\nJe bent de volgende."
    assert [i.chat_id for i in await desk.handoffs.queue()] == ["first", "second"]  # its first place kept


async def test_a_disconnected_agent_gives_the_chat_back_to_the_queue(
    engine: Engine, desk: Helpdesk, agents: Agents, recorder: Recorder, clock: FakeClock
) -> None:
    await ask_for_a_person(engine, "c1")
    handoff = await handoff_of(desk, "c1")
    anna = await agents.add("anna")
    await desk.claim(anna, handoff.id or 0)
    clock.advance(seconds=50)
    await desk.handoffs.touch(anna.id or 0, clock())  # the console is still there
    clock.advance(seconds=50)
    assert await desk.requeue_stale() == 0
    clock.advance(seconds=61)  # gone longer than the 60 s timeout
    assert await desk.requeue_stale() == 1
    assert recorder.texts()[-1].startswith("Anna is niet meer in de chat.")
    assert "Je bent de volgende." in recorder.texts()[-1]
    back = await desk.handoffs.get(handoff.id or 0)
    assert back is not None and back.status == "queued" and back.agent_id is None
    kept = await say(engine, "Hallo?")  # still kept for the next person
    assert [m.text for m in kept] == ["Ik heb je bericht bewaard. Een mens leest het straks."]


async def test_ending_brings_the_bot_back_and_counts_the_outcome(
    engine: Engine, desk: Helpdesk, agents: Agents, recorder: Recorder
) -> None:
    await walk(engine, ["/start", "start", "nee", "ik ben ouder"])
    await say(engine, "mens")
    handoff = await handoff_of(desk, "c1")
    anna = await agents.add("anna")
    await desk.claim(anna, handoff.id or 0)
    assert await desk.end(anna, handoff.id or 0, "referred:ouders_onderwijs", "Goed gesprek.")
    last = recorder.sent[-1][1]
    assert last.text.startswith("Anna heeft de chat gesloten. Je praat nu weer met de Wegwijzer.")
    assert {c.label for c in last.actions} >= {"Opnieuw beginnen", "Ik ben klaar"}
    again = await tap(engine, "cmd:opnieuw")
    assert "Wegwijzer" in again[0].text  # the bot answers again
    outcomes = await sums(
        desk.conversations.engine, date.min, date.max, "handoff_outcome", ("node", "detail", "role", "channel")
    )
    assert outcomes == {("referred", "ouders_onderwijs", "ouder", CHANNEL): 1}


async def walk(engine: Engine, texts: list[str], chat_id: str = "c1") -> None:
    for text in texts:
        await say(engine, text, chat_id)


async def test_deleting_a_conversation_deletes_its_handoffs_and_notes(
    engine: Engine, desk: Helpdesk, agents: Agents
) -> None:
    await ask_for_a_person(engine, "c1")
    handoff = await handoff_of(desk, "c1")
    anna = await agents.add("anna")
    await desk.claim(anna, handoff.id or 0)
    await desk.note(anna, handoff.conversation_id, "privé")
    await agents.store.audit(anna.id or 0, handoff.conversation_id, "open_transcript")
    await desk.conversations.delete_conversation(handoff.conversation_id)
    assert await desk.handoffs.get(handoff.id or 0) is None
    assert await desk.handoffs.notes(handoff.conversation_id) == []
    assert len(await agents.store.audit_log()) == 1  # the audit keeps who opened what (ids only)


async def test_start_while_waiting_says_where_the_user_stands(engine: Engine, desk: Helpdesk) -> None:
    """Telegram's /start (its menu) while waiting for a person: an answer, not a word passed on to the agent."""
    await say(engine, "mens")
    twice = [await say(engine, "/start") for _ in range(2)]
    for answer in twice:
        assert answer[0].text.startswith("Je staat al in de wachtrij."), answer
    handoff = (await desk.handoffs.queue())[0]
    assert handoff.waiting_messages == 0, "nothing for the agent to read"
