"""The path summary an agent reads beside a chat: words only (issue 14: "leerling_vo", "stap_vo_pesten" and
"welkom → gevaar → rol → thema_vo" were on the page)."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient, AiohttpServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialogs.dialog import Dialog
from bot.helpdesk.summary import readable, summarise
from bot.monitoring.labels import ROLES, STAGES, THEMES
from bot.settings import Settings
from storage.handoffs import HandoffStore
from storage.models import Conversation, Handoff
from storage.repository import ConversationStore
from tests.console.conftest import add_agent, logged_in, serve
from tests.fakes.helpdesk import FakeClock, Recorder

# A pupil of a secondary school, bullied, who has not talked about it yet and asks for a person.
PATH = ["welkom", "gevaar", "rol", "thema_vo", "stap_vo_pesten"]
FACTS = {"role": "leerling_vo", "theme": "pesten", "stage": "nog_niet"}


def a_conversation(dialog: Dialog, history: list[str], state: str, facts: dict[str, str]) -> Conversation:
    return Conversation(
        channel="test",
        chat_id="c1",
        locale="nl",
        state=state,
        tree_version=dialog.version,
        history=history,
        facts=facts,
    )


def test_every_fact_the_product_tree_sets_has_a_word(real_dialog: Dialog) -> None:
    words = {"role": ROLES, "theme": THEMES, "stage": STAGES}
    missing = []
    for node_id, node in real_dialog.tree.nodes.items():
        for facts in [node.set, *(option.set for option in node.options)]:
            missing += [f"{node_id}: {key}={value}" for key, value in facts.items() if value not in words.get(key, {})]
    assert missing == []


def test_the_summary_of_a_path_is_in_words(real_dialog: Dialog) -> None:
    outcome = next(option.next for option in real_dialog.tree.nodes["stap_vo_pesten"].options if option.id == "nee")
    summary = summarise(real_dialog, a_conversation(real_dialog, PATH, outcome, FACTS))
    assert (summary.role, summary.theme, summary.stage) == (
        "Leerling middelbare school",
        "Pesten",
        "Nog niet over gepraat",
    )
    assert summary.answers[:2] == ("Start", "Nee")
    assert "Ik word gepest, ook online" in summary.answers
    assert summary.now_at == "Kreeg een advies met stappen"
    steps = real_dialog.tree.nodes[outcome].steps
    assert list(summary.organisations) == [real_dialog.organisation(step.organisation).name for step in steps]
    assert not summary.crisis
    shown = " ".join(str(value) for value in summary.as_context().values())
    for node_id in [*PATH, outcome, *FACTS.values()]:
        assert not re.search(rf"\b{node_id}\b", shown), node_id


def test_a_question_shows_what_was_asked_and_danger_is_a_crisis(real_dialog: Dialog) -> None:
    asking = summarise(
        real_dialog, a_conversation(real_dialog, ["welkom", "gevaar", "rol", "thema_vo"], "stap_vo_pesten", {})
    )
    assert asking.now_at == "Vraag: Heb je er al met iemand op school over gepraat?"
    assert (asking.role, asking.theme, asking.stage, asking.organisations) == ("", "", "", ())
    danger = summarise(real_dialog, a_conversation(real_dialog, ["welkom", "gevaar"], "acuut", {"stage": "acuut"}))
    assert danger.crisis and danger.now_at == "Hulp bij gevaar (noodnummers)" and danger.stage == "Nu in gevaar"
    assert danger.answers == ("Start", "Ja, er is nu gevaar")
    assert "112" in danger.organisations


def test_nodes_gone_from_the_tree_and_new_values_never_show_as_ids(real_dialog: Dialog) -> None:
    old = a_conversation(real_dialog, ["welkom", "weg_uit_de_boom"], "ook_weg", {"theme": "nieuw_thema"})
    summary = summarise(real_dialog, old)
    assert summary.now_at == "onbekend" and summary.answers == () and summary.theme == "Nieuw thema"
    assert readable(ROLES, None) == "" and readable(ROLES, "ouder") == "Ouder of verzorger"


@pytest.fixture
async def product_tree_console(
    aiohttp_server: AiohttpServer,
    settings: Settings,
    real_dialog: Dialog,
    sqlite_database: AsyncEngine,
    clock: FakeClock,
    recorder: Recorder,
) -> TestServer:
    return await serve(aiohttp_server, settings, real_dialog, clock, recorder)


async def test_the_conversation_page_shows_no_internal_id(
    product_tree_console: TestServer, aiohttp_client: AiohttpClient, sqlite_database: AsyncEngine, real_dialog: Dialog
) -> None:
    conversation = a_conversation(real_dialog, PATH[:-1], PATH[-1], FACTS)
    conversation.reference = "K7-4QX"
    await ConversationStore(sqlite_database).save(conversation)
    assert conversation.id is not None
    await HandoffStore(sqlite_database).create(Handoff(conversation_id=conversation.id))
    await add_agent(product_tree_console, "anna")
    client = await aiohttp_client(product_tree_console)
    await logged_in(client, "anna")
    page = await client.get(f"/console/c/{conversation.id}")
    assert page.status == 200
    html = await page.text()
    side = html[html.index('class="panel path-summary"') :]
    side = side[: side.index("</section>")]
    for words in (
        "Leerling middelbare school",
        "Pesten",
        "Nog niet over gepraat",
        "Ik word gepest, ook online",
        "K7-4QX",
    ):
        assert words in side
    assert "Vraag: Heb je er al met iemand op school over gepraat?" in side
    shown = re.sub(r"<[^>]*>", " ", html)  # what a person reads: no tags, no attribute values
    assert "leerling_vo" not in html and "stap_vo_pesten" not in html  # not even in an attribute
    for internal in ("leerling_vo", "stap_vo_pesten", "thema_vo", "nog_niet", "welkom", "gevaar", "rol"):
        assert not re.search(rf"\b{internal}\b", shown), internal
