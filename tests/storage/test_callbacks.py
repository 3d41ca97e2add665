"""Call-back requests in the database (``storage.callbacks``, ``storage.callback_lifecycle``) and their retention,
on SQLite and PostgreSQL: one winner of a claim race across two engines, the number gone the moment a request
closes, the rows gone after ``callback_retention_days``; every check reads the tables themselves."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import callback_lifecycle as lifecycle
from storage.agents import AgentStore
from storage.callbacks import CALLBACKS, CallbackStore
from storage.database import create_engine
from storage.models import Conversation, utcnow
from storage.monitoring import sums
from storage.repository import ConversationStore
from storage.retention import purge

PHONE = "+31687654321"


async def conversation(database: AsyncEngine, chat_id: str, **values: Any) -> int:
    saved = await ConversationStore(database).save(
        Conversation(channel="web", chat_id=chat_id, locale="nl", state="welkom", tree_version="t", **values)
    )
    assert saved.id is not None
    return saved.id


async def request(database: AsyncEngine, chat_id: str, now: datetime | None = None, part: str = "morning") -> int:
    callback = await CallbackStore(database).create(await conversation(database, chat_id), PHONE, part, "tr", now)
    assert callback.id is not None and callback.phone is None  # the caller does not keep the number either
    return callback.id


async def rows(database: AsyncEngine) -> dict[int, dict[str, Any]]:
    async with database.connect() as conn:
        return {r.id: dict(r._mapping) for r in (await conn.execute(select(CALLBACKS))).all()}


async def agent(database: AsyncEngine, name: str, role: str = "agent") -> int:
    added = await AgentStore(database).add(name, name.capitalize(), "x", role)
    assert added.id is not None
    return added.id


def test_the_lifecycle_is_declared_once() -> None:
    assert lifecycle.sources("claim") == (lifecycle.WAITING, lifecycle.RETRY)
    assert lifecycle.destination("no_answer") == lifecycle.RETRY
    assert {t for t in ("called", "close", "cancel") if lifecycle.closes(t)} == {"called", "close", "cancel"}
    assert not any(lifecycle.closes(t) for t in ("request", "claim", "release", "no_answer"))
    drawn = lifecycle.mermaid()
    for state in (*lifecycle.OPEN, *lifecycle.CLOSED):
        assert f"--> {state}" in drawn  # every state can be reached
    with pytest.raises(KeyError):
        lifecycle.sources("expire")
    docs = Path(__file__).resolve().parents[2] / "docs" / "callback_lifecycle.md"
    assert docs.read_text(encoding="utf-8") == lifecycle.markdown(), "run: wegwijzer lifecycle draw"


async def test_two_agents_claiming_at_once_have_one_winner(database: AsyncEngine, database_url: str) -> None:
    anna, bram = await agent(database, "anna"), await agent(database, "bram")
    ids = [await request(database, f"c{n}") for n in range(12)]
    other = create_engine(database_url)  # a second worker process: its own engine and connections
    try:
        first, second = CallbackStore(database), CallbackStore(other)
        for callback_id in ids:
            won = await asyncio.gather(first.claim(callback_id, anna), second.claim(callback_id, bram))
            assert sorted(won) == [False, True]
            winner = anna if won[0] else bram
            loser = bram if won[0] else anna
            assert (await rows(database))[callback_id]["agent_id"] == winner
            assert await first.number(callback_id, winner) == PHONE  # only the agent who claimed it
            assert await second.number(callback_id, loser) is None
            assert not await first.claim(callback_id, loser)  # and not later either
    finally:
        await other.dispose()


async def test_no_answer_tries_again_and_closing_deletes_the_number(database: AsyncEngine) -> None:
    anna, bram = await agent(database, "anna"), await agent(database, "bram")
    store = CallbackStore(database)
    first, second = await request(database, "c1"), await request(database, "c2")
    assert [item.callback_id for item in await store.queue()] == [first, second]  # oldest first

    assert await store.claim(first, anna)
    assert [item.callback_id for item in await store.queue()] == [second, first]  # the ones to do come first
    assert not await store.no_answer(first, bram)  # not bram's
    assert await store.no_answer(first, anna)
    row = (await rows(database))[first]
    assert (row["status"], row["attempts"], row["agent_id"], row["phone"]) == ("retry", 1, None, PHONE)
    assert await store.number(first, anna) is None  # back in the list: nobody sees the number now

    assert await store.claim(first, bram)  # "Opnieuw proberen"
    assert await store.release(first, bram)  # "Teruggeven": not counted as a try
    row = (await rows(database))[first]
    assert (row["status"], row["attempts"], row["agent_id"]) == ("waiting", 1, None)

    assert await store.claim(first, bram)
    assert not await store.called(first, anna, "information")
    assert await store.called(first, bram, "information")
    row = (await rows(database))[first]
    assert (row["status"], row["phone"], row["outcome"]) == ("called", None, "information")
    assert row["closed_at"] is not None
    assert not await store.no_answer(first, bram)  # closed is closed

    assert await store.claim(second, anna)
    assert await store.close(second, None, "wrong_number")  # an admin (no owner) may close anyone's
    assert (await rows(database))[second]["phone"] is None
    assert await store.queue() == []
    today = utcnow().date()
    closed = await sums(
        database, today - timedelta(days=1), today + timedelta(days=1), "callback_closed", ("node", "detail")
    )
    assert closed == {("called", "information"): 1, ("not_reached", "wrong_number"): 1}
    by_locale = await sums(database, date(2026, 1, 1), date(2030, 1, 1), "callback_closed", ("channel", "locale"))
    assert by_locale == {("web", "tr"): 2}  # anonymous: channel and language, never a number or an id


async def test_retention_deletes_requests_after_callback_retention_days(database: AsyncEngine) -> None:
    now = utcnow()
    store = CallbackStore(database)
    old_open = await request(database, "old-open", now - timedelta(days=8))
    old_closed = await request(database, "old-closed", now - timedelta(days=8))
    young = await request(database, "young", now - timedelta(days=2))
    anna = await agent(database, "anna")
    assert await store.claim(old_closed, anna) and await store.called(old_closed, anna, "information")

    same = await purge(database, 30, 365, now=now, callback_retention_days=10)
    assert (same.callbacks, set(await rows(database))) == (0, {old_open, old_closed, young})
    dry = await purge(database, 30, 365, now=now, dry_run=True)
    counts = await purge(database, 30, 365, now=now)  # the default: 7 days
    assert dry == counts and counts.callbacks == 2
    assert set(await rows(database)) == {young}
    counts = await purge(database, 30, 365, now=now, callback_retention_days=1)
    assert counts.callbacks == 1 and await rows(database) == {}


async def test_an_open_request_keeps_its_conversation_until_it_is_too_old(database: AsyncEngine) -> None:
    now = utcnow()
    await request(database, "waits", now - timedelta(days=3))
    async with database.begin() as conn:  # a conversation untouched for 40 days, with a request of 3 days
        await conn.execute(update(Conversation.__table__).values(updated_at=now - timedelta(days=40)))  # type: ignore[attr-defined]
    counts = await purge(database, 30, 365, now=now, callback_retention_days=7)
    assert counts.conversations == 0 and len(await rows(database)) == 1  # someone may still call
    counts = await purge(database, 30, 365, now=now + timedelta(days=5), callback_retention_days=7)
    assert (counts.callbacks, counts.conversations) == (1, 1)
    assert await ConversationStore(database).load("web", "waits") is None


async def test_retention_removes_numbers_left_behind(database: AsyncEngine) -> None:
    now = utcnow()
    store = CallbackStore(database)
    stray = await request(database, "stray", now)
    anna = await agent(database, "anna")
    assert await store.claim(stray, anna) and await store.called(stray, anna, "other")
    async with database.begin() as conn:  # a closed row that somehow kept its number (older code, a hand edit)
        await conn.execute(update(CALLBACKS).where(CALLBACKS.c.id == stray).values(phone=PHONE))
    pending = {"step": "consent", "phone": PHONE, "part": "any"}
    quiet = await conversation(database, "quiet", facts={"role": "ouder", "callback": pending})
    await conversation(database, "busy", facts={"callback": pending})  # the user is still at it
    fine = await conversation(database, "fine", facts={"role": "callback"})  # the word, not the key
    async with database.begin() as conn:
        table = Conversation.__table__  # type: ignore[attr-defined]
        await conn.execute(
            update(table).where(table.c.id.in_([quiet, fine])).values(updated_at=now - timedelta(days=2))
        )
    dry = await purge(database, 30, 365, now=now, dry_run=True)
    counts = await purge(database, 30, 365, now=now)
    assert dry.callback_numbers == counts.callback_numbers == 2  # the closed row's number, the quiet one's facts
    assert (await rows(database))[stray]["phone"] is None
    store_ = ConversationStore(database)
    facts = {chat: (await store_.load("web", chat)).facts for chat in ("quiet", "busy", "fine")}  # type: ignore[union-attr]
    assert facts == {"quiet": {"role": "ouder"}, "busy": {"callback": pending}, "fine": {"role": "callback"}}
