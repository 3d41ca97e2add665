"""/vergeet and "Wis mijn gesprek" leave nothing of the conversation in any table, on SQLite and PostgreSQL.

The tables are not listed here: they are found in the models' metadata. Every table that hangs off a conversation
by a foreign key (directly or through another table), and every table keyed by the conversation's chat, must
hold a row of the conversation before the user deletes it, and none after. A conversation of someone else, with a
row in each of those tables too, stays whole. The user deletes through the real channel: the Telegram webhook
(``/vergeet``, with a hand-off in the queue) or the web chat ("Wis mijn gesprek", with an agent in the chat).

What stays by design: the anonymous ``forgotten`` count, and the audit trail (``audit_log``, ``access_grants``:
which agent opened which conversation number, kept ``audit_retention_days``; no word of the user).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient, AiohttpServer
from sqlalchemy import ColumnElement, Table, and_, false, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import SQLModel

from bot.app import create_app
from bot.appkeys import STORE
from bot.channels.telegram import limits
from bot.dialogs.dialog import Dialog
from storage.models import utcnow
from tests.bot.channels.test_web_forget import ask_and_answer
from tests.bot.channels.test_web_session_idle import SECRET, live_with_agent, status
from tests.bot.channels.webchat import chat_of, cookie, texts
from tests.bot.forget_tables import forgotten_events
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.telegram_harness import TelegramHarness, telegram_settings

META = SQLModel.metadata
CONVERSATIONS = META.tables["conversations"]
AUDIT_TRAIL = {"audit_log", "access_grants"}  # conversation numbers without a foreign key: kept by design
CHAT = 917364  # the Telegram user who deletes
OTHER_CHAT = "webchat-someone-else"
OTHER_TEXT = "iemand anders vertelt iets"
LATER = utcnow() + timedelta(days=1)  # an outbox row that may not leave yet (as after Telegram's 429): unsent


def hanging_off_a_conversation() -> dict[str, Table]:
    """Every table with a foreign-key chain to ``conversations`` (the table itself included)."""
    found = {CONVERSATIONS.name: CONVERSATIONS}
    grew = True
    while grew:
        grew = False
        for table in META.sorted_tables:
            if table.name not in found and any(fk.column.table.name in found for fk in table.foreign_keys):
                found[table.name] = table
                grew = True
    return found


CHAIN = hanging_off_a_conversation()
BY_CHAT = {table.name: table for table in META.sorted_tables if "chat_id" in table.c}
WATCHED = {**CHAIN, **BY_CHAT}


def of_conversation(table: Table, cid: int, channel: str, chat_id: str) -> ColumnElement[bool]:
    """The rows of ``table`` that belong to conversation ``cid`` (by its foreign keys, or by its chat)."""
    if table is CONVERSATIONS:
        return CONVERSATIONS.c.id == cid
    links: list[ColumnElement[bool]] = [
        fk.parent.in_(select(fk.column).where(of_conversation(fk.column.table, cid, channel, chat_id)))
        for fk in table.foreign_keys
        if fk.column.table.name in CHAIN and fk.column.table is not table
    ]
    if "chat_id" in table.c:
        same_chat = table.c.chat_id == chat_id
        links.append(and_(same_chat, table.c.channel == channel) if "channel" in table.c else same_chat)
    return or_(false(), *links)


async def rows_of(engine: AsyncEngine, cid: int, channel: str, chat_id: str) -> dict[str, int]:
    """Per watched table, how many rows belong to the conversation."""
    async with engine.connect() as conn:
        return {
            name: int(
                await conn.scalar(
                    select(func.count()).select_from(table).where(of_conversation(table, cid, channel, chat_id))
                )
                or 0
            )
            for name, table in WATCHED.items()
        }


async def audit_rows(engine: AsyncEngine, cid: int) -> dict[str, int]:
    async with engine.connect() as conn:
        return {
            name: int(
                await conn.scalar(
                    select(func.count())
                    .select_from(META.tables[name])
                    .where(META.tables[name].c.conversation_id == cid)
                )
                or 0
            )
            for name in AUDIT_TRAIL
        }


async def every_cell(engine: AsyncEngine) -> list[tuple[str, str, str]]:
    """(table, column, value) of every cell of every table, as text."""
    cells: list[tuple[str, str, str]] = []
    async with engine.connect() as conn:
        for table in META.sorted_tables:
            for row in await conn.execute(select(table)):
                cells += [(table.name, column, str(value)) for column, value in row._mapping.items()]
    return cells


async def add(conn: AsyncConnection, table: str, **values: Any) -> int:
    result = await conn.execute(insert(META.tables[table]).values(**values))
    key = result.inserted_primary_key
    return int(key[0]) if key and isinstance(key[0], int) else 0


async def belongings(conn: AsyncConnection, cid: int, channel: str, chat_id: str, agent: int) -> None:
    """What an agent, the helpdesk and the sender add to a conversation: a note, a call-back request with a
    phone number, a warm referral, unsent outbox rows (its own and a notice for its chat), the audit trail."""
    now = utcnow()
    await add(conn, "agent_notes", conversation_id=cid, agent_id=agent, text="notitie over dit kind", created_at=now)
    await add(
        conn,
        "callbacks",
        conversation_id=cid,
        status="waiting",
        phone="+31612345678",
        part_of_day="any",
        locale="nl",
        consented_at=now,
        requested_at=now,
    )
    await add(
        conn,
        "referrals",
        conversation_id=cid,
        organisation_id="kindertelefoon",
        status="sent",
        note="Wil graag gebeld worden.",
        contact="na school",
        agent_id=agent,
        created_at=now,
    )
    for conversation_id in (cid, None):
        await add(
            conn,
            "outbox",
            conversation_id=conversation_id,
            channel=channel,
            chat_id=chat_id,
            batch="wacht",
            payload={"text": "nog niet verstuurd"},
            not_before=LATER,
            created_at=now,
        )
    await add(conn, "audit_log", agent_id=agent, conversation_id=cid, action="open_transcript", at=now)
    await add(
        conn,
        "access_grants",
        agent_id=agent,
        conversation_id=cid,
        session_hash="s" * 64,
        reason="dienst",
        granted_at=now,
    )


async def someone_else(conn: AsyncConnection, agent: int) -> int:
    """Another user's web chat, with a row in every watched table."""
    now = utcnow()
    cid = await add(
        conn,
        "conversations",
        channel="web",
        chat_id=OTHER_CHAT,
        locale="nl",
        state="start",
        tree_version="t",
        history=[],
        facts={},
        status="bot",
        created_at=now,
        updated_at=now,
    )
    await add(conn, "transcript_entries", conversation_id=cid, sender="user", text=OTHER_TEXT, created_at=now)
    await add(conn, "handoffs", conversation_id=cid, status="ended", requested_at=now, ended_at=now, outcome="helped")
    await add(conn, "web_sessions", chat_id=OTHER_CHAT, token_hash="o" * 64, created_at=now)
    await belongings(conn, cid, "web", OTHER_CHAT, agent)
    return cid


