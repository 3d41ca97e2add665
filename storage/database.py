"""The async database engine: SQLite (WAL) by default, PostgreSQL when the URL says so."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

logger = logging.getLogger(__name__)

SessionFactory = async_sessionmaker[AsyncSession]


def async_url(url: str) -> str:
    """Turn a plain database URL into one with an async driver (aiosqlite or asyncpg)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    parsed = make_url(url)
    if parsed.drivername in ("sqlite", "sqlite+aiosqlite"):
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if parsed.drivername in ("postgresql", "postgresql+asyncpg"):
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"Unsupported database URL scheme '{parsed.drivername}': use sqlite:// or postgresql://")


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def create_engine(url: str) -> AsyncEngine:
    """Create the engine; for SQLite make the folder and switch on WAL and foreign keys.

    ``hide_parameters``: a database error must never carry what a user wrote into the logs. Nor may the driver:
    aiosqlite logs every statement with its parameters (chat ids, typed text) at DEBUG, so its logger stays at
    INFO even when the app logs at DEBUG (``log_level``).
    """
    full = make_url(async_url(url))
    if full.drivername.startswith("sqlite"):
        _quiet_driver()
        if full.database and full.database != ":memory:":
            Path(full.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(full, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(full, pool_pre_ping=True, hide_parameters=True)


def _quiet_driver() -> None:
    """aiosqlite's logger at INFO at least (a stricter level set elsewhere stays): its DEBUG lines carry data."""
    driver = logging.getLogger("aiosqlite")
    if driver.level < logging.INFO:  # NOTSET (0) too: it would follow the root logger down to DEBUG
        driver.setLevel(logging.INFO)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
