"""``wegwijzer agent add NAME [--admin] [--languages nl,tr]``: create a console account.

The password is asked twice on a terminal; from a pipe (scripts) it is the first line of standard input.
``--languages``: the languages the agent speaks (default Dutch), from the offered and known languages; an
admin can change them later in the console (Medewerkers).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from typing import Any, TextIO

from bot.console.agent_languages import known_languages, parse_languages
from bot.console.auth import hash_password
from bot.settings import Settings

logger = logging.getLogger(__name__)

MIN_PASSWORD = 10


def register(commands: Any) -> None:
    """Add the ``agent`` command to the ``wegwijzer`` parser's sub-commands."""
    agent = commands.add_parser("agent", help="accounts for the chat-ondersteuning console")
    actions = agent.add_subparsers(required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create an agent (asks for a password, or reads it from stdin)")
    add.add_argument("name", help="login name")
    add.add_argument("--display-name", help="the name users see (default: NAME)")
    add.add_argument("--admin", action="store_true", help="may also read the audit log and edit agents' languages")
    add.add_argument(
        "--languages", default="nl", metavar="CODES", help="languages the agent speaks, e.g. nl,tr (default: nl)"
    )
    add.set_defaults(func=cmd_agent_add)


def read_password(stdin: TextIO = sys.stdin) -> str:
    if not stdin.isatty():
        return stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Wachtwoord: ")
    if getpass.getpass("Nog een keer: ") != first:
        raise ValueError("De wachtwoorden zijn niet gelijk.")
    return first


def cmd_agent_add(settings: Settings, args: argparse.Namespace) -> int:
    from storage.agents import AgentExists, AgentStore
    from storage.database import create_engine
    from storage.migrate import upgrade

    name = args.name.strip()
    if not name or len(name) > 64:
        print("wegwijzer: de naam moet 1 tot 64 tekens zijn.", file=sys.stderr)
        return 2
    try:
        languages = parse_languages(args.languages, known_languages(settings.locales))
    except ValueError as exc:
        print(f"wegwijzer: --languages: {exc}", file=sys.stderr)
        return 2
    try:
        password = read_password()
    except (ValueError, EOFError) as exc:
        print(f"wegwijzer: {exc}", file=sys.stderr)
        return 2
    if len(password) < MIN_PASSWORD:
        print(f"wegwijzer: kies een wachtwoord van minstens {MIN_PASSWORD} tekens.", file=sys.stderr)
        return 2
    role = "admin" if args.admin else "agent"

    async def run() -> None:
        database = create_engine(settings.database_url)
        try:
            await upgrade(database)
            await AgentStore(database).add(name, args.display_name or name, hash_password(password), role, languages)
        finally:
            await database.dispose()

    try:
        asyncio.run(run())
    except AgentExists:
        print(f"wegwijzer: er is al een account '{name}'.", file=sys.stderr)
        return 1
    print(f"Account '{name}' ({role}; talen: {', '.join(languages)}) gemaakt. Log in op /console/.")
    return 0
