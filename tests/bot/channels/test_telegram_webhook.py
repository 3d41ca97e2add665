"""The webhook route: the secret, bodies that are not updates, redelivery and a failing engine step."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.telegram_harness import TelegramHarness

CHAT = 4242


async def test_the_right_secret_is_let_in(telegram: TelegramHarness) -> None:
    assert await telegram.post(telegram.updates.text(CHAT, "/start")) == 200
    assert telegram.api.texts(CHAT)[0].startswith("Hoi, ik ben de Wegwijzer.")


@pytest.mark.parametrize("secret", ["wrong-secret", "", "test-secret_012345678", "test-secret_0123456789x", None])
async def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_processed(
    telegram: TelegramHarness, secret: str | None
) -> None:
    assert await telegram.post(telegram.updates.text(CHAT, "/start"), secret=secret) == 403
    assert telegram.api.calls_of("sendMessage") == []
    assert await telegram.channel.engine.store.load("telegram", str(CHAT)) is None


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe",
        b"",
        b"[1, 2]",
        b'"update"',
        b'{"message": {"text": "hoi"}}',
        b'{"update_id": "7"}',
        b'{"update_id": 7, "message": "hoi"}',
        b'{"update_id": 7, "message": {"text": "no chat, no date"}}',
    ],
)
async def test_a_body_that_is_not_an_update_is_a_400(telegram: TelegramHarness, body: bytes) -> None:
    assert await telegram.post(body) == 400
    assert telegram.api.calls_of("sendMessage") == []


async def test_a_wrong_secret_is_refused_before_the_body_is_read(telegram: TelegramHarness) -> None:
    assert await telegram.post(b"{not json", secret="wrong") == 403


async def test_an_update_delivered_twice_is_processed_once(telegram: TelegramHarness) -> None:
    await telegram.say(CHAT, "/start")
    update = telegram.updates.text(CHAT, "Start")
    assert await telegram.post(update) == 200
    assert await telegram.post(update) == 200

    assert telegram.api.texts(CHAT)[1:] == ["Ben je nu in gevaar?"]
    conversation = await telegram.conversation(CHAT)
    lines = await telegram.channel.engine.store.transcript(conversation.id)
    assert [line.text for line in lines if line.sender == "user"].count("Start") == 1


async def test_a_redelivery_after_a_restart_is_still_recognised(telegram: TelegramHarness) -> None:
    await telegram.say(CHAT, "/start")
    update = telegram.updates.text(CHAT, "Start")
    assert await telegram.post(update) == 200
    # No memory of it in the process: the update id is in the database, committed with the step.

    assert await telegram.post(update) == 200
    assert telegram.api.texts(CHAT)[1:] == ["Ben je nu in gevaar?"]
    assert (await telegram.conversation(CHAT)).state == "gevaar"


async def test_a_tap_delivered_twice_takes_one_step(telegram: TelegramHarness) -> None:
    await telegram.say(CHAT, "/start")
    await telegram.tap(CHAT, "Start")
    question = telegram.message_with(CHAT, "Nee")
    update = telegram.updates.tap(CHAT, question, telegram.api.buttons(question)["Nee"])
    assert await telegram.post(update) == 200
    assert await telegram.post(update) == 200
    assert telegram.api.texts(CHAT)[-1] == "Wie ben jij?"
    assert telegram.api.texts(CHAT).count("Wie ben jij?") == 1
    assert (await telegram.conversation(CHAT)).history == ["welkom", "gevaar"]


async def test_a_database_that_cannot_be_opened_is_a_503_and_the_redelivery_is_answered(
    telegram: TelegramHarness, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await telegram.say(CHAT, "/start")
    database = tmp_path / "wegwijzer.sqlite3"
    aside = tmp_path / "aside.sqlite3"
    store = telegram.channel.engine.store
    await store.engine.dispose()
    database.rename(aside)
    database.mkdir()  # a folder where the database was: the step cannot be loaded or saved
    update = telegram.updates.text(CHAT, "Start")

    assert await telegram.post(update) == 503  # the database away: Telegram delivers it again
    assert telegram.api.texts(CHAT)[1:] == []
    assert not [r for r in caplog.records if r.exc_info], "one warning line, no traceback"
    assert [r.levelname for r in caplog.records if "cannot be reached" in r.getMessage()] == ["WARNING"]

    database.rmdir()
    aside.rename(database)
    await store.engine.dispose()
    assert await telegram.post(update) == 200  # Telegram delivers it again
    assert telegram.api.texts(CHAT)[1:] == ["Ben je nu in gevaar?"]


async def test_a_step_that_fails_for_another_reason_is_a_500_with_its_traceback_logged_once(
    telegram: TelegramHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await telegram.say(CHAT, "/start")
    engine = telegram.channel.engine
    real = engine.handle

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in the step")

    monkeypatch.setattr(engine, "handle", broken)
    update = telegram.updates.text(CHAT, "Start")
    assert await telegram.post(update) == 500
    traces = [r for r in caplog.records if r.exc_info]
    assert len(traces) == 1 and str(update["update_id"]) in traces[0].getMessage()

    monkeypatch.setattr(engine, "handle", real)
    assert await telegram.post(update) == 200  # nothing of it was kept: the redelivery is processed
    assert telegram.api.texts(CHAT)[1:] == ["Ben je nu in gevaar?"]


async def test_a_lone_surrogate_is_stored_and_answered_so_telegram_does_not_redeliver_it(
    telegram: TelegramHarness,
) -> None:
    await telegram.say(CHAT, "/start")
    update = telegram.updates.text(CHAT, "PLACEHOLDER")
    body = json.dumps(update).replace("PLACEHOLDER", "Start\\ud800")  # as Telegram escapes it in JSON
    assert await telegram.post(body) == 200, "a 500 would make Telegram send it again and again"
    await telegram.settle()
    assert telegram.api.texts(CHAT)[-1] == "Ben je nu in gevaar?"
    conversation = await telegram.conversation(CHAT)
    lines = await telegram.channel.engine.store.transcript(conversation.id)
    assert [line.text for line in lines if line.sender == "user"][-1] == "Start"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [30_000, 5_000, 900, 65])
async def test_deeply_nested_json_is_a_400_never_a_500(telegram: TelegramHarness, depth: int) -> None:
    """A 500 would make Telegram deliver it again and again; Telegram's own updates nest about ten deep."""
    update = telegram.updates.text(CHAT, "PLACEHOLDER")
    body = json.dumps({**update, "extra": "NESTED"}).replace('"NESTED"', nested(depth))
    assert await telegram.post(body) == 400
    assert await telegram.post(nested(depth)) == 400
    assert telegram.api.calls_of("sendMessage") == []
    assert await telegram.post(telegram.updates.text(CHAT, "/start")) == 200, "the server is still well"


