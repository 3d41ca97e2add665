"""Starting the Telegram channel: commands, webhook registration, settings that cannot work, no token."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpClient
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.error import InvalidToken

from bot import cli
from bot.app import create_app
from bot.dialogs.dialog import Dialog
from bot.settings import Settings, SettingsError
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.telegram_harness import SECRET, TelegramHarness, telegram_settings

CHAT = 4242


async def test_commands_are_registered_at_start_up_in_every_language(telegram: TelegramHarness) -> None:
    calls = {
        call.params.get("language_code"): call.params["commands"] for call in telegram.api.calls_of("setMyCommands")
    }
    assert set(calls) == {None, "en", "ar", "tr", "pl", "uk"}  # Dutch is the default menu
    for commands in calls.values():
        assert [c["command"] for c in commands] == [
            "start",
            "terug",
            "opnieuw",
            "mens",
            "taal",
            "stop",
            "help",
            "vergeet",
            "privacy",
        ]
        assert all(c["description"] for c in commands)
    assert calls["en"][3]["description"] != calls[None][3]["description"]  # "Praat met een mens", translated
    assert telegram.api.calls_of("setWebhook") == []  # no public URL: nothing to register


async def test_a_failing_set_my_commands_does_not_stop_the_bot(
    aiohttp_client: AiohttpClient, bot_api: FakeBotApi, sqlite_database: AsyncEngine, dialog: Dialog, tmp_path: Path
) -> None:
    bot_api.fail_next("setMyCommands", status=500)
    client = await aiohttp_client(create_app(telegram_settings(tmp_path, bot_api), dialog=dialog))
    telegram = TelegramHarness(client, bot_api)
    assert (await telegram.say(CHAT, "/start"))[0]["text"].startswith("Hoi")


async def test_with_a_public_url_the_bot_registers_its_webhook_with_the_secret(
    aiohttp_client: AiohttpClient, bot_api: FakeBotApi, sqlite_database: AsyncEngine, dialog: Dialog, tmp_path: Path
) -> None:
    settings = telegram_settings(tmp_path, bot_api, public_url="https://wegwijzer.example/")
    await aiohttp_client(create_app(settings, dialog=dialog))
    assert bot_api.webhook["url"] == "https://wegwijzer.example/telegram/webhook"
    assert bot_api.webhook["secret_token"] == SECRET
    assert bot_api.webhook["allowed_updates"] == ["message", "edited_message", "callback_query", "my_chat_member"]


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"telegram_webhook_secret": "", "public_url": "https://wegwijzer.example"}, "telegram_webhook_secret"),
        ({"telegram_webhook_secret": ""}, "telegram_webhook_secret"),
        ({"telegram_webhook_secret": "geen spaties!"}, "telegram_webhook_secret"),
        ({"telegram_webhook_path": "telegram"}, "telegram_webhook_path"),
        ({"public_url": "wegwijzer.example"}, "public_url"),
    ],
)
def test_settings_that_cannot_work_refuse_to_start_and_name_the_key(
    bot_api: FakeBotApi, tmp_path: Path, overrides: dict[str, str], key: str
) -> None:
    with pytest.raises(SettingsError, match=f"'{key}'"):
        create_app(telegram_settings(tmp_path, bot_api, **overrides))


def test_polling_needs_no_webhook_secret(bot_api: FakeBotApi, tmp_path: Path) -> None:
    create_app(telegram_settings(tmp_path, bot_api, telegram_webhook_secret="", telegram_polling=True))


def test_serve_refuses_a_public_url_without_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("TELEGRAM_TOKEN", "123:abc")
    monkeypatch.setenv("WEGWIJZER_PUBLIC_URL", "https://wegwijzer.example")
    monkeypatch.setenv("WEGWIJZER_TELEGRAM_WEBHOOK_SECRET", "")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'w.sqlite3'}")
    assert cli.main(["serve"]) == 2
    assert "WEGWIJZER_TELEGRAM_WEBHOOK_SECRET" in capsys.readouterr().err


def test_serve_polling_flag_overrides_the_setting() -> None:
    parser = cli.build_parser()
    assert cli._overrides(parser.parse_args(["serve", "--polling"])) == {"telegram_polling": True}
    assert "telegram_polling" not in cli._overrides(parser.parse_args(["serve"]))


async def test_a_wrong_token_stops_start_up(bot_api: FakeBotApi, sqlite_database: AsyncEngine, tmp_path: Path) -> None:
    settings = telegram_settings(tmp_path, bot_api, telegram_token="999:wrong")
    runner = web.AppRunner(create_app(settings))
    with pytest.raises(InvalidToken):
        await runner.setup()
    await runner.cleanup()


async def test_without_a_token_the_server_runs_without_telegram_and_says_so(
    aiohttp_client: AiohttpClient, settings: Settings, sqlite_database: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bot.channels.telegram"):
        client = await aiohttp_client(create_app(settings))
    assert "Telegram is off: no TELEGRAM_TOKEN set" in caplog.text
    response = await client.post("/telegram/webhook", json={"update_id": 1})
    assert response.status in (404, 405)
    assert (await client.get("/healthz")).status == 200
