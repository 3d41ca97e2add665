"""The limits per client hold across worker processes: two app instances on one database share them (issue 12).

Each server is a whole app from the factory, as a second ``wegwijzer serve`` process would be; only the database
(and the setting ``limits_secret``) is shared. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient, AiohttpServer

from bot.app import create_app
from bot.dialogs.dialog import Dialog
from bot.settings import load_settings
from tests.bot.channels.webchat import receive, texts
from tests.conftest import fresh_database
from tests.console.conftest import Client, add_agent, login


@pytest.fixture
async def two_servers(
    aiohttp_server: AiohttpServer, database_url: str, dialog: Dialog
) -> AsyncIterator[tuple[TestServer, TestServer]]:
    """Two workers on wall time, like the housekeeping that prunes the counters (with the helpdesk on a fake clock a
    week back, a housekeeping round between two logins pruned the counts as long run out: a CI run saw 303)."""
    engine = await fresh_database(database_url)
    await engine.dispose()
    settings = load_settings(
        {}, None, database_url=database_url, limits_secret="one secret for all workers", web_conversations_per_minute=3
    )
    servers = []
    for _ in range(2):
        servers.append(await aiohttp_server(create_app(settings, dialog=dialog)))
    yield servers[0], servers[1]


async def test_login_attempts_split_over_two_workers_are_limited_as_a_total(
    aiohttp_client: AiohttpClient, two_servers: tuple[TestServer, TestServer]
) -> None:
    one, two = two_servers
    await add_agent(one, "bob")
    clients: list[Client] = [await aiohttp_client(one), await aiohttp_client(two)]
    for attempt in range(5):  # the limit is 5: alternately at each worker
        assert (await login(clients[attempt % 2], "bob", "wrong")).status == 401
    assert (await login(clients[1], "bob")).status == 429
    assert (await login(clients[0], "bob")).status == 429


async def test_new_web_conversations_split_over_two_workers_are_limited_as_a_total(
    aiohttp_client: AiohttpClient, two_servers: tuple[TestServer, TestServer]
) -> None:
    clients: list[Client] = [await aiohttp_client(server) for server in two_servers]
    answers = []
    for n in range(5):  # 3 a minute from one address: alternately at each worker
        async with clients[n % 2].ws_connect("/chat/ws") as ws:
            await receive(ws)
            await ws.send_json({"type": "choice", "id": f"start{n:02d}", "key": "opt:welkom:start"})
            answers.append(texts(await receive(ws))[0])
    assert answers[:3] == ["Ben je nu in gevaar?"] * 3
    assert all(answer != "Ben je nu in gevaar?" for answer in answers[3:]), answers
