"""The ``wegwijzer`` command: serve, chat, db, and the commands the packages register.

Every help text is English. A start-up error (``StartupError``, bot/startup.py) is one line on stderr and exit
code 2: ``wegwijzer: …`` in text, a CRITICAL event with ``--log-format json``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from typing import Any

from bot import purge_cli
from bot.console import commands as console_commands
from bot.dialogs import cli as dialog_commands
from bot.helpdesk import cli as lifecycle_commands
from bot.logging_setup import configure_logging
from bot.monitoring import cli as stats_commands
from bot.safety import cli as crisis_commands
from bot.settings import Settings, SettingsError, load_settings
from bot.startup import StartupError, connect

logger = logging.getLogger(__name__)

LOG_FORMAT_FLAG = ("--log-format",)
LOG_FORMAT_OPTIONS: dict[str, Any] = {
    "choices": ("text", "json"),
    "help": "log lines as text or as one JSON object each (default: the log_format setting, text)",
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(None, None, **_overrides(args))
    except SettingsError as exc:
        print(f"wegwijzer: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format, quiet=args.func is cmd_chat)
    try:
        result: int = args.func(settings, args)
    except StartupError as exc:  # e.g. DATABASE_URL malformed or unreachable: one line, no traceback
        if settings.log_format == "json":  # a log collector reads stderr: the line is one of its events
            logger.critical("%s", exc, extra={"exit_code": 2})
        else:
            print(f"wegwijzer: {exc}", file=sys.stderr)
        return 2
    return result


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wegwijzer",
        description="Wegwijzer: a chat bot that shows pupils the way to help for a safe school (web chat, "
        "Telegram), with a console for the people who take over.",
    )
    parser.add_argument(*LOG_FORMAT_FLAG, **LOG_FORMAT_OPTIONS)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="start the web server")
    serve.add_argument(*LOG_FORMAT_FLAG, **(LOG_FORMAT_OPTIONS | {"default": argparse.SUPPRESS}))
    serve.add_argument("--host", help="address to listen on (default: the host setting)")
    serve.add_argument("--port", type=int, help="port to listen on (default: the port setting)")
    serve.add_argument(
        "--polling",
        dest="telegram_polling",
        action="store_true",
        default=None,
        help="get Telegram updates by polling instead of the webhook (local development)",
    )
    serve.set_defaults(func=cmd_serve)

    chat = commands.add_parser("chat", help="chat with the wegwijzer in this terminal")
    chat.add_argument("--as", dest="chat_id", default="local", help="conversation name, to resume it later")
    chat.set_defaults(func=cmd_chat)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="migrate the database to the newest schema").set_defaults(
        func=cmd_db_upgrade
    )
    revision = db_commands.add_parser("revision", help="new migration from changes to storage/models.py")
    revision.add_argument("-m", "--message", required=True, help="what changed, in a few words")
    revision.set_defaults(func=cmd_db_revision)
    console_commands.register(commands)
    dialog_commands.register(commands)
    crisis_commands.register(commands)
    lifecycle_commands.register(commands)
    purge_cli.register(commands)
    stats_commands.register(commands)
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    keys = ("host", "port", "telegram_polling", "log_format")
    return {key: value for key in keys if (value := getattr(args, key, None)) is not None}


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot import startup
    from bot.app import create_app

    try:
        app = create_app(settings)
    except SettingsError as exc:  # a combination of settings that cannot work, e.g. a webhook without secret
        raise StartupError(str(exc)) from None
    startup.serve(app, settings)  # says "serving on" only once the socket accepts (bot/server.py)
    return 0


def cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    asyncio.run(_chat(settings, args.chat_id))
    return 0


async def _chat(settings: Settings, chat_id: str) -> None:
    from bot.channels.terminal import TerminalChat
    from bot.dialogs.dialog import Dialog
    from bot.engine import Engine
    from bot.i18n import I18n
    from bot.privacy import Terms
    from storage.migrate import upgrade
    from storage.repository import ConversationStore

    database = await connect(settings.database_url)
    try:
        await upgrade(database)
        engine = Engine(
            ConversationStore(database),
            Dialog.load(),
            I18n(settings.locales),
            max_text_chars=settings.max_text_chars,
            privacy_terms=Terms.of(settings),  # the welcome says how long we keep it
        )
        await TerminalChat(engine, chat_id).run()
    finally:
        await database.dispose()


def cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from storage.migrate import upgrade

    async def run() -> None:
        database = await connect(settings.database_url)
        try:
            await upgrade(database)
        finally:
            await database.dispose()

    asyncio.run(run())
    print("Database is up to date.")
    return 0


def cmd_db_revision(settings: Settings, args: argparse.Namespace) -> int:
    from storage.migrate import make_revision

    async def run() -> None:
        database = await connect(settings.database_url)
        try:
            await make_revision(database, args.message)
        finally:
            await database.dispose()

    asyncio.run(run())
    return 0
