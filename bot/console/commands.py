"""``wegwijzer agent add NAME --display-name "Anna" [--admin] [--languages nl,tr]``: create a console account;
``wegwijzer agent rename NAME --display-name "Anna"``: change the name users see (the login name stays; audited);
``wegwijzer agent add NAME --display-name "…" --partner ORG_ID``: an account of a partner organisation of the
directory (bot/dialogs/organisaties.yaml), which sees only the warm referrals addressed to it (role ``partner``);
``wegwijzer agent deactivate NAME``: they can no longer log in, and their sessions end (audited);
``wegwijzer agent reset-password NAME``: a new password, and their sessions end (audited).

The password is asked twice on a terminal; from a pipe (scripts) it is the first line of standard input. It
must pass ``passwords.password_problem`` (length, and not a common, repeated or guessable one: zxcvbn).
``--languages``: the languages the agent speaks (default Dutch), from the offered and known languages; an
admin can change them later in the console (Medewerkers).
``--display-name``: required; what users read ("Je praat nu met Anna"), so it must look like a name
(``display_names``: letters, capital first, 2-40 characters; never the lower-case login). An admin can change it
in the console too.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import getpass
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TextIO

from bot.console.agent_languages import known_languages, parse_languages
from bot.console.auth import hash_password
from bot.console.display_names import clean_display_name
from bot.console.passwords import password_problem
from bot.settings import Settings

if TYPE_CHECKING:
    from storage.agents import AgentStore

logger = logging.getLogger(__name__)


def register(commands: Any) -> None:
    """Add the ``agent`` command to the ``wegwijzer`` parser's sub-commands."""
    agent = commands.add_parser("agent", help="accounts for the agents' console (the helpdesk)")
    actions = agent.add_subparsers(required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create an agent (asks for a password, or reads it from stdin)")
    add.add_argument("name", help="login name")
    add.add_argument("--display-name", required=True, metavar='"Anna"', help='the name users see, e.g. "Anna"')
    add.add_argument("--admin", action="store_true", help="may also read the audit log and edit agents' languages")
    add.add_argument(
        "--partner", metavar="ORG_ID", help="a partner organisation's account: sees only the referrals to ORG_ID"
    )
    add.add_argument(
        "--languages", default="nl", metavar="CODES", help="languages the agent speaks, e.g. nl,tr (default: nl)"
    )
    add.set_defaults(func=cmd_agent_add)
    deactivate = actions.add_parser("deactivate", help="end an agent's sessions; they can no longer log in")
    deactivate.add_argument("name", help="login name")
    deactivate.set_defaults(func=cmd_agent_deactivate)
    rename = actions.add_parser("rename", help="change the name users see (the login name stays)")
    rename.add_argument("name", help="login name")
    rename.add_argument("--display-name", required=True, metavar='"Anna"', help="the new name users see")
    rename.set_defaults(func=cmd_agent_rename)
    reset = actions.add_parser("reset-password", help="a new password (asked, or read from stdin); ends sessions")
    reset.add_argument("name", help="login name")
    reset.set_defaults(func=cmd_agent_reset_password)


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
    display_name = _display_name(args.display_name)
    if display_name is None:
        return 2
    try:
        languages = parse_languages(args.languages, known_languages(settings.locales))
    except ValueError as exc:
        print(f"wegwijzer: --languages: {exc}", file=sys.stderr)
        return 2
    partner: str | None = args.partner
    if partner is not None:
        problem = partner_problem(partner, args.admin)
        if problem is not None:
            print(f"wegwijzer: --partner: {problem}", file=sys.stderr)
            return 2
    password = new_password(name)
    if password is None:
        return 2
    role = "partner" if partner is not None else "admin" if args.admin else "agent"

    async def run() -> None:
        from storage.partners import PartnerStore

        database = create_engine(settings.database_url)
        try:
            await upgrade(database)
            if partner is not None:
                await PartnerStore(database).add(name, display_name, hash_password(password), partner)
            else:
                await AgentStore(database).add(name, display_name, hash_password(password), role, languages)
        finally:
            await database.dispose()

    try:
        asyncio.run(run())
    except AgentExists:
        print(f"wegwijzer: er is al een account '{name}'.", file=sys.stderr)
        return 1
    print(f"Account '{name}' ({role}; talen: {', '.join(languages)}; gebruikers zien '{display_name}') gemaakt.")
    if partner is not None:
        print(f"Het account ziet alleen doorverwijzingen naar '{partner}'.")
    print("Log in op /console/.")
    return 0


def partner_problem(organisation_id: str, admin: bool) -> str | None:
    """Why ``--partner ORG_ID`` cannot be, or None: the id must be one of the directory's organisations."""
    from bot.dialogs.dialog import Dialog

    if admin:
        return "een partneraccount kan geen beheerder zijn (laat --admin weg)."
    organisations = Dialog.load().directory.organisations
    if organisation_id in organisations:
        return None
    close = difflib.get_close_matches(organisation_id, list(organisations), n=3)
    hint = f" Bedoel je {' of '.join(close)}?" if close else ""
    return f"'{organisation_id}' staat niet in de lijst van organisaties (bot/dialogs/organisaties.yaml).{hint}"


def _display_name(text: str) -> str | None:
    """The tidied ``--display-name``, or None after saying why it does not look like a name."""
    try:
        return clean_display_name(text)
    except ValueError as exc:
        print(f"wegwijzer: --display-name: {exc}", file=sys.stderr)
        return None


def cmd_agent_rename(settings: Settings, args: argparse.Namespace) -> int:
    display_name = _display_name(args.display_name)
    if display_name is None:
        return 2

    async def change(store: AgentStore, agent_id: int) -> None:
        await store.set_display_name(agent_id, display_name)

    if not _on_agent(settings, args.name.strip(), change):
        print(f"wegwijzer: er is geen account '{args.name}'.", file=sys.stderr)
        return 1
    print(f"Gebruikers zien '{args.name}' nu als '{display_name}'.")
    return 0


def _on_agent(settings: Settings, name: str, change: Callable[[AgentStore, int], Awaitable[None]]) -> bool:
    """Run ``change`` on the account called ``name`` (migrations first); False when there is no such account."""
    from storage.agents import AgentStore
    from storage.database import create_engine
    from storage.migrate import upgrade

    async def run() -> bool:
        database = create_engine(settings.database_url)
        try:
            await upgrade(database)
            store = AgentStore(database)
            agent = await store.by_name(name)
            if agent is None or agent.id is None:
                return False
            await change(store, agent.id)
            return True
        finally:
            await database.dispose()

    return asyncio.run(run())


def cmd_agent_deactivate(settings: Settings, args: argparse.Namespace) -> int:
    async def change(store: AgentStore, agent_id: int) -> None:
        await store.deactivate(agent_id)

    if not _on_agent(settings, args.name.strip(), change):
        print(f"wegwijzer: er is geen account '{args.name}'.", file=sys.stderr)
        return 1
    print(f"Account '{args.name}' kan niet meer inloggen; open sessies zijn beëindigd.")
    return 0


def new_password(name: str) -> str | None:
    """Read a new password (asked, or from stdin) and check it against the policy; None after saying why not."""
    try:
        password = read_password()
    except (ValueError, EOFError) as exc:
        print(f"wegwijzer: {exc}", file=sys.stderr)
        return None
    problem = password_problem(password, name)
    if problem is not None:
        print(f"wegwijzer: {problem}", file=sys.stderr)
        return None
    return password


def cmd_agent_reset_password(settings: Settings, args: argparse.Namespace) -> int:
    name = args.name.strip()
    password = new_password(name)
    if password is None:
        return 2
    password_hash = hash_password(password)

    async def change(store: AgentStore, agent_id: int) -> None:
        await store.reset_password(agent_id, password_hash)

    if not _on_agent(settings, name, change):
        print(f"wegwijzer: er is geen account '{name}'.", file=sys.stderr)
        return 1
    print(f"Nieuw wachtwoord voor '{name}' ingesteld; open sessies zijn beëindigd.")
    return 0
