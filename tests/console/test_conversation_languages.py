"""A Ukrainian user's conversation in the console: the language in queue and view, each bot line with its Dutch
beside it, canned replies in Ukrainian with the Dutch beside them, ``dir="auto"`` on every message."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient, AiohttpServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.appkeys import STORE
from bot.console.keys import AGENTS
from bot.dialogs.dialog import Dialog
from bot.messages import IncomingMessage
from bot.settings import Settings
from tests.console.catalogs import (
    JOINED_NL,
    JOINED_UK,
    QUEUED_NL,
    QUEUED_UK,
    WELCOME_NL,
    WELCOME_UK,
    WELKOM_CANNED_NL,
    WELKOM_CANNED_UK,
    ukrainian,
)
from tests.console.conftest import Client, add_agent, bot_engine, logged_in, post, serve
from tests.console.test_live import next_event
from tests.fakes.helpdesk import FakeClock, Recorder


@pytest.fixture
async def polyglot(
    aiohttp_server: AiohttpServer,
    settings: Settings,
    dialog: Dialog,
    sqlite_database: AsyncEngine,
    clock: FakeClock,
    recorder: Recorder,
    tmp_path: Path,
) -> TestServer:
    """The product with Dutch and a small Ukrainian catalog (the real catalogs are being translated)."""
    return await serve(
        aiohttp_server, settings.model_copy(update={"locales": ("nl",)}), dialog, clock, recorder, ukrainian(tmp_path)
    )


@pytest.fixture
async def desk(aiohttp_client: AiohttpClient, polyglot: TestServer) -> Client:
    """An agent's browser on the polyglot product."""
    return await aiohttp_client(polyglot)


async def ukrainian_user_asks_for_a_person(server: TestServer, chat_id: str = "c1") -> list[str]:
    """What the user read after asking."""
    engine = bot_engine(server)
    await engine.handle(IncomingMessage("test", chat_id, text="/start", locale_hint="uk-UA"))
    await engine.handle(IncomingMessage("test", chat_id, choice="lang:uk"))
    reply = await engine.handle(IncomingMessage("test", chat_id, text="/mens"))
    return [m.text for m in reply.messages]


def paragraphs(page: str) -> list[str]:
    """The text of every message paragraph, unescaped, in page order."""
    return [html.unescape(re.sub(r"<[^>]+>", "", p)) for p in re.findall(r"<p dir=\"auto\">(.*?)</p>", page, re.S)]


def dutch_beside(page: str) -> list[str]:
    found = re.findall(r'<p class="dutch" lang="nl" dir="ltr">(.*?)</p>', page, re.S)
    return [html.unescape(re.sub(r"<span[^>]*>.*?</span>", "", p)) for p in found]


async def test_each_bot_line_shows_the_dutch_it_was_made_from(
    desk: Client, polyglot: TestServer, recorder: Recorder
) -> None:
    await add_agent(polyglot, "anna")
    csrf = await logged_in(desk, "anna")
    assert (await ukrainian_user_asks_for_a_person(polyglot))[0].startswith(QUEUED_UK)  # the user reads Ukrainian
    assert (await post(desk, "/console/h/1/claim", csrf)).status == 200
    assert recorder.texts()[-1] == JOINED_UK.format(name="Anna")

    page = await (await desk.get("/console/c/1")).text()
    assert 'lang="uk">Українська</span>' in page
    shown, dutch = paragraphs(page), dutch_beside(page)
    for line_uk, line_nl in zip(WELCOME_UK.split("\n"), WELCOME_NL.split("\n"), strict=True):
        assert line_uk in shown and line_nl in dutch  # a multi-line text, line by line
    assert QUEUED_UK in shown and QUEUED_NL in dutch
    assert "Ти перший у черзі." in shown and "Je bent de volgende." in dutch
    assert JOINED_UK.format(name="Anna") in shown
    assert JOINED_NL.format(name="Anna") in dutch  # the helpdesk kept its Dutch when it said it
    assert not [p for p in dutch if "—" in p]
    assert page.count('<p dir="auto">') == len(shown)  # every message finds its own direction
    assert "Vertaal" not in page and "Verstuur met vertaling" not in page  # translation_url is empty


async def test_a_canned_reply_goes_out_in_ukrainian_with_the_dutch_beside_it(
    desk: Client, polyglot: TestServer, recorder: Recorder
) -> None:
    await add_agent(polyglot, "anna")
    csrf = await logged_in(desk, "anna")
    await ukrainian_user_asks_for_a_person(polyglot)
    await post(desk, "/console/h/1/claim", csrf)
    page = await (await desk.get("/console/c/1")).text()
    option = re.search(r'<option value="welkom" data-shown="([^"]*)" data-dutch="([^"]*)">Welkom</option>', page)
    assert option is not None
    assert (html.unescape(option.group(1)), html.unescape(option.group(2))) == (WELKOM_CANNED_UK, WELKOM_CANNED_NL)

    watching = await desk.ws_connect("/console/ws?watch=1")
    assert (await post(desk, "/console/h/1/canned", csrf, canned="welkom")).status == 200
    event = await next_event(watching, "message", sender="agent")
    assert (event["text"], event["original"]) == (WELKOM_CANNED_UK, WELKOM_CANNED_NL)
    await watching.close()
    assert recorder.texts()[-1] == WELKOM_CANNED_UK
    entries = await polyglot.app[STORE].transcript(1)
    assert [(e.text, e.original) for e in entries if e.sender == "agent"] == [(WELKOM_CANNED_UK, WELKOM_CANNED_NL)]
    page = await (await desk.get("/console/c/1")).text()
    assert WELKOM_CANNED_NL in dutch_beside(page)


async def test_the_queue_shows_the_language_and_whether_the_agent_speaks_it(
    desk: Client, polyglot: TestServer, aiohttp_client: AiohttpClient
) -> None:
    olena = await add_agent(polyglot, "olena")
    assert olena.id is not None
    await polyglot.app[AGENTS].set_languages(olena.id, ["nl", "uk"])
    await add_agent(polyglot, "anna")
    await logged_in(desk, "olena")
    await ukrainian_user_asks_for_a_person(polyglot)
    page = await (await desk.get("/console/")).text()
    assert '<span lang="uk">Українська</span> <span class="badge yours">jouw taal</span>' in page
    assert "Jouw talen: <b>Nederlands, Українська</b>" in page
    other = await aiohttp_client(polyglot)
    await logged_in(other, "anna")
    page = await (await other.get("/console/")).text()
    assert '<span lang="uk">Українська</span>' in page and "badge yours" not in page
    conversation = await (await other.get("/console/c/1")).text()
    assert "· jouw taal" not in conversation
