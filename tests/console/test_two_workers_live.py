"""Live events across two workers on one PostgreSQL database (issue 12, "Several workers").

Each server is a whole app from the factory, as a second ``wegwijzer serve`` process would be; they share only
the database, and the live events go through PostgreSQL ``LISTEN/NOTIFY`` (``bot.live_relay``). A web-chat user
is connected to worker A, the agent's console to worker B.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient, AiohttpServer
from sqlalchemy.engine import make_url

from bot.app import create_app
from bot.appkeys import HELPDESK
from bot.dialogs.dialog import Dialog
from bot.live_relay import LIVE_RELAY
from bot.settings import load_settings
from tests.conftest import fresh_database
from tests.console.conftest import Client, add_agent, logged_in, post
from tests.console.test_live import next_event
from tests.console.test_relay_channels import web_receive, web_texts
from tests.fakes.helpdesk import FakeClock

Servers = tuple[TestServer, TestServer]


@pytest.fixture
async def two_workers(
    aiohttp_server: AiohttpServer, postgres_url: str, dialog: Dialog, clock: FakeClock
) -> AsyncIterator[Servers]:
    engine = await fresh_database(postgres_url)
    await engine.dispose()
    settings = load_settings({}, None, database_url=postgres_url, limits_secret="one secret for all workers")
    servers = []
    for _ in range(2):
        server = await aiohttp_server(create_app(settings, dialog=dialog))
        server.app[HELPDESK].clock = clock
        servers.append(server)
    yield servers[0], servers[1]


async def queue_of(ws: ClientWebSocketResponse, size: int) -> list[dict[str, Any]]:
    """The items of the next queue event with ``size`` items (skipping others), within five seconds."""
    while True:
        items: list[dict[str, Any]] = (await next_event(ws, "queue"))["items"]
        if len(items) == size:
            return items


async def ask_for_a_person(user: Client) -> ClientWebSocketResponse:
    assert (await user.get("/")).status == 200
    chat = await user.ws_connect("/chat/ws")
    await web_receive(chat, "history")
    await chat.send_json({"type": "choice", "id": "w1", "key": "cmd:mens"})
    assert any("Je staat in de wachtrij" in t for t in web_texts(await web_receive(chat, "messages")))
    return chat


async def test_a_web_chat_on_one_worker_and_the_agent_on_another_talk_live_both_ways(
    aiohttp_client: AiohttpClient, two_workers: Servers
) -> None:
    one, two = two_workers
    await add_agent(two, "anna")
    user, console = await aiohttp_client(one), await aiohttp_client(two)
    csrf = await logged_in(console, "anna")
    queue = await console.ws_connect("/console/ws")
    assert await queue_of(queue, 0) == []

    chat = await ask_for_a_person(user)  # on worker A
    item = (await queue_of(queue, 1))[0]  # live on worker B
    assert (item["channel"], item["status"]) == ("web", "queued")
    watch = await console.ws_connect(f"/console/ws?watch={item['conversation']}")
    await queue_of(watch, 1)

    assert (await post(console, f"/console/h/{item['handoff']}/claim", csrf)).status == 200
    assert web_texts(await web_receive(chat, "messages")) == ["Je praat nu met Anna van de chat-ondersteuning."]
    assert (await queue_of(queue, 1))[0]["status"] == "live"

    assert (await post(console, f"/console/h/{item['handoff']}/typing", csrf)).status == 200
    assert (await web_receive(chat, "typing"))["type"] == "typing"
    assert (await post(console, f"/console/h/{item['handoff']}/reply", csrf, text="Ik luister.")).status == 200
    answer = (await web_receive(chat, "messages"))["messages"][0]
    assert (answer["text"], answer["author"]) == ("Ik luister.", "Anna")

    await chat.send_json({"type": "text", "id": "w2", "text": "Dank je."})
    assert (await web_receive(chat, "messages"))["messages"] == []  # the bot stays silent
    assert (await next_event(watch, "message", sender="user"))["text"] == "Dank je."

    assert (await post(console, f"/console/h/{item['handoff']}/end", csrf, outcome="information")).status == 200
    ended = (await web_receive(chat, "messages"))["messages"][0]
    assert ended["text"].startswith("Anna heeft de chat gesloten.")
    assert {"Opnieuw beginnen", "Ik ben klaar"} <= {a["label"] for a in ended["actions"]}  # the buttons came along
    assert (await next_event(watch, "status", status="ended"))["reason"] == "information"
    assert await queue_of(queue, 0) == []
    for ws in (chat, queue, watch):
        await ws.close()


async def test_queue_changes_on_one_worker_reach_a_console_on_another(
    aiohttp_client: AiohttpClient, two_workers: Servers
) -> None:
    one, two = two_workers
    await add_agent(one, "anna")
    await add_agent(two, "bram")
    user, anna, bram = await aiohttp_client(one), await aiohttp_client(one), await aiohttp_client(two)
    csrf = await logged_in(anna, "anna")
    await logged_in(bram, "bram")
    queue = await bram.ws_connect("/console/ws")  # on worker B
    await queue_of(queue, 0)

    chat = await ask_for_a_person(user)
    item = (await queue_of(queue, 1))[0]
    assert (await post(anna, f"/console/h/{item['handoff']}/claim", csrf)).status == 200  # on worker A
    claimed = (await queue_of(queue, 1))[0]
    assert (claimed["status"], claimed["agent"]) == ("live", "Anna")
    assert (await post(anna, f"/console/h/{item['handoff']}/transfer", csrf, to="queue")).status == 200
    assert (await queue_of(queue, 1))[0]["status"] == "queued"
    await chat.send_json({"type": "text", "id": "w2", "text": "stop"})  # the user leaves the queue, on A
    assert await queue_of(queue, 0) == []
    await chat.close()
    await queue.close()


async def test_long_messages_go_as_a_refresh_and_reach_the_page_from_the_transcript(
    aiohttp_client: AiohttpClient, two_workers: Servers
) -> None:
    """A notification holds under 8000 bytes: a longer event makes the other worker read the database."""
    one, two = two_workers
    await add_agent(two, "anna")
    user, console = await aiohttp_client(one), await aiohttp_client(two)
    csrf = await logged_in(console, "anna")
    chat = await ask_for_a_person(user)
    watch = await console.ws_connect("/console/ws?watch=1")
    handoff = (await queue_of(watch, 1))[0]["handoff"]
    assert (await post(console, f"/console/h/{handoff}/claim", csrf)).status == 200
    await web_receive(chat, "messages")

    long_text = "é" * 3990  # about 8000 bytes
    await chat.send_json({"type": "text", "id": "w2", "text": long_text})
    assert await next_event(watch, "refresh") == {"type": "refresh", "conversation": 1}
    assert (await post(console, f"/console/h/{handoff}/reply", csrf, text=long_text)).status == 200
    shown = await web_receive(chat, "messages")
    while not shown["messages"]:  # the answer to the user's own frame (silent) may come first
        shown = await web_receive(chat, "messages")
    assert web_texts(shown) == [long_text]
    await chat.close()
    await watch.close()


async def test_live_events_resume_after_the_listening_connection_is_killed(
    aiohttp_client: AiohttpClient, two_workers: Servers, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    one, two = two_workers
    await add_agent(two, "anna")
    user, console = await aiohttp_client(one), await aiohttp_client(two)
    await logged_in(console, "anna")
    queue = await console.ws_connect("/console/ws")
    await queue_of(queue, 0)

    notifications = two.app[LIVE_RELAY].notifications
    pid = notifications.backend_pid
    assert pid is not None
    caplog.set_level(logging.INFO, logger="storage.notify")
    admin = await asyncpg.connect(make_url(postgres_url).set(drivername="postgresql").render_as_string(False))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()
    assert await queue_of(queue, 0) == []  # reconnected after a pause, and read again what it may have missed
    assert notifications.backend_pid not in (None, pid)

    chat = await ask_for_a_person(user)  # on worker A: live again on B
    assert (await queue_of(queue, 1))[0]["channel"] == "web"
    lost = [r for r in caplog.records if r.name == "storage.notify" and r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in lost] == ["live events: lost the other workers (connection closed); reconnecting"]
    assert not any(r.exc_info for r in caplog.records)
    await chat.close()
    await queue.close()
