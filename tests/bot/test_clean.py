"""Typed text that no database or socket can take: cleaned away, and the rest is stored and answered."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialogs.dialog import Dialog
from bot.engine import Engine
from bot.i18n import I18n
from bot.matching import clean
from bot.messages import IncomingMessage
from storage.repository import ConversationStore
from tests.bot.helpers import CHANNEL


def test_lone_surrogates_are_removed_and_pairs_and_emoji_stay() -> None:
    assert clean("hoi \ud800daar\udfff", 100) == ("hoi daar", False)
    assert clean("\ud83d\ude00 hoi", 100) == ("hoi", False)  # in a Python str these are two lone halves
    assert clean("😀 hoi", 100) == ("😀 hoi", False)  # as a JSON frame's "\ud83d\ude00" decodes
    for cleaned in (clean("x\ud800", 10)[0], clean("\udc80" * 5 + "ok", 10)[0]):
        cleaned.encode("utf-8")


async def test_a_lone_surrogate_is_stored_and_answered(database: AsyncEngine, dialog: Dialog, i18n: I18n) -> None:
    engine = Engine(ConversationStore(database), dialog, i18n)
    reply = await engine.handle(IncomingMessage(CHANNEL, "c1", text="start\ud800", update_id="u1"))
    assert reply.messages[-1].text == "Ben je nu in gevaar?"
    reply = await engine.handle(IncomingMessage(CHANNEL, "c1", text="ik word \udfffgepest"))
    assert reply.messages
    conversation = await engine.store.load(CHANNEL, "c1")
    assert conversation is not None and conversation.id is not None
    said = [e.text for e in await engine.store.transcript(conversation.id) if e.sender == "user"]
    assert said == ["start", "ik word gepest"]
