"""Danger typed while waiting, in a live chat, when leaving a message, or in an edited Telegram message.

Each goes through a real channel (the web chat socket, python-telegram-bot against the fake Bot API) into the
real engine, gate and queue; the console's socket shows what an agent sees.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient

from bot.appkeys import HELPDESK
from bot.helpdesk.hours import OpeningHours
from tests.console.conftest import Client, add_agent, bot_engine, logged_in, post
from tests.console.test_live import next_event, user_says
from tests.console.test_relay_channels import web_receive
from tests.fakes.helpdesk import FakeClock
from tests.fakes.telegram_harness import TelegramHarness

CHAT = 5151


def kinds(frame: dict[str, Any]) -> list[str]:
    return [m["kind"] for m in frame["messages"]]


def hrefs(frame: dict[str, Any]) -> set[str]:
    return {c["href"] for m in frame["messages"] for c in m["contacts"]}


async def test_crisis_words_in_the_queue_answer_at_once_and_move_the_chat_to_the_front(
    server: TestServer, client: Client, aiohttp_client: AiohttpClient
) -> None:
    await add_agent(server, "anna")
    await logged_in(client, "anna")
    await user_says(server, "mens", "earlier")  # someone who asked first
    user = await aiohttp_client(server)
    assert (await user.get("/")).status == 200
    ws = await client.ws_connect("/console/ws")
    async with user.ws_connect("/chat/ws") as chat:
        await web_receive(chat, "history")
        await chat.send_json({"type": "choice", "id": "w1", "key": "cmd:mens"})
        queued = await web_receive(chat, "messages")
        assert "Je bent nummer 2." in "\n".join(m["text"] for m in queued["messages"])
        await chat.send_json({"type": "text", "id": "w2", "text": "ik wil niet meer leven"})
        answer = await web_receive(chat, "messages")
        assert answer["reply_to"] == "w2" and kinds(answer)[0] == "crisis"
        assert {"tel:113", "tel:08000113"} <= hrefs(answer)
        assert all(c["urgent"] for m in answer["messages"] for c in m["contacts"])
        while True:  # the console's queue: the web chat is first now, marked Crisis
            items = (await next_event(ws, "queue"))["items"]
            if items and items[0]["channel"] == "web":
                break
        assert items[0]["crisis"] is True and items[1]["crisis"] is False
    await ws.close()


async def test_crisis_words_in_a_live_telegram_chat_alert_the_agent(
    telegram: TelegramHarness, aiohttp_client: AiohttpClient
) -> None:
    server = telegram.client.server
    await add_agent(server, "anna")  # type: ignore[arg-type]
    console = await aiohttp_client(server)
    csrf = await logged_in(console, "anna")
    await telegram.say(CHAT, "/start")
    await telegram.say(CHAT, "mens")
    ws = await console.ws_connect("/console/ws?watch=1")
    item = (await next_event(ws, "queue"))["items"][0]
    assert (await post(console, f"/console/h/{item['handoff']}/claim", csrf)).status == 200
    await telegram.settle()
    assert await telegram.say(CHAT, "Het gaat wel.") == []  # the bot is silent while a person has the chat
    helped = await telegram.say(CHAT, "mijn stiefvader slaat me elke avond")
    assert "Veilig Thuis" in "\n".join(m["text"] for m in helped) and "0800-2000" in helped[0]["text"]
    assert "Praat met een mens" not in {b for m in helped for b in telegram.api.buttons(m)}  # a person is here
    alert = await next_event(ws, "crisis")
    assert alert["kind"] == "abuse_home" and alert["conversation"] == 1
    assert (await next_event(ws, "message", sender="user"))["text"] == "mijn stiefvader slaat me elke avond"
    page = await (await console.get("/console/c/1")).text()
    assert 'class="badge crisis"' in page and 'id="crisis-alert"' in page
    await ws.close()


async def test_crisis_words_when_leaving_a_message_after_hours_flag_the_message(
    server: TestServer, aiohttp_client: AiohttpClient, clock: FakeClock
) -> None:
    desk = server.app[HELPDESK]
    desk.hours = OpeningHours(["mon 09:00-17:00"], [], "Europe/Amsterdam")
    clock.now = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)  # Sunday evening: closed
    user = await aiohttp_client(server)
    assert (await user.get("/")).status == 200
    async with user.ws_connect("/chat/ws") as chat:
        await web_receive(chat, "history")
        await chat.send_json({"type": "choice", "id": "w1", "key": "cmd:mens"})
        closed = await web_receive(chat, "messages")
        assert {"tel:112", "tel:113", "tel:08000432", "tel:08002000"} <= hrefs(closed)  # numbers as data
        await chat.send_json({"type": "choice", "id": "w2", "key": "hand:bericht"})
        await web_receive(chat, "messages")
        await chat.send_json({"type": "text", "id": "w3", "text": "ze gaan me morgen in elkaar slaan"})
        answer = await web_receive(chat, "messages")
        assert kinds(answer)[0] == "crisis" and "tel:112" in hrefs(answer)
    queue = await desk.handoffs.queue()
    assert [(q.crisis, q.after_hours, q.waiting_messages) for q in queue] == [(True, True, 1)]


async def test_an_edited_telegram_message_with_danger_gets_help(telegram: TelegramHarness) -> None:
    await telegram.say(CHAT, "/start")
    before = len(telegram.api.sent(CHAT))
    assert await telegram.post(telegram.updates.edited(CHAT, "ik wil dood")) == 200
    helped = telegram.api.sent(CHAT)[before:]
    assert helped[0]["text"].startswith("Wat je schrijft, vind ik belangrijk.")
    assert "113" in helped[0]["text"]


async def test_the_engine_keeps_crisis_help_out_of_the_tree_state(server: TestServer) -> None:
    texts = await user_says(server, "hij heeft een mes en bedreigt me", "knife")
    assert texts[0].startswith("Ben je nu in gevaar? Bel dan meteen 112.")
    conversation = await bot_engine(server).store.load("test", "knife")
    assert conversation is not None and conversation.state == "welkom"