async def test_an_oversized_body_is_refused_before_it_is_parsed(telegram: TelegramHarness) -> None:
    update = telegram.updates.text(CHAT, "x" * 100_000)
    assert await telegram.post(update) == 413
    assert telegram.api.calls_of("sendMessage") == []


async def test_a_tap_is_answered_in_the_webhook_response_not_by_a_call(telegram: TelegramHarness) -> None:
    """Issue 15: ``answerCallbackQuery`` was a Bot API call of its own inside every tap's webhook request."""
    await telegram.say(CHAT, "/start")
    update = telegram.updates.tap(CHAT, telegram.message_with(CHAT, "Start"), "opt:welkom:start")
    headers = {"X-Telegram-Bot-Api-Secret-Token": "test-secret_0123456789"}

    response = await telegram.client.post("/telegram/webhook", json=update, headers=headers)
    await telegram.settle()

    assert response.status == 200
    query_id = update["callback_query"]["id"]
    assert await response.json() == {"method": "answerCallbackQuery", "callback_query_id": query_id}
    assert telegram.api.calls_of("answerCallbackQuery") == []
    assert telegram.api.texts(CHAT)[-1] == "Ben je nu in gevaar?"
    typed = await telegram.client.post("/telegram/webhook", json=telegram.updates.text(CHAT, "Nee"), headers=headers)
    assert typed.status == 200 and await typed.read() == b""  # nothing to answer for a typed message


async def test_a_tap_whose_step_fails_is_still_answered_by_a_call(
    telegram: TelegramHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await telegram.say(CHAT, "/start")

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in the step")

    monkeypatch.setattr(telegram.channel.engine, "handle", broken)
    update = telegram.updates.tap(CHAT, telegram.message_with(CHAT, "Start"), "opt:welkom:start")
    assert await telegram.post(update) == 500
    [answer] = telegram.api.calls_of("answerCallbackQuery")  # the spinner stops; Telegram delivers it again
    assert answer.params["callback_query_id"] == update["callback_query"]["id"]
