"""Polling mode (``wegwijzer serve --polling``): our getUpdates loop against the fake Bot API."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.channels.telegram import limits
from bot.dialogs.dialog import Dialog
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.telegram_harness import WEBHOOK_PATH, telegram_settings
from tests.fakes.telegram_updates import Updates

CHAT = 4242


@pytest.fixture
async def polling(
    aiohttp_client: AiohttpClient,
    bot_api: FakeBotApi,
    sqlite_database: AsyncEngine,
    dialog: Dialog,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AiohttpClient:
    monkeypatch.setattr(limits, "CHAT_BURST", 1000)
    settings = telegram_settings(tmp_path, bot_api, telegram_polling=True, telegram_webhook_secret="")
    return await aiohttp_client(create_app(settings, dialog=dialog))  # type: ignore[no-any-return]


async def test_polling_serves_the_tree(polling: AiohttpClient, bot_api: FakeBotApi) -> None:
    updates = Updates()
    assert bot_api.calls_of("deleteWebhook")  # getUpdates does not work while a webhook is set
    for text in ("/start", "Start", "Nee"):  # one batch: handled in order
        await bot_api.queue_update(updates.text(CHAT, text))

    await bot_api.wait_until(lambda: len(bot_api.texts(CHAT)) == 3)
    assert bot_api.texts(CHAT)[1:] == ["Ben je nu in gevaar?", "Wie ben jij?"]

    question = bot_api.messages[(CHAT, 3)]
    tap = updates.tap(CHAT, question, bot_api.buttons(question)["Ik ben ouder"])
    await bot_api.queue_update(tap)
    await bot_api.wait_until(lambda: any("Ouders & Onderwijs" in t for t in bot_api.texts(CHAT)))
    await bot_api.wait_until(lambda: any(c.params.get("offset") == str(tap["update_id"] + 1) for c in bot_api.calls))
    assert bot_api.calls_of("answerCallbackQuery")


async def test_polling_mode_has_no_webhook_route(polling: AiohttpClient) -> None:
    response = await polling.post(WEBHOOK_PATH, json={"update_id": 1})
    assert response.status in (404, 405)


async def test_polling_survives_a_failing_get_updates(polling: AiohttpClient, bot_api: FakeBotApi) -> None:
    updates = Updates()
    await bot_api.wait_until(lambda: bool(bot_api.calls_of("getUpdates")))  # the first long poll waits
    bot_api.fail_next("getUpdates", status=502)  # so the one after it fails
    await bot_api.queue_update(updates.text(CHAT, "/start"))
    await bot_api.wait_until(lambda: bool(bot_api.calls_of("getUpdates", ok=False)) and len(bot_api.texts(CHAT)) == 1)

    await bot_api.queue_update(updates.text(CHAT, "Start"))
    await bot_api.wait_until(lambda: bot_api.texts(CHAT)[-1] == "Ben je nu in gevaar?")
    assert [c.status for c in bot_api.calls if c.method == "getUpdates"][1] == 502
