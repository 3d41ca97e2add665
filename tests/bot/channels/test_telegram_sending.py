"""Sending to Telegram: flood limits, retry_after on 429, retries on 5xx, refusals that must not crash."""

from __future__ import annotations

import pytest

from bot.appkeys import HUB
from bot.logref import ref
from bot.messages import OutgoingMessage
from tests.fakes.telegram_harness import TelegramHarness

CHAT = 4242


async def test_a_429_is_retried_after_retry_after(telegram: TelegramHarness) -> None:
    telegram.api.fail_next("sendMessage", status=429, retry_after=1)

    assert await telegram.post(telegram.updates.text(CHAT, "/start")) == 200

    attempts = [c for c in telegram.api.calls if c.method == "sendMessage"]
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].params["text"].startswith("Hoi, ik ben de Wegwijzer.")
    assert attempts[1].at - attempts[0].at >= 1.0


async def test_a_500_from_the_bot_api_is_retried_and_the_answer_arrives(telegram: TelegramHarness) -> None:
    await telegram.say(CHAT, "/start")
    telegram.api.fail_next("sendMessage", status=500)
    telegram.api.fail_next("sendMessage", status=502)

    assert await telegram.post(telegram.updates.text(CHAT, "Start")) == 200  # the step is saved: no redelivery

    attempts = [c for c in telegram.api.calls if c.method == "sendMessage"][1:]
    assert [c.status for c in attempts] == [500, 502, 200]
    assert {c.params["text"] for c in attempts} == {"Ben je nu in gevaar?"}
    assert (await telegram.conversation(CHAT)).state == "gevaar"


@pytest.mark.parametrize("status", [400, 403])
async def test_a_refused_send_is_not_retried_and_the_bot_carries_on(telegram: TelegramHarness, status: int) -> None:
    telegram.api.fail_next("sendMessage", status=status)  # 403: the user blocked the bot

    assert await telegram.post(telegram.updates.text(CHAT, "/start")) == 200
    assert [c.status for c in telegram.api.calls if c.method == "sendMessage"] == [status]

    assert (await telegram.say(CHAT, "Start"))[0]["text"] == "Ben je nu in gevaar?"


async def test_a_refused_delivery_from_the_hub_is_logged_and_does_not_raise(
    telegram: TelegramHarness, caplog: pytest.LogCaptureFixture
) -> None:
    telegram.api.fail_next("sendMessage", status=403)  # the user blocked the bot
    await telegram.client.app[HUB].deliver("telegram", str(CHAT), [OutgoingMessage("Hoi, ik ben Sanne.")])
    await telegram.settle()
    assert f"not delivered to chat {ref(str(CHAT))}" in caplog.text
    assert str(CHAT) not in caplog.text  # a private chat id is the user's Telegram account: never logged
    assert "Sanne" not in caplog.text  # ids in the log, never the words


async def test_a_private_chat_gets_a_burst_and_then_about_one_message_per_second(
    telegram: TelegramHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(telegram.channel.sender.chat_limits, "burst", 2)
    for n in range(3):  # three deliveries: three messages (one delivery's messages leave as one)
        await telegram.client.app[HUB].deliver("telegram", str(CHAT), [OutgoingMessage(f"Bericht {n}")])
    await telegram.settle()

    sent = telegram.api.calls_of("sendMessage")
    assert [c.params["text"] for c in sent] == ["Bericht 0", "Bericht 1", "Bericht 2"]
    assert sent[2].at - sent[0].at >= 0.9  # the third waited for the bucket
