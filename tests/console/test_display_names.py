"""The name users read ("Je praat nu met Anna"): required, checked, changeable; never the lower-case login."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.appkeys import HELPDESK
from bot.console.display_names import display_name_problem, from_login
from bot.console.keys import AGENTS
from storage.agents import AgentStore
from storage.database import create_engine
from storage.migrate import downgrade, upgrade
from storage.models import Agent, AuditEntry
from tests.bot.test_cli import run
from tests.console.conftest import Client, add_agent, logged_in, post
from tests.console.test_live import user_says
from tests.fakes.helpdesk import Recorder

AGENT_TABLE = Agent.__table__  # type: ignore[attr-defined]
AUDIT_TABLE = AuditEntry.__table__  # type: ignore[attr-defined]
PASSWORD = "een lang wachtwoord\n"

NAMES = [
    ("Anna", None),
    ("Anna de Vries", None),
    ("Anne-Marie", None),
    ("D'Angelo", None),
    ("Fatma 't Hart", None),
    ("Bram J.", None),
    ("J.P. Jansen", None),
    ("Zoë", None),
    ("Çelik", None),
    ("Олена", None),
    ("أحمد", None),  # no capitals in Arabic script
    ("AJ", None),
    ("  Anna   Smit ", None),  # spaces are tidied
    ("anna", "hoofdletter"),
    ("олена", "hoofdletter"),
    ("ANNA", "hoofdletters"),
    ("anna123", "Geen cijfers"),
    ("Anna123", "Geen cijfers"),
    ("anna@school.nl", "e-mailadres"),
    ("Anna_b", "Geen cijfers of tekens"),
    ("Anna.", "Geen cijfers"),
    ("-Anna", "Geen cijfers"),
    ("Anne--Marie", "Geen cijfers"),
    ("Anna 😀", "Geen cijfers"),
    ("A", "2 tot 40 tekens"),
    ("", "2 tot 40 tekens"),
    ("A" + "a" * 40, "2 tot 40 tekens"),
]


@pytest.mark.parametrize(("name", "problem"), NAMES)
def test_a_display_name_must_look_like_a_name(name: str, problem: str | None) -> None:
    found = display_name_problem(name)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


@pytest.mark.parametrize(
    ("login", "shown"),
    [("anna", "Anna"), ("anna123", "Anna"), ("a.devries", "A Devries"), ("jan_piet", "Jan Piet"), ("x1", "Medewerker")],
)
def test_a_name_from_a_login_for_old_accounts(login: str, shown: str) -> None:
    assert from_login(login) == shown
    assert display_name_problem(shown) is None


async def stored(tmp_path: Path) -> dict[str, str]:
    database = create_engine(f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    try:
        async with database.connect() as conn:
            rows = (await conn.execute(select(AGENT_TABLE.c.name, AGENT_TABLE.c.display_name))).all()
    finally:
        await database.dispose()
    return dict(rows)  # type: ignore[arg-type]


async def test_agent_add_requires_a_display_name_that_looks_like_a_name(tmp_path: Path) -> None:
    code, _, err = await run(tmp_path, "agent", "add", "anna", stdin=PASSWORD)
    assert code == 2 and "--display-name" in err
    code, _, err = await run(tmp_path, "agent", "add", "anna", "--display-name", "anna", stdin=PASSWORD)
    assert code == 2 and "hoofdletter" in err
    code, _, err = await run(tmp_path, "agent", "add", "anna", "--display-name", "anna123", stdin=PASSWORD)
    assert code == 2 and "cijfers" in err
    code, out, err = await run(tmp_path, "agent", "add", "anna", "--display-name", " Anna  de Vries ", stdin=PASSWORD)
    assert code == 0, err
    assert "gebruikers zien 'Anna de Vries'" in out
    assert await stored(tmp_path) == {"anna": "Anna de Vries"}


async def test_agent_rename_changes_the_name_users_see_and_is_audited(tmp_path: Path) -> None:
    assert (await run(tmp_path, "agent", "add", "anna", "--display-name", "Anna", stdin=PASSWORD))[0] == 0
    code, _, err = await run(tmp_path, "agent", "rename", "anna", "--display-name", "anna@school.nl")
    assert code == 2 and "e-mailadres" in err
    code, out, err = await run(tmp_path, "agent", "rename", "anna", "--display-name", "Anne-Marie")
    assert code == 0, err
    assert "Anne-Marie" in out
    assert await stored(tmp_path) == {"anna": "Anne-Marie"}
    assert (await run(tmp_path, "agent", "rename", "nobody", "--display-name", "Anna"))[0] == 1
    database = create_engine(f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    try:
        anna = await AgentStore(database).by_name("anna")
        assert anna is not None
        actions = [entry.action for entry, _ in await AgentStore(database).audit_log()]
        assert actions == [f"display_name:{anna.id}"]
    finally:
        await database.dispose()


async def test_accounts_made_without_a_display_name_get_their_login_capitalised(database: AsyncEngine) -> None:
    await downgrade(database, "0012")
    rows = [
        ("anna", "anna"),  # made without --display-name: the login was what users read
        ("piet123", "piet123"),
        ("bram", "Bram J."),  # chosen by an admin: stays
        ("x", "x"),
        ("sanne", "sanne de wit"),  # lower case: users read it as a login
    ]
    async with database.begin() as conn:
        for name, shown in rows:
            await conn.execute(
                insert(AGENT_TABLE).values(name=name, display_name=shown, password_hash="x", role="agent")
            )
    await upgrade(database)
    async with database.connect() as conn:
        after = dict((await conn.execute(select(AGENT_TABLE.c.name, AGENT_TABLE.c.display_name))).all())
    assert after == {"anna": "Anna", "piet123": "Piet", "bram": "Bram J.", "x": "Medewerker", "sanne": "Sanne"}


async def csrf_on(client: Client, path: str) -> str:
    found = re.search(r'<meta name="csrf" content="([^"]+)">', await (await client.get(path)).text())
    assert found is not None
    return found.group(1)


async def test_an_admin_changes_a_display_name_the_user_reads_it_and_it_is_audited(
    client: Client, server: TestServer
) -> None:
    await add_agent(server, "beheer", role="admin")
    anna = await add_agent(server, "anna")
    assert anna.id is not None
    csrf = await logged_in(client, "beheer")
    path = f"/console/agents/{anna.id}/display-name"
    refused = await client.post(path, data={"csrf": csrf, "display_name": "anna123"}, allow_redirects=False)
    assert refused.status == 400 and "Geen cijfers" in await refused.text()
    saved = await client.post(path, data={"csrf": csrf, "display_name": "Anna-Sophie"}, allow_redirects=False)
    assert saved.status == 303
    agents = server.app[AGENTS]
    changed = await agents.get(anna.id)
    assert changed is not None and changed.display_name == "Anna-Sophie" and changed.name == "anna"
    rows = [entry for entry, _ in await agents.audit_log() if entry.action.startswith("display_name")]
    assert [(r.action, r.agent_id) for r in rows] == [(f"display_name:{anna.id}", (await agents.by_name("beheer")).id)]  # type: ignore[union-attr]
    assert (
        await client.post("/console/agents/999999/display-name", data={"csrf": csrf, "display_name": "Bo"})
    ).status == 404


async def test_a_name_from_before_the_rule_is_marked_on_the_admins_page(client: Client, server: TestServer) -> None:
    await add_agent(server, "beheer", role="admin")
    await server.app[AGENTS].add("piet", "piet", "x")  # as the store was given it before the rule
    await logged_in(client, "beheer")
    page = await (await client.get("/console/agents")).text()
    assert "Deze naam lijkt geen naam" in page and 'aria-invalid="true"' in page


async def test_agents_cannot_change_names_and_users_never_read_the_login(
    client: Client, server: TestServer, recorder: Recorder
) -> None:
    anna = await add_agent(server, "anna")
    csrf = await logged_in(client, "anna")
    response = await client.post(
        f"/console/agents/{anna.id}/display-name", data={"csrf": csrf, "display_name": "Hacker"}, allow_redirects=False
    )
    assert response.status == 403
    await user_says(server, "/start")
    await user_says(server, "mens")
    waiting = await server.app[HELPDESK].handoffs.queue()
    assert (await post(client, f"/console/h/{waiting[0].handoff_id}/claim", csrf)).status == 200
    said = "\n".join(recorder.texts("c1"))
    assert "Je praat nu met Anna van de chat-ondersteuning." in said
    assert not re.search(r"\banna\b", said)
