"""The login rate limit keys on (name, address), with a softer limit per address; argon2 off the loop."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient, AiohttpServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.abuse import ClientKeys
from bot.app import create_app
from bot.appkeys import HELPDESK
from bot.console import auth
from bot.console.keys import LIMITER
from bot.console.limiter import LoginLimiter
from bot.dialogs.dialog import Dialog
from bot.settings import Settings
from storage.limit_counters import COUNTERS, LimitCounterStore
from tests.console.conftest import PASSWORD, Client, add_agent, login
from tests.fakes.helpdesk import FakeClock

A, B = "203.0.113.7", "198.51.100.9"


@pytest.fixture
async def proxied(
    aiohttp_server: AiohttpServer, settings: Settings, dialog: Dialog, sqlite_database: AsyncEngine, clock: FakeClock
) -> TestServer:
    """The console behind a trusted proxy on 127.0.0.1, so a test can come from addresses A and B."""
    trusting = settings.model_copy(update={"console_trusted_proxies": ("127.0.0.1",)})
    server = await aiohttp_server(create_app(trusting, dialog=dialog))
    server.app[HELPDESK].clock = clock
    return server


async def login_from(client: Client, address: str, name: str, password: str = PASSWORD) -> int:
    # what a client writes itself comes first; the proxy appends the address it saw
    client.session.headers["X-Forwarded-For"] = f"10.9.9.9, {address}"
    try:
        return int((await login(client, name, password)).status)
    finally:
        del client.session.headers["X-Forwarded-For"]


async def test_wrong_passwords_for_bob_do_not_lock_out_others(
    aiohttp_client: AiohttpClient, proxied: TestServer
) -> None:
    for name in ("alice", "bob", "carol"):
        await add_agent(proxied, name)
    client = await aiohttp_client(proxied)
    for _ in range(5):
        assert await login_from(client, A, "bob", "wrong") == 401
    assert await login_from(client, A, "bob") == 429  # bob, from A, waits
    assert await login_from(client, B, "bob") == 303  # bob from elsewhere never does
    assert await login_from(client, A, "alice") == 303  # nor does alice from A (below the address limit)
    for name in ("x1", "x2", "x3"):  # many names from A: the softer per-address limit (20 failures)
        for _ in range(5):
            assert await login_from(client, A, name, "wrong") == 401
    # A is over its soft limit: each name gets one try from A; a right first try gets in (a shared proxy)
    assert await login_from(client, A, "x4", "wrong") == 401
    assert await login_from(client, A, "x4", "wrong") == 429
    assert await login_from(client, A, "carol") == 303
    assert await login_from(client, B, "carol") == 303
    assert await login_from(client, B, "bob") == 303


async def test_without_trusted_proxies_forwarded_for_is_ignored(client: Client, server: TestServer) -> None:
    await add_agent(server, "bob")
    for spoofed in range(5):
        client.session.headers["X-Forwarded-For"] = f"192.0.2.{spoofed}"
        assert (await login(client, "bob", "wrong")).status == 401
    assert (await login(client, "bob")).status == 429  # a made-up header does not give new tries


async def test_the_warning_about_an_untrusted_forwarded_for_names_no_address(
    client: Client, server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Without a proxy the sender is a user: the warning says what kind of address, never which."""
    await add_agent(server, "bob")
    client.session.headers["X-Forwarded-For"] = "192.0.2.7"
    with caplog.at_level(logging.WARNING, logger="bot.console.limiter"):
        await login(client, "bob", "wrong")
    warnings = [record.getMessage() for record in caplog.records if "X-Forwarded-For" in record.getMessage()]
    assert len(warnings) == 1 and "loopback address" in warnings[0]
    assert "127.0.0.1" not in warnings[0] and "192.0.2.7" not in warnings[0]


async def test_lookups_do_not_grow_the_limiter(client: Client, server: TestServer, clock: FakeClock) -> None:
    await add_agent(server, "anna")
    limiter = server.app[LIMITER]
    for i in range(50):
        assert await limiter.retry_after(f"name{i}", f"10.0.0.{i}") is None
    assert await limiter.size() == 0
    assert (await login(client, "anna")).status == 303
    assert await limiter.size() == 1  # the address's row, back at nothing: it says nothing, and is pruned
    assert (await login(client, "anna", "wrong")).status == 401
    assert await limiter.size() == 2  # (anna, address) and the address
    clock.advance(seconds=301)
    assert await limiter.counters.prune(round(clock().timestamp() * 1000)) == 2
    assert await limiter.size() == 0


async def test_names_and_addresses_are_stored_only_as_keys(sqlite_database: AsyncEngine) -> None:
    clock = FakeClock()
    counters = LimitCounterStore(sqlite_database)
    limiter = LoginLimiter(5, timedelta(minutes=5), clock, counters, ClientKeys(secret="k").digest)
    for _ in range(5):
        await limiter.failed("bob", "10.0.0.1")
    assert await limiter.retry_after("bob", "10.0.0.1") is not None
    assert await limiter.retry_after("bob", "10.0.0.2") is None  # one failure: no wait
    async with sqlite_database.connect() as conn:
        rows = (await conn.execute(select(COUNTERS))).all()
    assert rows and not any("bob" in str(row) or "10.0.0.1" in str(row) for row in rows)
    clock.advance(seconds=60)  # five per five minutes: one try back each minute
    assert await limiter.attempt("bob", "10.0.0.1") is None
    assert await limiter.attempt("bob", "10.0.0.1") is not None


async def test_passwords_are_checked_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[int] = []
    original = auth.verify_password

    def recording(password_hash: str | None, password: str) -> Any:
        threads.append(threading.get_ident())
        return original(password_hash, password)

    monkeypatch.setattr(auth, "verify_password", recording)
    good = auth.hash_password(PASSWORD)
    results = await asyncio.gather(*(auth.check_password(good, p) for p in (PASSWORD, "wrong", PASSWORD)))
    assert results == [True, False, True]
    assert threads and threading.get_ident() not in threads
