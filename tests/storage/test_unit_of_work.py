"""One turn, one transaction, across workers: two engines (two processes' worth of connections) on one database.

Found in review: two engines on one PostgreSQL processed the same Telegram update twice, and two concurrent
answers both started from the old state (the acute-danger answer "Ja, nu" was overwritten by "Nee").
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialogs.dialog import Dialog
from bot.engine import Engine
from bot.i18n import I18n
from bot.messages import IncomingMessage
from storage.database import create_engine
from storage.models import OutboxMessage, ProcessedUpdate, TranscriptEntry
from storage.repository import ConversationStore
from tests.conftest import fresh_database

STALE = "Die knop hoort bij een eerdere vraag. Hier is de vraag van nu."


@pytest.fixture
async def two_workers(database_url: str) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    """Two engines with their own connection pools on one fresh database, like two worker processes."""
    first = await fresh_database(database_url)
    second = create_engine(database_url)
    yield first, second
    await second.dispose()
    await first.dispose()


def engines(pair: tuple[AsyncEngine, AsyncEngine], dialog: Dialog, i18n: I18n) -> tuple[Engine, Engine]:
    return Engine(ConversationStore(pair[0]), dialog, i18n), Engine(ConversationStore(pair[1]), dialog, i18n)


async def test_the_same_update_to_two_workers_is_processed_once(
    two_workers: tuple[AsyncEngine, AsyncEngine], dialog: Dialog, i18n: I18n
) -> None:
    a, b = engines(two_workers, dialog, i18n)
    await a.handle(IncomingMessage("telegram", "7", text="/start", update_id="1"))
    for round_ in range(5):  # a few times: the race must not be won by luck
        update = IncomingMessage("telegram", "7", text=f"hallo {round_}", update_id=f"u{round_}")
        replies = await asyncio.gather(a.handle(update), b.handle(update))
        assert sorted(r.duplicate for r in replies) == [False, True]
    async with two_workers[0].connect() as conn:
        lines = (await conn.execute(select(TranscriptEntry.text).where(TranscriptEntry.sender == "user"))).all()
        ids = await conn.scalar(select(func.count()).select_from(ProcessedUpdate))
    assert [text for (text,) in lines] == ["/start", *(f"hallo {n}" for n in range(5))]
    assert ids == 6


async def test_concurrent_answers_in_one_conversation_are_applied_one_after_the_other(
    two_workers: tuple[AsyncEngine, AsyncEngine], dialog: Dialog, i18n: I18n
) -> None:
    a, b = engines(two_workers, dialog, i18n)
    for n in range(5):
        chat = f"chat-{n}"
        await a.handle(IncomingMessage("web", chat, text="/start"))
        await a.handle(IncomingMessage("web", chat, choice="opt:welkom:start"))
        yes = IncomingMessage("web", chat, choice="opt:gevaar:ja", update_id=f"{chat}-ja")
        no = IncomingMessage("web", chat, choice="opt:gevaar:nee", update_id=f"{chat}-nee")
        replies = await asyncio.gather(a.handle(yes), b.handle(no))
        first_texts = [[m.text for m in r.messages] for r in replies]
        stale = [texts for texts in first_texts if texts and texts[0] == STALE]
        assert len(stale) == 1, "the later answer must see the state the earlier one left"
        conversation = await a.store.load("web", chat)
        assert conversation is not None
        assert conversation.history == ["welkom", "gevaar"]
        assert conversation.state in ("acuut", "rol")


async def test_a_failed_turn_keeps_nothing_and_its_redelivery_is_processed(
    database: AsyncEngine, dialog: Dialog, i18n: I18n, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = Engine(ConversationStore(database), dialog, i18n)
    await engine.handle(IncomingMessage("telegram", "9", text="/start", update_id="1"))

    def broken(*_args: object) -> list[object]:
        raise RuntimeError("the step failed half-way")

    monkeypatch.setattr("bot.engine.encode", broken)  # after the step and its writes, before the commit
    with pytest.raises(RuntimeError):
        await engine.handle(IncomingMessage("telegram", "9", choice="opt:welkom:start", update_id="2"))
    monkeypatch.undo()

    conversation = await engine.store.load("telegram", "9")
    assert conversation is not None and conversation.state == "welkom"
    reply = await engine.handle(IncomingMessage("telegram", "9", choice="opt:welkom:start", update_id="2"))
    assert not reply.duplicate and reply.messages[0].text == "Ben je nu in gevaar?"
    async with database.connect() as conn:
        rows = (await conn.execute(select(OutboxMessage.batch).order_by(OutboxMessage.id))).all()
    assert {batch for (batch,) in rows} == {"1", "2"}, "the replies wait in the outbox, each turn's once"