async def an_agent(engine: AsyncEngine) -> int:
    async with engine.begin() as conn:
        return await add(
            conn, "agents", name="piet", display_name="Piet", password_hash="x", role="agent", languages=["nl"]
        )


@pytest.fixture
async def server(
    aiohttp_server: AiohttpServer,
    database_url: str,
    database: AsyncEngine,
    dialog: Dialog,
    bot_api: FakeBotApi,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> TestServer:
    """The product with Telegram on the fake and the web chat, on both databases (``database`` migrated it)."""
    monkeypatch.setattr(limits, "CHAT_BURST", 1000)
    settings = telegram_settings(tmp_path, bot_api, database_url=database_url, limits_secret="geheim")
    return await aiohttp_server(create_app(settings, dialog=dialog))


Forget = Callable[[], Awaitable[None]]


async def telegram_user(server: TestServer, aiohttp_client: AiohttpClient, bot_api: FakeBotApi) -> tuple[str, Forget]:
    """A Telegram user who told something, waits for a person and has asked to delete (the question is open)."""
    telegram = TelegramHarness(await aiohttp_client(server), bot_api)
    await telegram.say(CHAT, "hallo")
    await telegram.say(CHAT, SECRET)
    assert any("wachtrij" in str(m.get("text")) for m in await telegram.say(CHAT, "mens"))
    asked = await telegram.say(CHAT, "/vergeet")
    assert any("Wil je dit gesprek wissen?" in str(m.get("text")) for m in asked)

    async def yes() -> None:
        done = await telegram.tap(CHAT, "Ja, wissen")  # the harness waits until the outbox is empty again
        assert any("Je gesprek is gewist." in str(m.get("text")) for m in done)

    return str(CHAT), yes


async def web_user(server: TestServer, aiohttp_client: AiohttpClient, _bot_api: FakeBotApi) -> tuple[str, Forget]:
    """A web chat user who told something and talks to an agent."""
    client = await aiohttp_client(server)
    _handoff, console = await live_with_agent(client, server, aiohttp_client)
    chat_id = await chat_of(server, cookie(client))
    assert chat_id is not None

    async def yes() -> None:
        got = await ask_and_answer(client, "Ja, wissen")
        assert got["type"] == "forgotten" and texts(got)[0].startswith("Je gesprek is gewist.")
        assert (await status(console, "ended"))["reason"] == "user_deleted"
        await console.close()

    return chat_id, yes


USERS = {"telegram": telegram_user, "web": web_user}


@pytest.mark.parametrize("channel", USERS)
async def test_nothing_of_the_conversation_is_left_in_any_table(
    server: TestServer, aiohttp_client: AiohttpClient, bot_api: FakeBotApi, channel: str
) -> None:
    engine = server.app[STORE].engine
    chat_id, yes = await USERS[channel](server, aiohttp_client, bot_api)
    conversation = await server.app[STORE].load(channel, chat_id)
    assert conversation is not None and conversation.id is not None
    cid = conversation.id
    agent = await an_agent(engine)
    async with engine.begin() as conn:
        await belongings(conn, cid, channel, chat_id, agent)
        other = await someone_else(conn, agent)

    before = await rows_of(engine, cid, channel, chat_id)
    expected = set(WATCHED) - ({"web_sessions"} if channel == "telegram" else set())  # a web chat's session
    assert {name for name, count in before.items() if count} == expected, f"seed every table first: {before}"
    others = await rows_of(engine, other, "web", OTHER_CHAT)
    assert all(others.values()), others
    audit = await audit_rows(engine, cid)
    assert all(audit.values()), audit
    assert any(SECRET in value for _t, _c, value in await every_cell(engine)), "what the user wrote is stored"

    await yes()

    assert await rows_of(engine, cid, channel, chat_id) == dict.fromkeys(WATCHED, 0), "nothing of it is left"
    assert await rows_of(engine, other, "web", OTHER_CHAT) == others, "someone else's conversation stays whole"
    assert await forgotten_events(engine) == [("",) * 7 + (1,)], "one anonymous count"
    assert await audit_rows(engine, cid) == audit, "the audit trail keeps its numbers (kept by design)"
    cells = await every_cell(engine)
    assert not [cell for cell in cells if SECRET in cell[2] or chat_id in cell[2]], "no word or chat id left"
    assert any(OTHER_TEXT in value for _t, _c, value in cells)
    linked = [
        (table.name, column.name)
        for table in META.sorted_tables
        for column in table.columns
        if column.name.endswith("conversation_id") and table.name not in CHAIN
    ]
    assert {name for name, _column in linked} == AUDIT_TRAIL, "a new table with a conversation number: decide"


def test_the_tables_are_found_not_listed() -> None:
    """The metadata gives at least the tables the issue names; a new one joins the test by itself."""
    assert {
        "conversations",
        "transcript_entries",
        "handoffs",
        "agent_notes",
        "outbox",
        "callbacks",
        "referrals",
        "web_sessions",
    } <= set(WATCHED)
