"""Minimal data (issue 13): what a Telegram user leaves behind in the database and in the logs.

A user with a distinctive username, first and last name and user id, in a private chat with a distinctive id,
walks the tree by taps, types free text, edits a message, shares their own contact card, adds the bot to a
group, asks for a person; an agent claims, replies, writes a note and ends; the user starts again. Every
update carries the profile the way Telegram sends it (``from`` and ``chat`` with the names), and the fake Bot
API answers ``sendMessage`` with the chat's profile too, as Telegram does.

Then every column of every table the database has (its own list, so a new table is covered without editing
this test) is read, and every log record of the walk at DEBUG (the root logger, so python-telegram-bot, httpx
and aiohttp are heard too) is formatted, traceback included. The rules:
- the username, first and last name, the user id and the contact card appear nowhere;
- the chat id appears only in ``conversations.chat_id``; ``outbox`` rows carry it while they wait to be sent,
  and the sender deletes each one once Telegram took it, so after the walk the outbox is empty;
- no log record holds the chat id, the user id, the group's id, a name or a text the user typed or the agent
  wrote.

In Telegram a private chat's id is the user's id; the test gives them different values so a failure says
which of the two leaked.
"""

from __future__ import annotations

import copy
import json
import logging
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpClient
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel
from telegram.error import BadRequest, ChatMigrated, Forbidden

from bot.app import create_app
from bot.channels.telegram.sender import why
from bot.dialogs.dialog import Dialog
from tests.console.conftest import add_agent, logged_in, post
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.telegram_harness import TelegramHarness, telegram_settings

CHAT_ID = 6_048_271_953
USER_ID = 8_517_390_264
GROUP_ID = -4_739_205_816
USERNAME = "zwaluwstaart_x7q"
FIRST_NAME = "Quirijntje"
LAST_NAME = "Vlasbloemhof"
PHONE = "+31 6 83920174"
USER = {
    "id": USER_ID,
    "is_bot": False,
    "first_name": FIRST_NAME,
    "last_name": LAST_NAME,
    "username": USERNAME,
    "language_code": "nl",
}
PRIVATE_CHAT = {
    "id": CHAT_ID,
    "type": "private",
    "first_name": FIRST_NAME,
    "last_name": LAST_NAME,
    "username": USERNAME,
}
LIBRARIES = ("telegram", "httpx", "aiosqlite")  # their DEBUG (httpx: INFO) lines carry ids, names and texts
PROFILE = (USERNAME, FIRST_NAME, LAST_NAME, str(USER_ID), PHONE, PHONE.replace(" ", ""))


class TelegramLikeBotApi(FakeBotApi):
    """The fake Bot API, but a sent message's ``chat`` carries the private chat's profile, as Telegram's does."""

    def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        message = super()._m_sendMessage(params)
        if message["chat"]["id"] == CHAT_ID:
            message["chat"] = dict(PRIVATE_CHAT)
        return message


@pytest.fixture
async def profile_api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TelegramLikeBotApi]:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # as the ``bot_api`` fixture (tests/conftest.py)
    fake = TelegramLikeBotApi()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
