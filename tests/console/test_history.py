"""History and the conversation code in the console (bot/console/history.py), on SQLite and PostgreSQL.

Closed conversations are listed without a word of what users wrote and without their codes; a colleague's
conversation still asks for a reason; the code a user gives opens exactly their conversation, audited; a code
that does not exist is audited as a miss, and guessing is stopped.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient
from sqlalchemy import select

from bot.appkeys import HELPDESK, STORE
from bot.console.history import MISSES_PER_HOUR
from bot.console.keys import AGENTS
from storage.models import AccessGrant
from tests.console.conftest import Client, add_agent, logged_in, post
from tests.console.test_live import user_says

SECRET = "Mijn geheim: Tim pest me elke dag"
GRANTS = AccessGrant.__table__  # type: ignore[attr-defined]


async def handled(server: TestServer, client: Client, csrf: str, chat_id: str, **end: str) -> tuple[int, str]:
    """A user asks for a person and writes; the agent of ``client`` claims, replies and ends. (id, code)."""
    await user_says(server, "/start", chat_id)
    await user_says(server, "mens", chat_id)
    await user_says(server, f"{SECRET} ({chat_id})", chat_id)
    conversation = await server.app[STORE].load("test", chat_id)
    assert conversation is not None and conversation.id is not None and conversation.reference
    handoff = await server.app[HELPDESK].handoffs.open_for(conversation.id)
    assert handoff is not None
    assert (await post(client, f"/console/h/{handoff.id}/claim", csrf)).status == 200
    assert (await post(client, f"/console/h/{handoff.id}/reply", csrf, text="Hoi, ik ben er.")).status == 200
    assert (await post(client, f"/console/h/{handoff.id}/end", csrf, **end)).status == 200
    return conversation.id, conversation.reference


async def audit(server: TestServer) -> list[tuple[str, int | None, int | None]]:
    return [(e.action, e.agent_id, e.conversation_id) for e, _ in reversed(await server.app[AGENTS].audit_log())]


async def find_code(client: Client, csrf: str | None, code: str) -> Any:
    data = {"code": code} if csrf is None else {"code": code, "csrf": csrf}
    return await client.post("/console/history/code", data=data, allow_redirects=False)


async def test_the_history_lists_closed_conversations_without_what_users_wrote(
    desk: TestServer, aiohttp_client: AiohttpClient
) -> None:
    anna, bram = await add_agent(desk, "anna"), await add_agent(desk, "bram")
    as_anna, as_bram = await aiohttp_client(desk), await aiohttp_client(desk)
    anna_csrf, bram_csrf = await logged_in(as_anna, "anna"), await logged_in(as_bram, "bram")
    mine, mine_code = await handled(desk, as_anna, anna_csrf, "c1", outcome="information")
    theirs, their_code = await handled(
        desk, as_bram, bram_csrf, "c2", outcome="referred", organisation="kindertelefoon"
    )

    async def listed(query: str = "") -> tuple[int, str, list[int]]:
        response = await as_anna.get(f"/console/history{query}")
        html = await response.text()
        return response.status, html, [int(i) for i in re.findall(r'href="/console/c/(\d+)"', html)]

    status, html, found = await listed()
    assert status == 200 and found == [theirs, mine]
    assert "Doorverwezen naar een organisatie: Kindertelefoon" in html and "Informatie gegeven" in html
    assert SECRET not in html and "Tim" not in html  # not a word any user wrote
    assert mine_code not in html and their_code not in html  # codes come from users, never from a list
    assert (await listed("?uitkomst=referred"))[2] == [theirs]
    assert (await listed("?organisatie=kindertelefoon"))[2] == [theirs]
    assert (await listed("?uitkomst=information"))[2] == [mine]
    assert (await listed("?mijn=1"))[2] == [mine]
    assert (await listed("?van=2026-11-24"))[2] == []  # the fake clock's day is 23 November
    assert (await listed("?van=2026-11-23&tot=2026-11-23"))[2] == [theirs, mine]
    assert (await listed("?uitkomst=onzin&organisatie=nergens"))[2] == [theirs, mine]  # unknown filters: ignored
    status, html, found = await listed("?van=gisteren")
    assert status == 400 and "JJJJ-MM-DD" in html and found == [theirs, mine]  # said, and no filter used

    # Without the user's code a colleague's conversation asks for a reason first; nothing of it shows.
    refused = await as_anna.get(f"/console/c/{theirs}")
    assert refused.status == 403 and SECRET not in await refused.text()
    assert anna.id is not None and bram.id is not None
    assert ("open_transcript", anna.id, theirs) not in await audit(desk)


async def test_the_code_a_user_gives_opens_exactly_their_conversation_audited(
    desk: TestServer, aiohttp_client: AiohttpClient
) -> None:
    anna = await add_agent(desk, "anna")
    await add_agent(desk, "bram")
    as_anna, as_bram = await aiohttp_client(desk), await aiohttp_client(desk)
    anna_csrf, bram_csrf = await logged_in(as_anna, "anna"), await logged_in(as_bram, "bram")
    await handled(desk, as_anna, anna_csrf, "c1", outcome="information")
    theirs, code = await handled(desk, as_bram, bram_csrf, "c2", outcome="information")
    assert anna.id is not None

    assert (await find_code(as_anna, None, code)).status == 403  # a POST without the CSRF token
    typed = code.lower().replace("-", " ")  # as a user may say it
    found = await find_code(as_anna, anna_csrf, typed)
    assert found.status == 303 and found.headers["Location"] == f"/console/c/{theirs}"
    page = await as_anna.get(f"/console/c/{theirs}")
    assert page.status == 200 and f"{SECRET} (c2)" in await page.text()
    assert f"{SECRET} (c1)" not in await page.text()
    rows = await audit(desk)
    assert rows[-2:] == [("open_by_reference", anna.id, theirs), ("open_transcript", anna.id, theirs)]
    async with desk.app[STORE].engine.connect() as conn:
        reasons = (await conn.execute(select(GRANTS.c.agent_id, GRANTS.c.conversation_id, GRANTS.c.reason))).all()
    assert [tuple(r) for r in reasons] == [(anna.id, theirs, "Gesprekscode van de gebruiker")]
    assert code not in "".join(str(r) for r in rows)  # the audit keeps ids, never the code


async def test_a_code_that_is_not_there_is_audited_and_guessing_stops(
    desk: TestServer, aiohttp_client: AiohttpClient
) -> None:
    anna = await add_agent(desk, "anna")
    client = await aiohttp_client(desk)
    csrf = await logged_in(client, "anna")
    malformed = await find_code(client, csrf, "K7-4Q0")
    assert malformed.status == 400 and "Dit is geen gesprekscode" in await malformed.text()
    for _ in range(MISSES_PER_HOUR):
        missing = await find_code(client, csrf, "ZZ-ZZZ")
        assert missing.status == 404 and "Er is geen gesprek met deze code" in await missing.text()
    stopped = await find_code(client, csrf, "ZZ-ZZZ")
    assert stopped.status == 429 and "over een uur" in await stopped.text()
    assert [row for row in await audit(desk) if row[0] == "reference_miss"] == [
        ("reference_miss", anna.id, None)
    ] * MISSES_PER_HOUR
    desk.app[HELPDESK].clock.advance(hours=1, seconds=1)  # type: ignore[attr-defined]
    csrf = await logged_in(client, "anna")  # the session was idle meanwhile
    assert (await find_code(client, csrf, "ZZ-ZZZ")).status == 404  # an hour later: searching again


async def test_the_queue_offers_the_code_search_and_the_nav_the_history(client: Client, server: TestServer) -> None:
    await add_agent(server, "anna")
    await logged_in(client, "anna")
    page = await (await client.get("/console/")).text()
    assert 'action="/console/history/code"' in page and 'href="/console/history"' in page
    assert 'href="/console/supervisor"' not in page  # for admins only
