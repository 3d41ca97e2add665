"""``wegwijzer purge [--dry-run]``: delete what is past its retention now (``storage.retention``).

Prints how many rows of each table went (or, with ``--dry-run``, would go): counts only, never an id or a text.
The server does the same once a day by itself (``bot.app``'s housekeeping).
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from bot.settings import Settings
from storage.retention import PurgeCounts


def register(commands: Any) -> None:
    """Add ``purge`` to the ``wegwijzer`` command's subparsers."""
    purge = commands.add_parser(
        "purge", help="delete conversations and audit rows older than retention_days / audit_retention_days"
    )
    purge.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    purge.set_defaults(func=cmd_purge)


def cmd_purge(settings: Settings, args: argparse.Namespace) -> int:
    from storage.database import create_engine
    from storage.migrate import upgrade
    from storage.retention import purge

    async def run() -> PurgeCounts:
        database = create_engine(settings.database_url)
        try:
            await upgrade(database)
            return await purge(
                database,
                settings.retention_days,
                settings.audit_retention_days,
                dry_run=args.dry_run,
                callback_retention_days=settings.callback_retention_days,
            )
        finally:
            await database.dispose()

    counts = asyncio.run(run())
    print(
        f"Dry run: nothing was deleted; a purge would delete (conversations older than {settings.retention_days} "
        f"days, audit older than {settings.audit_retention_days} days):"
        if args.dry_run
        else f"Deleted (conversations older than {settings.retention_days} days, audit older than "
        f"{settings.audit_retention_days} days):"
    )
    for name, count in counts.items():
        print(f"  {name}: {count}")
    return 0
