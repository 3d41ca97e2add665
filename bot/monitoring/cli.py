"""``wegwijzer stats export --from YYYY-MM-DD --to YYYY-MM-DD [--format csv|json] [--output FILE]``.

The monitoring figures of a period (both days included, UTC) as one CSV file with every table
(``export.all_csv``) or as JSON (``export.as_json``), to standard output or a file. Counts below ``min_count``
are "< 5" here as on the console page: ``figures`` suppresses them, this only writes them out.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

from bot.monitoring.period import Period, parse_day
from bot.settings import Settings

logger = logging.getLogger(__name__)

FORMATS = ("csv", "json")


def register(commands: Any) -> None:
    """Add ``stats export`` to the ``wegwijzer`` command's subparsers."""
    stats = commands.add_parser("stats", help="anonymous monitoring figures")
    actions = stats.add_subparsers(required=True, metavar="ACTION")
    export = actions.add_parser("export", help="write the figures of a period (small counts shown as '< 5')")
    export.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD", help="first day (UTC)")
    export.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD", help="last day (UTC), included")
    export.add_argument("--format", choices=FORMATS, default="csv", help="csv: all tables in one file (default)")
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")
    export.set_defaults(func=cmd_export)


def period_of(start: str, end: str) -> Period:
    """The period asked for; ``ValueError`` with one line saying what is wrong."""
    first, last = parse_day(start), parse_day(end)
    if first is None:
        raise ValueError(f"--from is not a date YYYY-MM-DD: {start!r}")
    if last is None:
        raise ValueError(f"--to is not a date YYYY-MM-DD: {end!r}")
    if first > last:
        raise ValueError(f"--from {first} is after --to {last}")
    return Period(first, last)


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.dialogs.dialog import Dialog
    from bot.monitoring.export import all_csv, as_json
    from bot.monitoring.figures import Figures, figures
    from storage.database import create_engine
    from storage.migrate import upgrade

    try:
        period = period_of(args.start, args.end)
    except ValueError as exc:
        print(f"wegwijzer stats export: {exc}", file=sys.stderr)
        return 2

    async def run() -> Figures:
        database = create_engine(settings.database_url)
        try:
            await upgrade(database)
            return await figures(database, Dialog.load(), period.start, period.end, settings.min_count)
        finally:
            await database.dispose()

    found = asyncio.run(run())
    text = as_json(found) if args.format == "json" else all_csv(found)
    output: Path | None = args.output
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        try:
            output.write_text(text, encoding="utf-8", newline="")
        except OSError as exc:
            print(f"wegwijzer stats export: cannot write {output}: {exc.strerror}", file=sys.stderr)
            return 1
    logger.debug("stats export %s to %s as %s", period.start, period.end, args.format)
    return 0
