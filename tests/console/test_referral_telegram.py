"""A warm referral through Telegram: the question leaves through the outbox with its buttons, and the user's taps
(callback queries) reach the referral while a person has the chat."""

from __future__ import annotations

from pytest_aiohttp import AiohttpClient
from sqlalchemy import select

from bot.appkeys import STORE
from bot.console.auth import hash_password
from storage.partners import PartnerStore
from storage.referrals import REFERRALS
from tests.console.conftest import PASSWORD, add_agent, logged_in, post
from tests.fakes.telegram_harness import TelegramHarness

CHAT = 4343
NOTE = "Je wordt gepest. Je wilt met iemand praten."


async def test_consent_and_withdrawal_by_telegram_buttons(
    telegram: TelegramHarness, aiohttp_client: AiohttpClient
) -> None:
    server = telegram.client.server
    await add_agent(server, "anna")  # type: ignore[arg-type]
    engine = server.app[STORE].engine
    await PartnerStore(engine).add("kt", "Kim", hash_password(PASSWORD), "kindertelefoon")
    console = await aiohttp_client(server)
    csrf = await logged_in(console, "anna")
    await telegram.say(CHAT, "/start")
    await telegram.say(CHAT, "mens")
    assert (await post(console, "/console/h/1/claim", csrf)).status == 200
    fields = {"organisation": "kindertelefoon", "note": NOTE, "contact": "Via Telegram"}
    assert (await post(console, "/console/h/1/doorverwijzen", csrf, **fields)).status == 200
    await telegram.settle()
    asked = telegram.api.sent(CHAT)[-1]
    assert f"“{NOTE}”" in asked["text"] and "Via Telegram" in asked["text"]
    assert set(telegram.api.buttons(asked)) >= {"Ja, stuur het door", "Nee"}

    said = await telegram.tap(CHAT, "Ja, stuur het door")
    await telegram.settle()
    assert any("Je bericht is verstuurd naar" in m["text"] for m in telegram.api.sent(CHAT)), said
    async with engine.connect() as conn:
        assert await conn.scalar(select(REFERRALS.c.status)) == "sent"
    await telegram.tap(CHAT, "Trek de doorverwijzing in")
    await telegram.settle()
    assert "Je hebt de doorverwijzing ingetrokken." in telegram.api.texts(CHAT)[-1]
    async with engine.connect() as conn:
        assert await conn.scalar(select(REFERRALS.c.status)) == "withdrawn"
