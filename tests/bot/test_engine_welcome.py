"""``Engine.welcome``: a page that only looks is shown the first answer, and nothing is stored."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialogs.dialog import Dialog
from bot.engine import Engine
from bot.messages import IncomingMessage
from storage.models import Conversation
from storage.repository import ConversationStore
from tests.bot.helpers import CHANNEL
from tests.bot.test_languages import compiled


async def conversations(database: AsyncEngine) -> int:
    async with database.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(Conversation.__table__)) or 0)  # type: ignore[arg-type]


async def test_the_welcome_is_the_first_answer_and_stores_nothing(engine: Engine, sqlite_database: AsyncEngine) -> None:
    shown = await engine.welcome(CHANNEL, "looking")
    assert shown and shown[0].text.startswith("Hoi, ik ben de Wegwijzer.")
    assert await conversations(sqlite_database) == 0 and await engine.store.load(CHANNEL, "looking") is None
    first = await engine.handle(IncomingMessage(CHANNEL, "looking"))
    assert first.messages == shown, "storing it later gives the same answer"
    assert await conversations(sqlite_database) == 1


async def test_the_welcome_offers_the_browsers_language(
    store: ConversationStore, dialog: Dialog, tmp_path: Path, sqlite_database: AsyncEngine
) -> None:
    polyglot = Engine(store, dialog, compiled(tmp_path))
    shown = await polyglot.welcome(CHANNEL, "looking", locale_hint="tr-NL")
    assert [o.key for o in shown[-1].options] == ["lang:tr", "lang:nl"]
    assert await conversations(sqlite_database) == 0
