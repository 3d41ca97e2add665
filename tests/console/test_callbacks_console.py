"""The console's call-back list (``bot.console.callbacks``) served for real, on SQLite and PostgreSQL: who may see
it, CSRF, the number only for the agent who claimed it (and audited), the number gone once the request closes, and
the consoles told live how many requests wait (never the number), with the count beside "Terugbellen"."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient, AiohttpServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.console.keys import AGENTS
from bot.dialogs.dialog import Dialog
from bot.helpdesk import callback_texts
from bot.settings import Settings
from storage.callbacks import CALLBACKS
from storage.models import AgentSession, utcnow
from tests.bot.helpers import option_keys, say, tap
from tests.console.conftest import Client, add_agent, bot_engine, logged_in, login, serve
from tests.fakes.helpdesk import FakeClock, Recorder

SHOWN, E164 = "06 87654321", "+31687654321"
DIGITS = ("87654321", "8765 4321")


@pytest.fixture
async def product(
    aiohttp_server: AiohttpServer,
    settings: Settings,
    dialog: Dialog,
    database: AsyncEngine,
    database_url: str,
    clock: FakeClock,
    recorder: Recorder,
) -> TestServer:
    """The product on both databases (``database`` made it empty and migrated), open at any hour (the settings).

    The clock is now: the server's daily purge at start-up runs on the real time, and would take requests of a
    clock set more than ``callback_retention_days`` back for old ones.
    """
    clock.now = utcnow()
    return await serve(
        aiohttp_server, settings.model_copy(update={"database_url": database_url}), dialog, clock, recorder
    )


async def ask_for_a_call(server: TestServer, chat_id: str, typed: str = "06 8765 4321", part: str = "Middag") -> None:
    """A user of the recording channel asks to be called back, through the engine, and says yes."""
    engine = bot_engine(server)
    await say(engine, "/start", chat_id)
    await tap(engine, callback_texts.START, chat_id)
    parts = await say(engine, typed, chat_id)
    await tap(engine, option_keys(parts)[part], chat_id)
    done = await tap(engine, callback_texts.YES, chat_id)
    assert done[0].text.startswith("Afgesproken.")


async def table(server: TestServer) -> dict[int, dict[str, Any]]:
    engine = server.app[AGENTS].engine
    async with engine.connect() as conn:
        return {r.id: dict(r._mapping) for r in (await conn.execute(select(CALLBACKS))).all()}


async def form(client: Client, path: str, csrf: str | None, **fields: str) -> Any:
    data = fields if csrf is None else {"csrf": csrf, **fields}
    return await client.post(path, data=data, allow_redirects=False)


async def audited(server: TestServer, action: str) -> list[tuple[int | None, int | None]]:
    rows = await server.app[AGENTS].audit_search(action=action)
    return [(entry.agent_id, entry.conversation_id) for entry, _name in rows]


async def test_only_the_chat_ondersteuning_has_the_list(aiohttp_client: AiohttpClient, product: TestServer) -> None:
    await ask_for_a_call(product, "u1")
    anonymous = await aiohttp_client(product)
    page = await anonymous.get("/console/callbacks", allow_redirects=False)
    assert (page.status, page.headers["Location"]) == (303, "/console/login")
    assert (await form(anonymous, "/console/callbacks/1/claim", None)).status == 401

    await add_agent(product, "partner", role="partner")
    partner = await aiohttp_client(product)
    response = await login(partner, "partner")
    assert response.status == 303
    page = await partner.get("/console/callbacks")
    assert page.status == 403
    assert "06" not in await page.text()
    async with product.app[AGENTS].engine.connect() as conn:  # the partner's own session token
        csrf = await conn.scalar(select(AgentSession.__table__.c.csrf_token))  # type: ignore[attr-defined]
    assert (await form(partner, "/console/callbacks/1/claim", str(csrf))).status == 403
    assert (await table(product))[1]["status"] == "waiting"


async def test_every_change_needs_the_sessions_csrf_token(aiohttp_client: AiohttpClient, product: TestServer) -> None:
    await ask_for_a_call(product, "u1")
    await add_agent(product, "anna")
    client = await aiohttp_client(product)
    csrf = await logged_in(client, "anna")
    assert (await form(client, "/console/callbacks/1/claim", None)).status == 403
    assert (await form(client, "/console/callbacks/1/claim", "x" * len(csrf))).status == 403
    assert (await table(product))[1]["status"] == "waiting"
    assert (await form(client, "/console/callbacks/1/claim", csrf)).status == 303
    assert (await form(client, "/console/callbacks/1/called", None, outcome="information")).status == 403
    assert (await table(product))[1]["phone"] == E164  # still open: not closed without the token


async def test_the_number_only_for_who_claimed_it_audited_and_deleted_on_close(
    aiohttp_client: AiohttpClient, product: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await ask_for_a_call(product, "u1")
    await ask_for_a_call(product, "u2", typed="+32 470 12 34 56", part="Maakt niet uit")
    anna, bram = await add_agent(product, "anna"), await add_agent(product, "bram")
    first, second = await aiohttp_client(product), await aiohttp_client(product)
    anna_csrf, bram_csrf = await logged_in(first, "anna"), await logged_in(second, "bram")

    page = await first.get("/console/callbacks")
    html = await page.text()
    assert page.status == 200 and html.count(">Oppakken</button>") == 2
    assert "Nederlands" in html and "Middag" in html and "Maakt niet uit" in html
    assert not any(d in html for d in (*DIGITS, "470 12 34 56", "+32470123456"))  # no number before a claim

    claimed = await form(first, "/console/callbacks/1/claim", anna_csrf)
    assert (claimed.status, claimed.headers["Location"]) == (303, "/console/callbacks/1")
    late = await form(second, "/console/callbacks/1/claim", bram_csrf)
    assert late.status == 409 and "Een collega was je voor" in await late.text()

    shown = await first.get("/console/callbacks/1")
    html = await shown.text()
    assert shown.status == 200 and SHOWN in html and f'href="tel:{E164}"' in html
    conversation_id = (await table(product))[1]["conversation_id"]
    assert await audited(product, "callback_claim") == [(anna.id, conversation_id)]
    assert await audited(product, "callback_number") == [(anna.id, conversation_id)]  # every showing is written
    await first.get("/console/callbacks/1")
    assert len(await audited(product, "callback_number")) == 2

    refused = await second.get("/console/callbacks/1")  # bram: not his
    html = await refused.text()
    assert refused.status == 403 and not any(d in html for d in DIGITS)
    listed = await (await second.get("/console/callbacks")).text()
    assert "Opgepakt door Anna" in listed and not any(d in listed for d in DIGITS)
    assert (await form(second, "/console/callbacks/1/called", bram_csrf, outcome="information")).status == 409
    assert len(await audited(product, "callback_number")) == 2  # a refusal shows nothing and writes nothing

    assert (await form(first, "/console/callbacks/1/called", anna_csrf, outcome="made-up")).status == 400
    done = await form(first, "/console/callbacks/1/called", anna_csrf, outcome="information")
    assert (done.status, done.headers["Location"]) == (303, "/console/callbacks")
    row = (await table(product))[1]
    assert (row["status"], row["phone"], row["outcome"], row["agent_id"]) == ("called", None, "information", anna.id)
    after = await first.get("/console/callbacks/1")
    html = await after.text()
    assert after.status == 403 and not any(d in html for d in DIGITS)

    assert (await form(second, "/console/callbacks/2/claim", bram_csrf)).status == 303
    assert (await form(second, "/console/callbacks/2/no-answer", bram_csrf)).status == 303
    row = (await table(product))[2]
    assert (row["status"], row["attempts"], row["agent_id"], row["phone"]) == ("retry", 1, None, "+32470123456")
    listed = await (await first.get("/console/callbacks")).text()
    assert ">Opnieuw proberen</button>" in listed and "1×" in listed
    assert (await form(first, "/console/callbacks/2/claim", anna_csrf)).status == 303  # "Opnieuw proberen"
    assert (await form(first, "/console/callbacks/2/release", anna_csrf)).status == 303
    assert (await table(product))[2]["status"] == "waiting"
    assert (await form(second, "/console/callbacks/2/claim", bram_csrf)).status == 303
    closed = await form(second, "/console/callbacks/2/close", bram_csrf, outcome="not_reached")
    assert closed.status == 303
    assert {r["phone"] for r in (await table(product)).values()} == {None}
    assert bram.id is not None
    assert not [r.getMessage() for r in caplog.records if any(d in r.getMessage() for d in (*DIGITS, "470 12"))]


async def test_unknown_requests_are_404_not_500(aiohttp_client: AiohttpClient, product: TestServer) -> None:
    await add_agent(product, "anna")
    client = await aiohttp_client(product)
    csrf = await logged_in(client, "anna")
    assert (await client.get("/console/callbacks/7")).status == 404
    assert (await client.get("/console/callbacks/99999999999")).status == 404  # beyond an id's range
    assert (await form(client, "/console/callbacks/7/claim", csrf)).status == 409


async def told(ws: ClientWebSocketResponse) -> tuple[dict[str, Any], str]:
    """The next ``callbacks`` event (skipping others) within five seconds, and the frame as it came."""
    while True:
        frame = await ws.receive_str(timeout=5)
        event: dict[str, Any] = json.loads(frame)
        if event["type"] == "callbacks":
            return event, frame


def nav_count(html: str) -> int | None:
    """The count beside "Terugbellen" in the navigation; None when it is hidden (nothing waits)."""
    found = re.search(r'id="callbacks-waiting"\s*(hidden)?\s*> <span class="number">(\d+)</span>', html)
    assert found is not None, "no count beside Terugbellen"
    return None if found.group(1) else int(found.group(2))


async def test_every_console_hears_how_many_wait_and_every_page_shows_it_never_the_number(
    aiohttp_client: AiohttpClient, product: TestServer
) -> None:
    """A new request is told at once, with the count and its id only; a claim, no answer and the user's cancel
    change the count too; every page the server renders has it beside "Terugbellen"."""
    await add_agent(product, "anna")
    await add_agent(product, "bram")
    first, second = await aiohttp_client(product), await aiohttp_client(product)
    csrf = await logged_in(first, "anna")
    await logged_in(second, "bram")
    anna, bram = await first.ws_connect("/console/ws"), await second.ws_connect("/console/ws")
    for ws in (anna, bram):
        assert (await told(ws))[0] == {"type": "callbacks", "waiting": 0}  # as the socket opens
    assert nav_count(await (await first.get("/console/")).text()) is None

    await ask_for_a_call(product, "u1")
    await ask_for_a_call(product, "u2", typed="+32 470 12 34 56", part="Maakt niet uit")
    for ws in (anna, bram):
        frames = [await told(ws), await told(ws)]
        assert [event for event, _frame in frames] == [
            {"type": "callbacks", "waiting": 1, "new": 1},
            {"type": "callbacks", "waiting": 2, "new": 2},
        ]
        for _event, frame in frames:
            assert not any(d in frame for d in (*DIGITS, E164, "470", "+32")), frame
    for path in ("/console/", "/console/history", "/console/callbacks", "/console/doorverwijzingen"):
        page = await first.get(path)
        assert nav_count(await page.text()) == 2, path

    assert (await form(first, "/console/callbacks/1/claim", csrf)).status == 303
    assert (await told(bram))[0] == {"type": "callbacks", "waiting": 1}
    assert nav_count(await (await second.get("/console/")).text()) == 1
    assert (await form(first, "/console/callbacks/1/no-answer", csrf)).status == 303
    assert (await told(bram))[0] == {"type": "callbacks", "waiting": 2}  # to try again: waiting once more
    cancelled = await tap(bot_engine(product), callback_texts.CANCEL, "u2")  # the user cancels
    assert cancelled[0].text
    assert (await told(bram))[0] == {"type": "callbacks", "waiting": 1}
    assert nav_count(await (await second.get("/console/callbacks")).text()) == 1
    await anna.close()
    await bram.close()
