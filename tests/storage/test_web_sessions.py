"""The ``web_sessions`` table against real SQLite and real PostgreSQL (each test runs on both)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.migrate import downgrade, upgrade
from storage.models import Conversation, utcnow
from storage.repository import ConversationStore, Line
from storage.web_sessions import WebSessionStore
from tests.conftest import fresh_database
from tests.storage.old_schema import add_conversation, has_conversation


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def test_a_ticket_is_traded_once_and_the_token_before_it_stops_working(database: AsyncEngine) -> None:
    sessions = WebSessionStore(database)
    now = utcnow()
    await sessions.offer("chat-1", sha("ticket-1"), now + timedelta(minutes=10))
    assert await sessions.chat_of(sha("token-1")) is None, "an offer is no session yet"
    assert await sessions.redeem(sha("ticket-1"), sha("token-1"), now)
    assert not await sessions.redeem(sha("ticket-1"), sha("token-x"), now), "once"
    assert await sessions.chat_of(sha("token-1")) == "chat-1"

    await sessions.offer("chat-1", sha("ticket-2"), now + timedelta(minutes=10))  # the hand-off: a new token
    assert await sessions.chat_of(sha("token-1")) is None, "the old token opens nothing from the offer on"
    assert not await sessions.redeem(sha("ticket-2"), sha("token-2"), now + timedelta(minutes=11)), "too late"
    assert await sessions.redeem(sha("ticket-2"), sha("token-2"), now + timedelta(minutes=9))
    assert await sessions.chat_of(sha("token-2")) == "chat-1"

    assert await sessions.end("chat-1")
    assert await sessions.chat_of(sha("token-2")) is None
    assert not await sessions.end("chat-1")


async def test_pruning_forgets_only_offers_nobody_took(database: AsyncEngine) -> None:
    sessions = WebSessionStore(database)
    now = utcnow()
    await sessions.offer("taken", sha("t1"), now + timedelta(minutes=1))
    await sessions.redeem(sha("t1"), sha("token"), now)
    await sessions.offer("waiting", sha("t2"), now + timedelta(minutes=10))
    await sessions.offer("forgotten", sha("t3"), now - timedelta(minutes=1))
    assert await sessions.prune(now) == 1
    assert await sessions.chat_of(sha("token")) == "taken"
    assert await sessions.redeem(sha("t2"), sha("token-2"), now)


async def tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))


async def test_migration_0005_keeps_todays_cookies_working_and_goes_back(database_url: str) -> None:
    engine = await fresh_database(database_url)
    try:
        await downgrade(engine, "0004")
        assert "web_sessions" not in await tables(engine)
        store = ConversationStore(engine)
        token = "A" * 43
        web = Conversation(channel="web", chat_id=sha(token), locale="nl", state="welkom", tree_version="v1")
        await add_conversation(engine, web, [Line("user", "hallo")])
        telegram = Conversation(channel="telegram", chat_id="42", locale="nl", state="welkom", tree_version="v1")
        await add_conversation(engine, telegram)
        await upgrade(engine)
        sessions = WebSessionStore(engine)
        assert await sessions.chat_of(sha(token)) == sha(token), "a cookie from before opens its conversation"
        assert await sessions.chat_of("42") is None

        await sessions.offer(sha(token), sha("ticket"), utcnow() + timedelta(minutes=5))  # a new token, then back
        assert await sessions.redeem(sha("ticket"), sha("new-token"), utcnow())
        fresh = Conversation(channel="web", chat_id="f" * 64, locale="nl", state="welkom", tree_version="v1")
        await store.save(fresh)
        await downgrade(engine, "0004")
        assert "web_sessions" not in await tables(engine)
        assert await has_conversation(engine, "web", sha("new-token")), "the older code finds it by the token's hash"
        assert await has_conversation(engine, "web", "f" * 64), "a conversation without a session stays"
        await upgrade(engine)
    finally:
        await engine.dispose()
