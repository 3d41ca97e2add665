"""Messages of one conversation are handled one at a time, in arrival order; conversations run in parallel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.dialogs.dialog import Dialog
from bot.engine import Engine
from bot.i18n import I18n
from storage.repository import ConversationStore
from storage.unit_of_work import Turns, UnitOfWork
from tests.bot.helpers import CHANNEL, say


class WatchedTurns(Turns):
    """The real units of work, watching how many are open per conversation at once."""

    def __init__(self, store: ConversationStore) -> None:
        super().__init__(store.engine)
        self.inside: dict[str, int] = {}
        self.most_inside_one = 0
        self.most_inside_all = 0

    @asynccontextmanager
    async def open(self, channel: str, chat_id: str, delivery_id: str | None = None) -> AsyncIterator[UnitOfWork]:
        async with super().open(channel, chat_id, delivery_id) as work:
            self.inside[chat_id] = self.inside.get(chat_id, 0) + 1
            self.most_inside_one = max(self.most_inside_one, self.inside[chat_id])
            self.most_inside_all = max(self.most_inside_all, sum(self.inside.values()))
            await asyncio.sleep(0.005)  # widen the window in which an overlap would show
            try:
                yield work
            finally:
                self.inside[chat_id] -= 1


async def test_fifty_messages_at_once_are_processed_one_at_a_time_in_order(
    store: ConversationStore, dialog: Dialog, i18n: I18n
) -> None:
    watched = WatchedTurns(store)
    engine = Engine(store, dialog, i18n, turns=watched)
    await say(engine, "/start")
    texts = [f"bericht {n}" for n in range(50)]
    await asyncio.gather(*(say(engine, text) for text in texts))
    assert watched.most_inside_one == 1
    conversation = await store.load(CHANNEL, "c1")
    assert conversation is not None and conversation.id is not None
    users = [e.text for e in await store.transcript(conversation.id) if e.sender == "user"]
    assert users == ["/start", *texts]
    assert len(engine.turns.locks) == 0, "locks of finished conversations are dropped"


async def test_different_conversations_run_in_parallel(store: ConversationStore, dialog: Dialog, i18n: I18n) -> None:
    watched = WatchedTurns(store)
    engine = Engine(store, dialog, i18n, turns=watched)
    await asyncio.gather(*(say(engine, "/start", chat_id=f"chat{n}") for n in range(10)))
    assert watched.most_inside_one == 1
    assert watched.most_inside_all > 1
