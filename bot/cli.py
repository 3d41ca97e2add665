"""The ``wegwijzer`` command: serve, chat, db."""

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
from bot.monitoring import cli as stats_commands
from bot.safety import cli as crisis_commands
from bot.settings import Settings, SettingsError, load_settings

logger = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(None, None, **_overrides(args))
    except SettingsError as exc:
        print(f"wegwijzer: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, quiet=args.func is cmd_chat)
    result: int = args.func(settings, args)
    return result


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wegwijzer", description="De Wegwijzer voor een veilige school.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="start the web server")
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
    revision.add_argument("-m", "--message", required=True)
    revision.set_defaults(func=cmd_db_revision)
    console_commands.register(commands)
    dialog_commands.register(commands)
    crisis_commands.register(commands)
    lifecycle_commands.register(commands)
    purge_cli.register(commands)
    stats_commands.register(commands)
    return parser


def configure_logging(level: str, quiet: bool = False) -> None:
    """Log ids and state names at ``level``; libraries that narrate every step only from WARNING."""
    logging.basicConfig(
        level="WARNING" if quiet and level != "DEBUG" else level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("transitions", "alembic", "httpx"):  # httpx logs every Bot API URL, and the token is in it
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    keys = ("host", "port", "telegram_polling")
    return {key: value for key in keys if (value := getattr(args, key, None)) is not None}


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot import server
    from bot.app import create_app

    try:
        app = create_app(settings)
    except SettingsError as exc:  # a combination of settings that cannot work, e.g. a webhook without secret
        print(f"wegwijzer: {exc}", file=sys.stderr)
        return 2
    print(f"Wegwijzer draait op http://{settings.host}:{settings.port}/", flush=True)
    server.serve(app, settings)  # no access log (it would write client addresses); slow clients are cut off
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
    from storage.database import create_engine
    from storage.migrate import upgrade
    from storage.repository import ConversationStore

    database = create_engine(settings.database_url)
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
    from storage.database import create_engine
    from storage.migrate import upgrade

    async def run() -> None:
        database = create_engine(settings.database_url)
        try:
            await upgrade(database)
        finally:
            await database.dispose()

    asyncio.run(run())
    print("Database is up to date.")
    return 0


def cmd_db_revision(settings: Settings, args: argparse.Namespace) -> int:
    from storage.database import create_engine
    from storage.migrate import make_revision

    async def run() -> None:
        database = create_engine(settings.database_url)
        try:
            await make_revision(database, args.message)
        finally:
            await database.dispose()

    asyncio.run(run())
    return 0
