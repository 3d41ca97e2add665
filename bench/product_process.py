"""The product for the Telegram benchmark: ``wegwijzer serve`` in a process of its own, optionally unlimited.

``python -m bench.product_process [--no-limits]`` migrates the database named by ``DATABASE_URL`` (the bench
makes a fresh one per run) and then runs ``wegwijzer serve`` with the settings from the environment, exactly
as in production. ``--no-limits`` first raises the sender's own Telegram limits
(``bot.channels.telegram.limits``: ``OVERALL_PER_SECOND`` and ``CHAT_BURST``) so far that they never wait.
That is a patch of module constants for the benchmark only: the product has no setting to switch its limits
off (a setting would be e.g. ``telegram_limits = false``; it does not exist, and production never wants it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from bench import load
from tests.fakes.bot_api import TOKEN

UNLIMITED = 1_000_000  # messages a second / a burst per chat: never reached
WEBHOOK_PATH = "/telegram/webhook"  # the webhook path and secret of the bots under test (the echo bot's too)
SECRET = "bench-secret_0123456789"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@contextlib.asynccontextmanager
async def running(fake_url: str, admin_url: str, limited: bool) -> AsyncIterator[tuple[load.Server, str]]:
    """Our product on the fake at ``fake_url``, on a fresh database: a temporary SQLite file, or a new
    PostgreSQL database beside ``admin_url`` when that is given; yields the process and its base URL.
    """
    port = load.free_port()
    async with contextlib.AsyncExitStack() as stack:
        if admin_url:
            url = await stack.enter_async_context(
                load.fresh_postgres(admin_url, "bench_tg_on" if limited else "bench_tg_off")
            )
        else:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-tg-"))
            url = f"sqlite:///{Path(folder) / 'wegwijzer.sqlite3'}"
        env = {
            "DATABASE_URL": url,
            "TELEGRAM_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": fake_url + "/bot",
            "WEGWIJZER_TELEGRAM_WEBHOOK_SECRET": SECRET,
            "WEGWIJZER_TELEGRAM_WEBHOOK_PATH": WEBHOOK_PATH,
            "WEGWIJZER_PORT": str(port),
            "WEGWIJZER_HOST": "127.0.0.1",
            "WEGWIJZER_LOG_LEVEL": "WARNING",
            "WEGWIJZER_PUBLIC_URL": "",
            "PTB_TIMEDELTA": "true",
        }
        server = await load.start("bench.product_process", [] if limited else ["--no-limits"], env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            await load.wait_for_http(server, base + WEBHOOK_PATH, method="POST")  # 403 without the secret
            yield server, base
        finally:
            await load.stop(server, grace=15.0)


def lift_limits() -> None:
    """Patch the sender's limits so they never wait (read when the sender is built / a chat's bucket is made)."""
    from bot.channels.telegram import limits

    for name in ("OVERALL_PER_SECOND", "CHAT_BURST"):
        if not hasattr(limits, name):  # renamed: say so rather than measure with the limits on
            raise SystemExit(f"bench.product_process: bot.channels.telegram.limits has no {name} to lift")
        setattr(limits, name, UNLIMITED)


async def migrate() -> None:
    from bot.settings import load_settings
    from storage.database import create_engine
    from storage.migrate import upgrade

    database = create_engine(load_settings().database_url)
    try:
        await upgrade(database)
    finally:
        await database.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-limits", action="store_true", help="the sender's Telegram limits off")
    args = parser.parse_args()
    if args.no_limits:
        lift_limits()
    asyncio.run(migrate())
    from bot.cli import main as wegwijzer

    return wegwijzer(["serve"])


if __name__ == "__main__":
    sys.exit(main())
