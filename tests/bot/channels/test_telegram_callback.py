"""'Bel me terug' in Telegram (python-telegram-bot against the fake Bot API): the same questions and buttons as the
web chat, the number only in the consent message Telegram delivers, and afterwards in no table but the request."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.callbacks import CALLBACKS
from tests.fakes.telegram_harness import TelegramHarness

CHAT = 5150
DIGITS = ("87654321", "8765 4321")


async def test_a_call_back_asked_and_cancelled_in_telegram(
    telegram: TelegramHarness, sqlite_database: AsyncEngine
) -> None:
    await telegram.say(CHAT, "/start")
    queued = await telegram.say(CHAT, "mens")
    assert "Bel me terug" in telegram.api.buttons(queued[-1])
    asked = await telegram.tap(CHAT, "Bel me terug")
    assert "Typ je telefoonnummer." in asked[-1]["text"]
    parts = await telegram.say(CHAT, "06 8765 4321")
    assert list(telegram.api.buttons(parts[-1])) == ["Ochtend", "Middag", "Avond", "Maakt niet uit", "Toch niet"]
    consent = await telegram.tap(CHAT, "Middag")
    assert consent[-1]["text"].startswith("Mogen we je 's middags bellen op 06 87654321?")
    done = await telegram.tap(CHAT, "Ja, bel me")
    assert done[-1]["text"].startswith("Afgesproken.")
    assert "Annuleer terugbellen" in telegram.api.buttons(done[-1])

    async with sqlite_database.connect() as conn:
        (row,) = (await conn.execute(select(CALLBACKS))).all()
        assert (row.status, row.phone, row.part_of_day) == ("waiting", "+31687654321", "afternoon")
        assert (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar() == 0  # sent, so gone
        lines = [r.text for r in (await conn.execute(text("SELECT text FROM transcript_entries"))).all()]
    assert "(telefoonnummer)" in lines and not [line for line in lines if any(d in line for d in DIGITS)]

    cancelled = await telegram.tap(CHAT, "Annuleer terugbellen")
    assert cancelled[0]["text"].startswith("Goed. We bellen je niet. Je nummer is gewist.\n\n")
    async with sqlite_database.connect() as conn:
        (row,) = (await conn.execute(select(CALLBACKS))).all()
    assert (row.status, row.phone) == ("cancelled", None)
