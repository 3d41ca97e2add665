"""``/metrics`` of the real server: turns per channel, the queue, hand-offs, crisis flags, the Bot API's 429s,
open web sockets, and nothing that identifies a person."""

from __future__ import annotations

import math

from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from pytest_aiohttp import AiohttpClient

from bot.app import create_app
from bot.appkeys import METRICS
from bot.channels.web import WEB_CHANNEL
from bot.settings import Settings
from tests.bot.channels.outage import database_away, postgres_server
from tests.bot.channels.webchat import receive, texts
from tests.fakes.telegram_harness import TelegramHarness

__all__ = ["postgres_server"]  # a fixture

CHAT = 987654321  # long enough that finding it in the page is no coincidence
SECRET_WORDS = "mijn geheim woord zebrapaard"

Client = TestClient  # type: ignore[type-arg]
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client: Client) -> tuple[str, Samples]:
    """The page as text, and its samples by name and labels."""
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    body = await response.text()
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }
    return body, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def web_walk(client: Client) -> str:
    """A web chat page: open, Start, then a typed text; the chat id its session got."""
    async with client.ws_connect("/chat/ws") as ws:
        await receive(ws)  # the welcome: shown, not a turn
        await ws.send_json({"type": "choice", "id": "m1", "key": "opt:welkom:start"})
        assert texts(await receive(ws)) == ["Ben je nu in gevaar?"]
        await ws.send_json({"type": "text", "id": "m2", "text": SECRET_WORDS})
        await receive(ws)
        (chat_id,) = client.app[WEB_CHANNEL].sockets
        _body, samples = await scrape(client)
        assert value(samples, "wegwijzer_web_sockets_open") == 1
    await client.app[WEB_CHANNEL].close_all()  # the server's side of the closed socket, without waiting for it
    return chat_id


async def test_turns_are_counted_per_channel_and_no_chat_id_or_text_is_on_the_page(
    telegram: TelegramHarness,
) -> None:
    web_chat = await web_walk(telegram.client)
    await telegram.say(CHAT, "/start")
    await telegram.tap(CHAT, "Start")
    await telegram.say(CHAT, SECRET_WORDS)

    body, samples = await scrape(telegram.client)

    assert value(samples, "wegwijzer_turn_seconds_count", channel="web") == 3  # the stored welcome, Start, text
    assert value(samples, "wegwijzer_turn_seconds_count", channel="telegram") == 3
    assert value(samples, "wegwijzer_turns_failed_total", channel="telegram") == 0
    assert str(CHAT) not in body and web_chat not in body
    assert "zebrapaard" not in body and "geheim" not in body
    assert value(samples, "wegwijzer_outbox_backlog", channel="telegram") == 0  # all sent
    assert value(samples, "wegwijzer_web_sockets_open") == 0


async def test_a_redelivered_update_is_not_a_second_turn(telegram: TelegramHarness) -> None:
    update = telegram.updates.text(CHAT, "/start")
    assert await telegram.post(update) == 200
    assert await telegram.post(update) == 200  # Telegram delivers it again: answered with nothing

    _body, samples = await scrape(telegram.client)

    assert value(samples, "wegwijzer_turn_seconds_count", channel="telegram") == 1


async def test_a_waiting_hand_off_shows_in_the_queue_and_its_end_by_outcome(telegram: TelegramHarness) -> None:
    await telegram.say(CHAT, "/start")
    queued = await telegram.say(CHAT, "/mens")
    assert any("Je staat in de wachtrij" in m["text"] for m in queued)

    _body, samples = await scrape(telegram.client)
    assert value(samples, "wegwijzer_queue_length") == 1
    assert value(samples, "wegwijzer_queue_oldest_wait_seconds") >= 0
    assert value(samples, "wegwijzer_handoffs_live") == 0

    await telegram.say(CHAT, "/stop")  # the user leaves the queue

    _body, samples = await scrape(telegram.client)
    assert value(samples, "wegwijzer_queue_length") == 0
    assert value(samples, "wegwijzer_queue_oldest_wait_seconds") == 0
    assert value(samples, "wegwijzer_handoffs_ended_total", outcome="user_left") == 1


async def test_crisis_words_are_counted_by_kind(telegram: TelegramHarness) -> None:
    await telegram.say(CHAT, "ik denk aan zelfmoord")

    body, samples = await scrape(telegram.client)

    assert value(samples, "wegwijzer_crisis_flags_total", kind="suicide") == 1
    assert "zelfmoord" not in body


async def test_a_429_from_the_bot_api_and_a_refused_send_are_counted(telegram: TelegramHarness) -> None:
    telegram.api.fail_next("sendMessage", status=429, retry_after=1)

    assert await telegram.post(telegram.updates.text(CHAT, "/start")) == 200  # waits until it went out

    _body, samples = await scrape(telegram.client)
    assert value(samples, "wegwijzer_bot_api_429_total") == 1
    assert value(samples, "wegwijzer_send_failures_total", channel="telegram", reason="refused") == 0
    assert value(samples, "wegwijzer_outbox_backlog", channel="telegram") == 0

    telegram.api.fail_next("sendMessage", status=403)  # the user blocked the bot
    assert await telegram.post(telegram.updates.text(CHAT, "Start")) == 200

    _body, samples = await scrape(telegram.client)
    assert value(samples, "wegwijzer_send_failures_total", channel="telegram", reason="refused") == 1
    assert value(samples, "wegwijzer_bot_api_429_total") == 1


async def test_each_app_counts_in_its_own_registry(aiohttp_client: AiohttpClient, settings: Settings) -> None:
    first, second = create_app(settings), create_app(settings)

    first[METRICS].turn("web", 0.01)

    assert first[METRICS].registry is not second[METRICS].registry
    assert second[METRICS].turn_seconds.labels("web")._sum.get() == 0
    assert not [name for name in REGISTRY._names_to_collectors if name.startswith("wegwijzer_")]


async def test_with_the_database_away_the_page_answers_and_its_gauges_are_nan(
    aiohttp_client: AiohttpClient, postgres_server: TestServer, postgres_url: str
) -> None:
    client = await aiohttp_client(postgres_server)
    _body, samples = await scrape(client)
    assert value(samples, "wegwijzer_queue_length") == 0

    await database_away(postgres_url, away=True)
    _body, samples = await scrape(client)
    assert math.isnan(value(samples, "wegwijzer_queue_length"))
    assert math.isnan(value(samples, "wegwijzer_outbox_backlog", channel="telegram"))

    await database_away(postgres_url, away=False)
    _body, samples = await scrape(client)
    assert value(samples, "wegwijzer_queue_length") == 0