def fresh_library_loggers() -> Iterator[None]:
    """The libraries' loggers as in a fresh process (no level), so the product must quiet them itself."""
    levels = {name: logging.getLogger(name).level for name in LIBRARIES}
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(logging.NOTSET)
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
async def telegram(
    fresh_library_loggers: None,
    aiohttp_client: AiohttpClient,
    profile_api: TelegramLikeBotApi,
    database: AsyncEngine,
    database_url: str,
    dialog: Dialog,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> TelegramHarness:
    """The product with Telegram by webhook on SQLite and on PostgreSQL; every log record from its start on."""
    from bot.channels.telegram import limits

    monkeypatch.setattr(limits, "CHAT_BURST", 1000)
    caplog.set_level(logging.DEBUG)
    settings = telegram_settings(tmp_path, profile_api, database_url=database_url)
    return TelegramHarness(await aiohttp_client(create_app(settings, dialog=dialog)), profile_api)


def as_user(update: dict[str, Any]) -> dict[str, Any]:
    """The update as Telegram sends it for our user: ``from`` and the private ``chat`` with the whole profile."""
    for key in ("message", "edited_message"):
        if key in update:
            update[key]["from"] = dict(USER)
            if update[key]["chat"]["type"] == "private":
                update[key]["chat"] = dict(PRIVATE_CHAT)
    if "callback_query" in update:
        update["callback_query"]["from"] = dict(USER)
        update["callback_query"]["message"]["chat"] = dict(PRIVATE_CHAT)
    if "my_chat_member" in update:
        update["my_chat_member"]["from"] = dict(USER)
    return update


async def say(telegram: TelegramHarness, words: str) -> list[dict[str, Any]]:
    before = len(telegram.api.sent(CHAT_ID))
    assert await telegram.post(as_user(telegram.updates.text(CHAT_ID, words))) == 200
    return telegram.api.sent(CHAT_ID)[before:]


async def tap(telegram: TelegramHarness, label: str) -> list[dict[str, Any]]:
    message = copy.deepcopy(telegram.message_with(CHAT_ID, label))
    data = telegram.api.buttons(message)[label]
    before = len(telegram.api.sent(CHAT_ID))
    assert await telegram.post(as_user(telegram.updates.tap(CHAT_ID, message, data))) == 200
    return telegram.api.sent(CHAT_ID)[before:]


def cell_text(value: Any) -> str:
    """A cell as text: JSON columns as their JSON (without escaping non-ASCII), the rest as ``str``."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


async def every_cell(engine: AsyncEngine) -> dict[tuple[str, str], list[str]]:
    """(table, column) → every value in it, for every table the database has."""
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        assert {t.name for t in SQLModel.metadata.sorted_tables} <= set(tables), "the database's own list"
        cells: dict[tuple[str, str], list[str]] = {}
        for table in tables:
            result = await conn.execute(text(f'SELECT * FROM "{table}"'))
            columns = list(result.keys())
            for column in columns:
                cells.setdefault((table, column), [])
            for row in result.all():
                for column, value in zip(columns, row, strict=True):
                    if value is not None:
                        cells[(table, column)].append(cell_text(value))
    return cells


def where(cells: dict[tuple[str, str], list[str]], needle: str) -> set[str]:
    """The ``table.column``s in which ``needle`` occurs."""
    return {f"{table}.{column}" for (table, column), values in cells.items() if any(needle in v for v in values)}


def leaks(records: list[logging.LogRecord], needles: tuple[str, ...]) -> list[str]:
    formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
    found = []
    for record in records:
        line = formatter.format(record)  # the message with its arguments, and the traceback if any
        found += [f"{needle!r} in {line!r}" for needle in needles if needle in line]
    return found


async def walk(telegram: TelegramHarness, aiohttp_client: AiohttpClient, engine: AsyncEngine) -> tuple[str, ...]:
    """The whole walk; returns what the user typed and the agent wrote."""
    typed = f"mijn mentor pest me {secrets.token_hex(4)}"
    edited = f"mijn mentor pest me echt {secrets.token_hex(4)}"
    waiting = f"ben je er nog {secrets.token_hex(4)}"
    live = f"ik ben thuis {secrets.token_hex(4)}"
    agent_words = f"Hoi, ik ben Anna {secrets.token_hex(4)}"
    agent_note = f"notitie van Anna {secrets.token_hex(4)}"

    welcome = await say(telegram, "/start")
    assert welcome[0]["text"].startswith("Hoi, ik ben de Wegwijzer.")
    await tap(telegram, "Start")
    await tap(telegram, "Nee")
    outcome = await tap(telegram, "Ik ben leerling")
    assert outcome[0]["text"].startswith("Deze organisaties kunnen je helpen.\n\n")  # one message per reply
    assert await say(telegram, typed), "free text is answered"
    edit = telegram.updates.edited(CHAT_ID, edited)
    assert await telegram.post(as_user(edit)) == 200
    contact = {"phone_number": PHONE, "first_name": FIRST_NAME, "last_name": LAST_NAME, "user_id": USER_ID}
    before = len(telegram.api.sent(CHAT_ID))
    assert await telegram.post(as_user(telegram.updates.message(CHAT_ID, contact=contact))) == 200
    assert telegram.api.texts(CHAT_ID)[before].startswith("Ik kan alleen tekst lezen.")
    assert await telegram.post(as_user(telegram.updates.added_to_group(GROUP_ID))) == 200
    assert telegram.api.texts(GROUP_ID), "the group was told to write in private"

    queued = await say(telegram, "/mens")
    assert any("Je staat in de wachtrij" in m["text"] for m in queued)
    assert [m["text"] for m in await say(telegram, waiting)] == [
        "Ik heb je bericht bewaard. Een mens leest het straks."
    ]

    server = telegram.client.server
    await add_agent(server, "anna")  # type: ignore[arg-type]
    console = await aiohttp_client(server)
    csrf = await logged_in(console, "anna")
    async with engine.connect() as conn:
        handoff, conversation = (await conn.execute(text("SELECT id, conversation_id FROM handoffs"))).one()
    assert (await console.get(f"/console/c/{conversation}")).status == 200
    assert (await post(console, f"/console/h/{handoff}/claim", csrf)).status == 200
    assert (await post(console, f"/console/h/{handoff}/typing", csrf)).status == 200
    assert (await post(console, f"/console/h/{handoff}/reply", csrf, text=agent_words)).status == 200
    await telegram.settle()
    assert telegram.api.texts(CHAT_ID)[-1] == f"Anna:\n{agent_words}"
    assert await say(telegram, live) == []  # with a person the bot is silent
    assert (await post(console, f"/console/c/{conversation}/note", csrf, text=agent_note)).status == 200
    assert (await post(console, f"/console/h/{handoff}/end", csrf, outcome="information")).status == 200
    await telegram.settle()
    assert telegram.api.texts(CHAT_ID)[-1].startswith("Anna heeft de chat gesloten.")
    again = await tap(telegram, "Opnieuw beginnen")
    assert again[0]["text"].startswith("Hoi, ik ben de Wegwijzer.")
    await telegram.settle()
    return typed, edited, waiting, live, agent_words, agent_note


async def test_a_telegram_user_leaves_no_profile_and_the_chat_id_only_where_replies_need_it(
    telegram: TelegramHarness,
    aiohttp_client: AiohttpClient,
    database: AsyncEngine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    words = await walk(telegram, aiohttp_client, database)

    cells = await every_cell(database)
    assert cells[("conversations", "chat_id")] == [str(CHAT_ID)], "the walk was stored in one conversation"
    said = cells[("transcript_entries", "text")]
    assert all(any(w in line for line in said) for w in words[:1] + words[2:4]), "what the user typed is kept"
    assert cells[("outbox", "id")] == [], "every message was sent, and a sent message leaves the outbox"
    for needle in PROFILE:
        assert not where(cells, needle), f"{needle!r} is stored in {sorted(where(cells, needle))}"
    assert where(cells, str(CHAT_ID)) == {"conversations.chat_id"}
    assert not where(cells, str(abs(GROUP_ID))), "the group's id is not kept once it was told"

    records = caplog.records
    assert any(r.name.startswith("bot.") for r in records) and any("telegram" in r.name for r in records), (
        "the log of the walk was captured"
    )
    secrets_in_logs = (str(CHAT_ID), str(USER_ID), str(abs(GROUP_ID)), *PROFILE, *words)
    assert leaks(records, secrets_in_logs) == []


def test_a_refusal_is_logged_without_the_chat_id_telegram_puts_in_its_text() -> None:
    """``ChatMigrated`` says "New chat id: …"; any other description loses its long numbers the same way."""
    assert why(ChatMigrated(GROUP_ID)) == "ChatMigrated"
    refused = why(BadRequest(f"Chat {CHAT_ID} not found at byte offset 12"))
    assert str(CHAT_ID) not in refused and refused.endswith("at byte offset 12")
    assert why(Forbidden("Forbidden: bot was blocked by the user")) == "Forbidden: bot was blocked by the user"
