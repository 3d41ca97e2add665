"""``wegwijzer serve`` from the command line: pre-flight, start, and start-up errors as one line.

Order: the port is bound (in use: ``PortUnavailable``), then the database is checked — its URL parses, it
answers, and its schema is current: the embedded SQLite default is migrated here by itself, PostgreSQL must be
migrated with ``wegwijzer db upgrade`` first (several workers must not race to migrate it) — then the app
starts and only then does the socket accept and the log say "serving on".

Whatever stops start-up becomes a ``StartupError``: one line for stderr (``wegwijzer: …``, exit code 2), no
traceback, never the database password or the bot token. An error nobody foresaw is logged with its traceback
(one log event) and still ends in one line and exit code 2.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from aiohttp import web
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.error import InvalidToken

from bot import server
from bot.settings import Settings, SettingsError, env_name
from storage.database import create_engine, is_sqlite
from storage.migrate import upgrade
from storage.schema import SchemaOutOfDate, ensure_current

logger = logging.getLogger(__name__)

CONNECT_SECONDS = 15.0  # a database that does not answer within this stops start-up


class StartupError(Exception):
    """Start-up cannot go on; the message is one line for the person who started it."""


def serve(app: web.Application, settings: Settings) -> None:
    """Check, start and serve ``app`` until SIGINT or SIGTERM; raise ``StartupError`` if it cannot start."""
    asyncio.run(_serve(app, settings))


async def _serve(app: web.Application, settings: Settings) -> None:
    stopped = server.stop_signals()
    try:
        served = await server.start(app, settings, before_setup=partial(prepare_database, settings))
    except (StartupError, SettingsError, server.PortUnavailable, SchemaOutOfDate) as exc:
        raise StartupError(str(exc)) from None
    except InvalidToken:  # its message carries the token
        raise StartupError(f"Telegram refused the bot token: check {env_name('telegram_token')}.") from None
    except Exception as exc:
        logger.critical("start-up failed", exc_info=True)
        raise StartupError(f"Start-up failed ({type(exc).__name__}); the log above has the details.") from None
    await server.run_until(served, settings.host, stopped)


async def connect(url: str) -> AsyncEngine:
    """An engine on a database that answers (for the commands that use one: db, chat, purge, …)."""
    engine = open_database(url)
    try:
        await reach(engine, url)
    except BaseException:
        await engine.dispose()
        raise
    return engine


async def prepare_database(settings: Settings) -> None:
    """The database answers and its schema is current: SQLite is migrated, PostgreSQL only checked."""
    engine = await connect(settings.database_url)
    try:
        try:
            await ensure_current(engine)
        except SchemaOutOfDate:
            if not is_sqlite(engine):
                raise
            await upgrade(engine)  # the embedded default migrates itself (only when it needs to: a quick restart)
    finally:
        await engine.dispose()


def open_database(url: str) -> AsyncEngine:
    """The engine for ``url``; a malformed URL is a ``StartupError`` that names the key, not the URL."""
    key = env_name("database_url")
    try:
        return create_engine(url)
    except (ArgumentError, ValueError) as exc:
        scheme = str(exc) if str(exc).startswith("Unsupported database URL scheme") else "it is malformed"
        raise StartupError(
            f"{key} is not a database URL like sqlite:///var/wegwijzer.sqlite3 or postgresql://user@host/db "
            f"({scheme.rstrip('.')})."
        ) from None
    except OSError as exc:  # the folder of the SQLite file cannot be made
        raise StartupError(f"{key}: cannot make the folder of {shown(url)}: {exc.strerror or exc}.") from None


async def reach(engine: AsyncEngine, url: str) -> None:
    """The database at ``url`` answers, or a ``StartupError`` names the key (never the password)."""
    try:
        async with asyncio.timeout(CONNECT_SECONDS):
            async with engine.connect():
                pass
    except TimeoutError:
        reason = f"no answer within {CONNECT_SECONDS:g} seconds"
        raise StartupError(f"{env_name('database_url')}: cannot reach the database {shown(url)}: {reason}.") from None
    except Exception as exc:  # every driver has its own errors: refused, unknown host, no such role, …
        raise StartupError(
            f"{env_name('database_url')}: cannot reach the database {shown(url)}: {_reason(exc, url)}."
        ) from None


def shown(url: str) -> str:
    """``url`` fit for a message: the password as ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "(malformed)"


def _reason(exc: BaseException, url: str) -> str:
    """The driver's own words, first line only, without the password."""
    root: BaseException = getattr(exc, "orig", None) or exc
    while root.__cause__ is not None:  # SQLAlchemy's wrapper around the driver's wrapper around the cause
        root = root.__cause__
    words = (str(root).strip().splitlines() or [""])[0]
    try:
        password = make_url(url).password
    except (ArgumentError, ValueError):
        password = None
    if password:
        words = words.replace(str(password), "***")
    return f"{type(root).__name__}: {words}".rstrip(": ")
