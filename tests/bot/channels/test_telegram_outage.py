"""PostgreSQL away (``ALLOW_CONNECTIONS false`` and its backends ended): the webhook and the console answer 503.

Nothing of the update is half-written (no conversation change, no transcript line, no outbox row, no delivery
id), the log has one warning line per update and no traceback, and once the database allows connections again
the same update, delivered again as Telegram does, is processed once, without a restart.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient
from sqlalchemy import text

from bot.app import create_app
from bot.console.outage import AWAY
from bot.dialogs.dialog import Dialog
from storage.database import create_engine
from tests.bot.channels.outage import database_away
from tests.conftest import fresh_database
from tests.console.conftest import PASSWORD, add_agent, csrf_of, login, post
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.telegram_harness import TelegramHarness, telegram_settings

CHAT = 4242
SECRET_WORDS = "mijn oom zit aan me"


@pytest.fixture
async def on_postgres(
    aiohttp_client: AiohttpClient,
    bot_api: FakeBotApi,
    dialog: Dialog,
    tmp_path: Path,
    postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[TelegramHarness]:
    """The product with Telegram by webhook, on the machine's PostgreSQL."""
    from bot.channels.telegram import limits

    monkeypatch.setattr(limits, "CHAT_BURST", 1000)
    engine = await fresh_database(postgres_url)
    await engine.dispose()
    settings = telegram_settings(tmp_path, bot_api, database_url=postgres_url)
    try:
        yield TelegramHarness(await aiohttp_client(create_app(settings, dialog=dialog)), bot_api)
    finally:
        await database_away(postgres_url, away=False)


async def snapshot(url: str, update_id: int) -> dict[str, Any]:
    """What the database holds of the chat, read over a connection of the test's own."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    text("SELECT id, state, history, status FROM conversations WHERE chat_id = :c"),
                    {"c": str(CHAT)},
                )
            ).one()
            lines = (
                await conn.execute(
                    text("SELECT sender, text FROM transcript_entries WHERE conversation_id = :i ORDER BY id"),
                    {"i": row.id},
                )
            ).all()
            outbox = await conn.scalar(text("SELECT count(*) FROM outbox"))
            seen = await conn.scalar(
                text("SELECT count(*) FROM processed_updates WHERE channel = 'telegram' AND update_id = :u"),
                {"u": str(update_id)},
            )
    finally:
        await engine.dispose()
    return {"conversation": tuple(row), "lines": [tuple(line) for line in lines], "outbox": outbox, "seen": seen}


async def test_the_webhook_answers_503_while_postgres_is_away_and_the_redelivery_is_processed_once(
    on_postgres: TelegramHarness, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    telegram = on_postgres
    await telegram.say(CHAT, "/start")
    await telegram.say(CHAT, "Start")
    update = telegram.updates.text(CHAT, SECRET_WORDS)
    before = await snapshot(postgres_url, update["update_id"])
    assert before["outbox"] == 0 and before["seen"] == 0
    sent_before = len(telegram.api.sent(CHAT))

    caplog.set_level(logging.INFO)
    await database_away(postgres_url, away=True)
    try:
        for _attempt in range(3):  # Telegram delivers it again and again while we answer 5xx
            assert await telegram.post(update) == 503
    finally:
        await database_away(postgres_url, away=False)

    assert await snapshot(postgres_url, update["update_id"]) == before, "nothing of the update was kept"
    ours = [r for r in caplog.records if r.name.startswith(("bot", "storage", "aiohttp"))]
    assert not [r for r in ours if r.exc_info], "no traceback for an update while the database is away"
    refused = [r for r in ours if "not processed: the database cannot be reached" in r.getMessage()]
    assert len(refused) == 3 and all(r.levelname == "WARNING" for r in refused), "one line per delivery"
    assert not [r for r in caplog.records if SECRET_WORDS in r.getMessage()]

    assert await telegram.post(update) == 200  # the database is back: no restart, the redelivery is processed
    assert await telegram.post(update) == 200  # and a further redelivery is a duplicate
    after = await snapshot(postgres_url, update["update_id"])
    assert after["seen"] == 1 and after["outbox"] == 0
    assert [line for line in after["lines"] if line == ("user", SECRET_WORDS)] == [("user", SECRET_WORDS)]
    answer = telegram.api.sent(CHAT)[sent_before:]
    assert answer, "the redelivered update is answered"
    await telegram.post(telegram.updates.text(CHAT, "/start"))  # and the bot goes on as before
    assert len(telegram.api.sent(CHAT)) > sent_before + len(answer)


async def test_the_console_answers_503_with_a_calm_message_while_postgres_is_away(
    on_postgres: TelegramHarness, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = on_postgres.client
    await add_agent(client.server, "anna")  # type: ignore[arg-type]
    assert (await login(client, "anna", PASSWORD)).status == 303
    csrf = await csrf_of(client)
    page = await client.get("/console/login")  # its form, fetched while the database is there
    assert page.status == 200

    caplog.set_level(logging.INFO)
    await database_away(postgres_url, away=True)
    try:
        action = await post(client, "/console/h/1/claim", csrf)
        assert action.status == 503
        assert await action.json() == {"ok": False, "error": AWAY}
        queue = await client.get("/console/")
        assert queue.status == 503 and await queue.text() == AWAY
    finally:
        await database_away(postgres_url, away=False)
    ours = [r for r in caplog.records if r.name.startswith(("bot", "storage", "aiohttp"))]
    assert not [r for r in ours if r.exc_info and r.name.startswith(("bot.console", "aiohttp"))], "no traceback"
    assert len([r for r in ours if "console: the database cannot be reached" in r.getMessage()]) == 1
    assert (await client.get("/console/")).status == 200  # back without a restart
    assert any("console: the database answers again" in r.getMessage() for r in caplog.records)
