"""Shared fixtures: settings, real databases (SQLite and PostgreSQL), the engine and the app."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from pytest_aiohttp import AiohttpClient
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialogs.dialog import Dialog
from bot.engine import Engine
from bot.i18n import I18n
from bot.settings import Settings, load_settings
from storage.database import create_engine
from storage.migrate import upgrade
from storage.repository import ConversationStore
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.helpdesk import FakeClock, Recorder
from tests.fakes.telegram_harness import TelegramHarness, telegram_settings

# The PostgreSQL server every developer machine and CI has; a missing server fails the tests, never skips.
POSTGRES_ADMIN_URL = os.environ.get("WEGWIJZER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped afterwards."""
    name = f"wegwijzer_test_{uuid.uuid4().hex[:12]}"
    admin = make_url(POSTGRES_ADMIN_URL)

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin.set(drivername="postgresql").render_as_string(hide_password=False))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    yield admin.set(database=name).render_as_string(hide_password=False)
    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'wegwijzer.sqlite3'}"


async def fresh_database(url: str) -> AsyncEngine:
    """An engine on an empty, fully migrated database."""
    engine = create_engine(url)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            await conn.exec_driver_sql("CREATE SCHEMA public")
    await upgrade(engine)
    return engine


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Both backends: tests that take this run twice."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = await fresh_database(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def sqlite_database(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = await fresh_database(sqlite_url(tmp_path))
    yield engine
    await engine.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({}, None, database_url=sqlite_url(tmp_path))


DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def dialog() -> Dialog:
    """A small fixed tree, so engine tests do not change when the product's content does."""
    return Dialog.load(DATA / "tree.yaml", DATA / "organisaties.yaml")


@pytest.fixture(scope="session")
def real_dialog() -> Dialog:
    """The tree and directory the bot ships with (the product's content, not the fixed test tree)."""
    return Dialog.load()


@pytest.fixture(scope="session")
def i18n() -> I18n:
    return I18n(("nl",))


@pytest.fixture
def store(sqlite_database: AsyncEngine) -> ConversationStore:
    return ConversationStore(sqlite_database)


@pytest.fixture
def engine(store: ConversationStore, dialog: Dialog, i18n: I18n) -> Engine:
    return Engine(store, dialog, i18n, max_text_chars=4000)


@pytest.fixture
async def bot_api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeBotApi]:
    """A fake Telegram Bot API on 127.0.0.1 that records every call (see tests/fakes/bot_api.py)."""
    # PTB 22 warns (PTBDeprecationWarning) inside its own RetryAfter.__init__ unless this opts in to the
    # coming timedelta type; the product reads retry_after either way (bot/channels/telegram/limits.py).
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake = FakeBotApi()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def telegram(
    aiohttp_client: AiohttpClient,
    bot_api: FakeBotApi,
    sqlite_database: AsyncEngine,
    dialog: Dialog,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> TelegramHarness:
    """The product (fixed test tree) with Telegram on by webhook, served for real; see tests/fakes/.

    Private chats get bursts of 1000 here instead of 5, so a test can walk a path without the per-chat
    pause of about a second (tests/bot/channels/test_telegram_sending.py shows that pause).
    """
    from bot.app import create_app
    from bot.channels.telegram import limits

    monkeypatch.setattr(limits, "CHAT_BURST", 1000)

    client = await aiohttp_client(create_app(telegram_settings(tmp_path, bot_api), dialog=dialog))
    return TelegramHarness(client, bot_api)


@pytest.fixture
async def product_telegram(
    aiohttp_client: AiohttpClient,
    bot_api: FakeBotApi,
    sqlite_database: AsyncEngine,
    real_dialog: Dialog,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> TelegramHarness:
    """As ``telegram``, on the product's own tree and directory (whose texts the catalogs translate)."""
    from bot.app import create_app
    from bot.channels.telegram import limits

    monkeypatch.setattr(limits, "CHAT_BURST", 1000)
    client = await aiohttp_client(create_app(telegram_settings(tmp_path, bot_api), dialog=real_dialog))
    return TelegramHarness(client, bot_api)


@pytest.fixture
def clock() -> FakeClock:
    """A clock the test moves (Monday morning, helpdesk open, to begin with)."""
    return FakeClock()


@pytest.fixture
def recorder() -> Recorder:
    """A channel at its protocol edge that records what it would send."""
    return Recorder()
