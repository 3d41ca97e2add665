"""The transactional outbox: a reply committed with its step is sent, also after the process stopped.

Found in review: replies left through an in-memory queue after the webhook answered 200, so a process that died
in between lost them for good (Telegram does not redeliver an acknowledged update); a kill during a 429 wait lost
the reply every time.
"""

from __future__ import annotations

from pathlib import Path

from pytest_aiohttp import AiohttpClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.appkeys import DATABASE
from bot.channels.telegram import CHANNEL_KEY
from bot.dialogs.dialog import Dialog
from storage.models import OutboxMessage
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.telegram_harness import SECRET, WEBHOOK_PATH, Updates, telegram_settings

CHAT = 5150


async def backlog(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def test_a_reply_waiting_for_a_429_is_sent_by_the_next_process(
    aiohttp_client: AiohttpClient, bot_api: FakeBotApi, sqlite_database: AsyncEngine, dialog: Dialog, tmp_path: Path
) -> None:
    updates = Updates()
    first = await aiohttp_client(create_app(telegram_settings(tmp_path, bot_api), dialog=dialog))
    bot_api.fail_next("sendMessage", status=429, retry_after=2)
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    response = await first.post(WEBHOOK_PATH, json=updates.text(CHAT, "/start"), headers=headers)
    assert response.status == 200
    await bot_api.wait_until(lambda: len(bot_api.calls_of("sendMessage", ok=False)) == 1)
    assert await backlog(first.app[DATABASE]) == 1  # Telegram said "wait": the reply is kept, not in memory
    await first.close()  # the process goes away during the wait

    second = await aiohttp_client(create_app(telegram_settings(tmp_path, bot_api), dialog=dialog))
    await bot_api.wait_until(lambda: bool(bot_api.texts(CHAT)), within=15)
    assert bot_api.texts(CHAT)[0].startswith("Hoi, ik ben de Wegwijzer.")
    await second.app[CHANNEL_KEY].settle()
    assert await backlog(second.app[DATABASE]) == 0
    assert len(bot_api.texts(CHAT)) == 1, "sent once"
    await second.close()


async def test_replies_leave_in_the_order_of_the_steps_when_telegram_asks_to_wait(
    aiohttp_client: AiohttpClient, bot_api: FakeBotApi, sqlite_database: AsyncEngine, dialog: Dialog, tmp_path: Path
) -> None:
    updates = Updates()
    client = await aiohttp_client(create_app(telegram_settings(tmp_path, bot_api), dialog=dialog))
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    bot_api.fail_next("sendMessage", status=429, retry_after=1)
    for text in ("/start", "Start", "Nee"):
        assert (await client.post(WEBHOOK_PATH, json=updates.text(CHAT, text), headers=headers)).status == 200
    await bot_api.wait_until(lambda: len(bot_api.texts(CHAT)) >= 3, within=15)
    texts = bot_api.texts(CHAT)
    assert texts[0].startswith("Hoi, ik ben de Wegwijzer.")
    assert texts[1:] == ["Ben je nu in gevaar?", "Wie ben jij?"]


async def test_a_reply_of_several_rows_waits_and_leaves_as_one_message_once(
    aiohttp_client: AiohttpClient, bot_api: FakeBotApi, sqlite_database: AsyncEngine, dialog: Dialog, tmp_path: Path
) -> None:
    updates = Updates()
    first = await aiohttp_client(create_app(telegram_settings(tmp_path, bot_api), dialog=dialog))
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    for text in ("/start", "Start", "Nee"):
        assert (await first.post(WEBHOOK_PATH, json=updates.text(CHAT, text), headers=headers)).status == 200
    await first.app[CHANNEL_KEY].settle()
    bot_api.fail_next("sendMessage", status=429, retry_after=2)
    response = await first.post(WEBHOOK_PATH, json=updates.text(CHAT, "Ik ben leerling"), headers=headers)
    assert response.status == 200
    await bot_api.wait_until(lambda: any(c.status == 429 for c in bot_api.calls))
    assert await backlog(first.app[DATABASE]) > 2  # the outcome: its text, a row per party, the buttons
    await first.close()

    second = await aiohttp_client(create_app(telegram_settings(tmp_path, bot_api), dialog=dialog))
    await bot_api.wait_until(lambda: len(bot_api.texts(CHAT)) == 4, within=15)
    await second.app[CHANNEL_KEY].settle()
    assert await backlog(second.app[DATABASE]) == 0
    assert len(bot_api.texts(CHAT)) == 4, "the outcome sent once, as one message"
    outcome = bot_api.sent(CHAT)[-1]
    assert outcome["text"].startswith("Deze organisaties kunnen je helpen.\n\n")
    assert "Meer over Kindertelefoon" in bot_api.buttons(outcome)
    await second.close()
