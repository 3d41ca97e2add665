"""The queue names role and theme in words, on the page and in the live rows (issue 14: an agent's queue read
"leerling_vo" and "pesten_vo", the tree's codes)."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.appkeys import HELPDESK
from bot.dialogs.dialog import Dialog
from storage.handoffs import HandoffStore
from storage.models import Conversation, Handoff
from storage.repository import ConversationStore
from tests.console.conftest import add_agent, logged_in
from tests.console.test_live import next_event
from tests.helpdesk.test_summary import product_tree_console

__all__ = ["product_tree_console"]  # a fixture
KNOWN = {"role": "leerling_vo", "theme": "pesten"}
UNKNOWN = {"role": "nieuwe_rol_vo", "theme": "pesten_vo"}  # values a newer tree might set, with no word yet
CODES = ("leerling_vo", "nieuwe_rol_vo", "pesten_vo")


async def waiting(engine: AsyncEngine, dialog: Dialog, chat_id: str, facts: dict[str, str]) -> int:
    """A conversation of the product tree that asked for a person and waits in the queue; its id."""
    conversation = Conversation(
        channel="test",
        chat_id=chat_id,
        locale="nl",
        state="stap_vo_pesten",
        tree_version=dialog.version,
        history=["welkom", "gevaar", "rol", "thema_vo"],
        facts=facts,
    )
    await ConversationStore(engine).save(conversation)
    assert conversation.id is not None
    await HandoffStore(engine).create(Handoff(conversation_id=conversation.id))
    return conversation.id


def rows(html: str) -> str:
    """What a person reads in the queue table (no tags, no attribute values)."""
    table = html[html.index('<tbody id="queue">') :]
    return re.sub(r"<[^>]*>", " ", table[: table.index("</tbody>")])


async def test_the_queue_page_and_the_live_rows_show_words_never_codes(
    product_tree_console: TestServer,
    aiohttp_client: AiohttpClient,
    sqlite_database: AsyncEngine,
    real_dialog: Dialog,
) -> None:
    await waiting(sqlite_database, real_dialog, "c1", KNOWN)
    await add_agent(product_tree_console, "anna")
    client = await aiohttp_client(product_tree_console)
    await logged_in(client, "anna")

    html = await (await client.get("/console/")).text()
    shown = rows(html)
    assert "Leerling middelbare school" in shown and "Pesten" in shown
    for code in CODES:
        assert code not in html, code  # not even in an attribute

    ws = await client.ws_connect("/console/ws")
    first = (await next_event(ws, "queue"))["items"]
    assert [(item["role"], item["theme"]) for item in first] == [("Leerling middelbare school", "Pesten")]

    # A value without a word arrives while the agent watches: plain words, never the stored code.
    await waiting(sqlite_database, real_dialog, "c2", UNKNOWN)
    await product_tree_console.app[HELPDESK].queue_changed()
    live = (await next_event(ws, "queue"))["items"]
    while len(live) < 2:  # a row sent before the second conversation was stored
        live = (await next_event(ws, "queue"))["items"]
    assert sorted((item["role"], item["theme"]) for item in live) == [
        ("Leerling middelbare school", "Pesten"),
        ("Nieuwe rol vo", "Pesten vo"),
    ]
    assert not any(code in str(live) for code in CODES)
    await ws.close()

    shown = rows(await (await client.get("/console/")).text())
    assert "Nieuwe rol vo" in shown and "Pesten vo" in shown
    assert not any(code in shown for code in CODES)
