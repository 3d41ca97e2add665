"""/vergeet on Telegram: one confirmation, then the conversation and all that belongs to it is deleted."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.appkeys import ENGINE
from bot.channels.telegram import COMMANDS
from tests.bot.forget_tables import forgotten_events, left
from tests.fakes.telegram_harness import TelegramHarness

CHAT = 4242


def words(sent: list[dict]) -> str:  # type: ignore[type-arg]
    return "\n".join(str(m.get("text", "")) for m in sent)


async def test_vergeet_is_a_telegram_command() -> None:
    assert "vergeet" in [name for name, _ in COMMANDS]


async def test_vergeet_then_wissen_leaves_nothing(telegram: TelegramHarness, sqlite_database: AsyncEngine) -> None:
    await telegram.say(CHAT, "hallo")
    await telegram.say(CHAT, "mijn stiefvader slaat me")
    asked = await telegram.say(CHAT, "/vergeet")
    assert "Wil je dit gesprek wissen?" in words(asked)
    before = await left(sqlite_database)
    assert before["conversations"] == 1 and before["transcript_entries"] > 0
    done = await telegram.tap(CHAT, "Ja, wissen")
    assert "Je gesprek is gewist." in words(done)
    await telegram.settle()
    assert await left(sqlite_database) == dict.fromkeys(before, 0)
    assert await forgotten_events(sqlite_database) == [("",) * 7 + (1,)]
    assert await telegram.client.app[ENGINE].store.load("telegram", str(CHAT)) is None


async def test_niet_wissen_keeps_everything(telegram: TelegramHarness, sqlite_database: AsyncEngine) -> None:
    await telegram.say(CHAT, "hallo")
    await telegram.say(CHAT, "vergeet")  # the typed word works as well
    before = await left(sqlite_database)
    kept = await telegram.tap(CHAT, "Niet wissen")
    assert "Je gesprek blijft bewaard." in words(kept)
    after = await left(sqlite_database)
    assert after["conversations"] == 1 and after["transcript_entries"] > before["transcript_entries"]
    assert await forgotten_events(sqlite_database) == []


async def test_a_second_vergeet_on_a_fresh_chat_works(telegram: TelegramHarness, sqlite_database: AsyncEngine) -> None:
    for _round in range(2):
        await telegram.say(CHAT, "hallo")
        await telegram.say(CHAT, "/vergeet")
        assert "Je gesprek is gewist." in words(await telegram.tap(CHAT, "Ja, wissen"))
        await telegram.settle()
        assert (await left(sqlite_database))["conversations"] == 0
    assert await forgotten_events(sqlite_database) == [("",) * 7 + (2,)], "one row for the day: 2, nothing else"
