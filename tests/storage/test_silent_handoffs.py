"""Silent queue entries and clearing them, on SQLite and PostgreSQL: only what still waits without a word ends."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.agents import AgentStore
from storage.handoffs import HandoffStore
from storage.models import Conversation, Handoff, utcnow
from storage.repository import ConversationStore
from storage.silent_handoffs import SilentHandoffs, Skipped, is_silent


async def queued(engine: AsyncEngine, chat_id: str, crisis: bool = False) -> int:
    conversation = await ConversationStore(engine).save(
        Conversation(channel="test", chat_id=chat_id, locale="nl", state="welkom", tree_version="v1")
    )
    assert conversation.id is not None
    handoff = await HandoffStore(engine).create(Handoff(conversation_id=conversation.id, crisis=crisis))
    assert handoff.id is not None
    return handoff.id


async def an_agent(engine: AsyncEngine) -> int:
    agent = await AgentStore(engine).add("anna", "Anna", "not-a-real-hash", "agent")
    assert agent.id is not None
    return agent.id


async def test_only_entries_still_waiting_without_a_word_are_cleared(database: AsyncEngine) -> None:
    handoffs, silent = HandoffStore(database), SilentHandoffs(database)
    anna = await an_agent(database)
    fake, crisis, wrote, live, back, ended = [await queued(database, f"c{n}", crisis=n == 1) for n in range(6)]
    await handoffs.count_message(wrote)
    assert await handoffs.claim(live, anna)
    assert await handoffs.claim(back, anna) and await handoffs.requeue(back, anna)  # live once, waiting again
    assert await handoffs.end(ended, None, "user_left")

    assert await silent.silent_ids() == {fake, crisis}
    assert {i.handoff_id for i in await handoffs.queue() if is_silent(i)} == {fake, crisis}

    cleared, skipped = await silent.clear([fake, crisis, wrote, live, back, ended, 9999], "niet_echt", utcnow())
    assert [(c.handoff_id, c.crisis) for c in cleared] == [(fake, False), (crisis, True)]
    assert skipped == {
        wrote: Skipped.WROTE,
        live: Skipped.LIVE,
        back: Skipped.WROTE,
        ended: Skipped.GONE,
        9999: Skipped.GONE,
    }
    for handoff_id in (fake, crisis):
        handoff = await handoffs.get(handoff_id)
        assert handoff is not None and (handoff.status, handoff.outcome) == ("ended", "niet_echt")
        conversation = await ConversationStore(database).get(handoff.conversation_id)
        assert conversation is not None and conversation.status == "bot"  # mirrored in the same transaction
    assert await silent.silent_ids() == set()


async def test_a_claim_and_a_clear_at_once_have_one_winner(database: AsyncEngine) -> None:
    handoffs, silent = HandoffStore(database), SilentHandoffs(database)
    anna = await an_agent(database)
    for n in range(5):
        handoff_id = await queued(database, f"race{n}")
        claimed, (cleared, skipped) = await asyncio.gather(
            handoffs.claim(handoff_id, anna), silent.clear([handoff_id], "niet_echt", utcnow())
        )
        assert claimed != bool(cleared)
        assert skipped == ({handoff_id: Skipped.LIVE} if claimed else {})
