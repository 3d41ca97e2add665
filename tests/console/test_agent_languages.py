"""The languages agents speak: ``agent add --languages``, the admins' page, and the queue in each agent's order
(crisis first, then users in the agent's languages, then the rest) with a language filter."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient
from sqlalchemy import select

from bot.appkeys import STORE
from bot.console.agent_languages import known_languages, parse_languages
from bot.console.keys import AGENTS
from bot.console.queue_order import MINE, for_agent, shown
from bot.i18n import LOCALES_DIR
from storage.agents import AUDIT
from tests.bot.test_cli import run
from tests.console.conftest import Client, add_agent, csrf_of, logged_in, post
from tests.console.test_agent_command import agents_in
from tests.console.test_live import next_event, user_says

SIX = ("nl", "en", "ar", "tr", "pl", "uk")


def row(conversation: int, locale: str, *, crisis: bool = False, status: str = "queued") -> dict[str, Any]:
    return {"conversation": conversation, "locale": locale, "crisis": crisis, "status": status}


# --- which languages, and reading them ---------------------------------------------------------------------


def test_the_known_languages_are_dutch_the_configured_ones_and_every_catalog() -> None:
    assert set(known_languages(("nl",))) == set(SIX)  # the catalogs in bot/locales
    assert known_languages(("nl", "tr"))[:2] == ("nl", "tr")
    assert known_languages((), Path("/nonexistent")) == ("nl",)
    assert {p.parent.parent.name for p in LOCALES_DIR.glob("*/LC_MESSAGES/messages.po")} <= set(SIX)


def test_languages_are_read_checked_and_deduplicated() -> None:
    assert parse_languages("nl, TR,tr", SIX) == ("nl", "tr")
    assert parse_languages(["uk"], SIX) == ("uk",)
    with pytest.raises(ValueError, match="Onbekende taal: xx"):
        parse_languages("nl,xx", SIX)
    with pytest.raises(ValueError, match="minstens één taal"):
        parse_languages(" , ", SIX)


async def test_agent_add_records_the_languages(tmp_path: Path) -> None:
    password = "een lang wachtwoord\n"
    add = ("agent", "add")
    code, out, err = await run(tmp_path, *add, "emre", "--display-name", "Emre", "--languages", "nl,tr", stdin=password)
    assert code == 0, err
    assert "talen: nl, tr" in out
    assert (await run(tmp_path, *add, "anna", "--display-name", "Anna", stdin=password))[0] == 0
    code, _, err = await run(tmp_path, *add, "xena", "--display-name", "Xena", "--languages", "nl,xx", stdin=password)
    assert code == 2 and "Onbekende taal: xx" in err
    stored = {a.name: a.languages for a in await agents_in(tmp_path)}
    assert stored == {"emre": ["nl", "tr"], "anna": ["nl"]}


# --- the order -------------------------------------------------------------------------------------------


def test_crisis_first_then_the_agents_languages_then_the_rest_each_in_queue_order() -> None:
    queue = [
        row(1, "tr", crisis=True),
        row(2, "nl", crisis=True),
        row(3, "nl"),  # a message left outside hours: before the others in the shared order
        row(4, "uk"),
        row(5, "tr"),
        row(6, "nl"),
        row(7, "tr", status="live"),
        row(8, "nl", status="live"),
    ]
    mine = for_agent(queue, {"tr", "uk"})
    assert [r["conversation"] for r in mine] == [1, 2, 4, 5, 3, 6, 7, 8]
    assert [r["your_language"] for r in mine] == [True, False, True, True, False, False, True, False]
    assert [r["conversation"] for r in for_agent(queue, {"nl"})] == [1, 2, 3, 6, 4, 5, 7, 8]
    assert "your_language" not in queue[0]  # the shared rows are not changed


def test_the_filter_never_hides_a_crisis() -> None:
    rows = for_agent([row(1, "nl", crisis=True), row(2, "tr"), row(3, "nl")], {"tr"})
    assert [r["conversation"] for r in rows if shown(r, "tr")] == [1, 2]
    assert [r["conversation"] for r in rows if shown(r, MINE)] == [1, 2]
    assert [r["conversation"] for r in rows if shown(r, "")] == [1, 2, 3]


async def wait_in(server: TestServer, chat_id: str, locale: str, *, crisis: bool = False) -> None:
    """A user of that language asks for a person (and, for ``crisis``, then writes of danger)."""
    await user_says(server, "/start", chat_id)
    store = server.app[STORE]
    conversation = await store.load("test", chat_id)
    assert conversation is not None
    conversation.locale = locale
    await store.save(conversation)
    await user_says(server, "mens", chat_id)
    if crisis:
        await user_says(server, "ik wil niet meer leven", chat_id)  # crisis words: to the front


async def test_each_agent_sees_the_queue_in_their_own_order_live_and_on_the_page(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    emre = await add_agent(server, "emre")
    assert emre.id is not None
    await server.app[AGENTS].set_languages(emre.id, ["nl", "tr"])
    await add_agent(server, "anna")
    other = await aiohttp_client(server)
    await logged_in(client, "emre")
    await logged_in(other, "anna")
    emre_ws, anna_ws = await client.ws_connect("/console/ws"), await other.ws_connect("/console/ws")
    await next_event(emre_ws, "queue")
    await next_event(anna_ws, "queue")
    await wait_in(server, "c1", "en")
    await wait_in(server, "c2", "tr")
    await wait_in(server, "c3", "nl", crisis=True)

    async def queue_of_three(ws: Any) -> list[tuple[str, bool, bool]]:
        """The queue once all three wait and the crisis is flagged."""
        items: list[dict[str, Any]] = []
        while not any(i["crisis"] for i in items):
            items = (await next_event(ws, "queue"))["items"]
        return [(i["locale"], i["crisis"], i["your_language"]) for i in items]

    assert await queue_of_three(emre_ws) == [("nl", True, True), ("tr", False, True), ("en", False, False)]
    assert await queue_of_three(anna_ws) == [("nl", True, True), ("en", False, False), ("tr", False, False)]

    page = await (await client.get("/console/")).text()
    assert page.index('<span lang="tr">Türkçe</span>') < page.index('<span lang="en">English</span>')
    assert page.count('<span class="badge yours">jouw taal</span>') == 2
    filtered = await (await client.get("/console/?taal=tr")).text()
    assert "Türkçe</span>" in filtered and 'class="badge crisis">Crisis' in filtered  # a crisis always shows
    assert filtered.count("<tr class=") == 2
    assert '<option value="tr" lang="tr" selected>Türkçe</option>' in filtered
    assert (await (await other.get("/console/?taal=mine")).text()).count("<tr class=") == 1  # the crisis only
    assert (await (await other.get("/console/?taal=<script>")).text()).count("<tr class=") == 3  # unknown: all


# --- the admins' page ------------------------------------------------------------------------------------


async def test_an_admin_edits_an_agents_languages_with_csrf_and_an_audit_row(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    admin = await add_agent(server, "beheer", role="admin")
    emre = await add_agent(server, "emre")
    csrf = await logged_in(client, "beheer")
    page = await (await client.get("/console/agents")).text()
    assert '<a href="/console/agents" aria-current="page">Medewerkers</a>' in page
    assert f'action="/console/agents/{emre.id}/languages"' in page
    assert re.search(r'name="lang_nl" value="1" checked', page) and 'name="lang_uk" value="1" >' in page

    form = {"csrf": csrf, "lang_nl": "1", "lang_tr": "1", "lang_xx": "1"}
    response = await client.post(f"/console/agents/{emre.id}/languages", data=form, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == f"/console/agents?opgeslagen={emre.id}#agent-{emre.id}"
    assert (await server.app[AGENTS].get(emre.id or 0)).languages == ["nl", "tr"]  # type: ignore[union-attr]
    saved = await (await client.get(response.headers["Location"])).text()
    assert 'role="status">Opgeslagen.</span>' in saved

    response = await client.post(f"/console/agents/{emre.id}/languages", data={"csrf": csrf}, allow_redirects=False)
    assert response.status == 400 and "Kies minstens één taal." in await response.text()
    response = await client.post("/console/agents/999/languages", data=form, allow_redirects=False)
    assert response.status == 404
    response = await client.post(f"/console/agents/{emre.id}/languages", data={"lang_uk": "1"}, allow_redirects=False)
    assert response.status == 403  # no CSRF token
    assert (await server.app[AGENTS].get(emre.id or 0)).languages == ["nl", "tr"]  # type: ignore[union-attr]

    async with server.app[AGENTS].engine.connect() as conn:
        rows = (await conn.execute(select(AUDIT).where(AUDIT.c.action.like("languages:%")))).all()
    assert [(r.agent_id, r.conversation_id, r.action) for r in rows] == [(admin.id, None, f"languages:{emre.id}")]


async def test_only_admins_see_and_change_the_agents(
    client: Client, server: TestServer, aiohttp_client: AiohttpClient
) -> None:
    emre = await add_agent(server, "emre")
    csrf = await logged_in(client, "emre")
    assert (await client.get("/console/agents")).status == 403
    assert "Medewerkers" not in await (await client.get("/console/")).text()
    response = await client.post(
        f"/console/agents/{emre.id}/languages", data={"csrf": csrf, "lang_uk": "1"}, allow_redirects=False
    )
    assert response.status == 403
    assert (await server.app[AGENTS].get(emre.id or 0)).languages == ["nl"]  # type: ignore[union-attr]
    stranger = await aiohttp_client(server)
    assert (await stranger.get("/console/agents", allow_redirects=False)).status == 303  # to the login page
    assert await csrf_of(client)
    assert (await post(stranger, f"/console/agents/{emre.id}/languages", None)).status == 401
