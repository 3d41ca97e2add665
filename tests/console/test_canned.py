"""Canned replies go through the catalogs: with a language's catalog, the agent's click sends that language."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestServer
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from bot.appkeys import HELPDESK, STORE
from bot.console.canned import load_canned
from bot.i18n import I18n
from bot.messages import IncomingMessage
from tests.console.conftest import Client, add_agent, bot_engine, logged_in, post
from tests.fakes.helpdesk import Recorder

WELKOM = "Hoi, fijn dat je er bent. Ik lees mee. Vertel maar wat er is."
WELCOME = "Hi, good that you are here. I am reading along. Tell me what is going on."


def english(directory: Path) -> I18n:
    """Dutch plus a small English catalog compiled into ``directory`` (as ``make locales`` would)."""
    catalog = Catalog(locale="en")
    catalog.add(WELKOM, WELCOME, context="canned welkom: text")
    catalog.add("Je praat nu met {name} van de chat-ondersteuning.", "You are now talking to {name} of our support.")
    target = directory / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)
    return I18n(("nl", "en"), directory)


def test_canned_replies_are_data_with_unique_ids() -> None:
    canned = load_canned()
    assert canned["welkom"].text == WELKOM
    assert {"welkom", "kindertelefoon", "veilig_thuis", "zelfmoord", "afsluiten"} <= set(canned)


async def test_a_canned_reply_goes_out_in_the_users_language(
    client: Client, server: TestServer, recorder: Recorder, tmp_path: Path
) -> None:
    server.app[HELPDESK].i18n = english(tmp_path)
    await add_agent(server, "anna")
    csrf = await logged_in(client, "anna")
    await bot_engine(server).handle(IncomingMessage("test", "c1", text="/mens"))
    store = server.app[STORE]
    conversation = await store.load("test", "c1")
    assert conversation is not None
    conversation.locale = "en"  # as if the user had picked English (once that catalog lands)
    await store.save(conversation)
    assert (await post(client, "/console/h/1/claim", csrf)).status == 200
    assert recorder.texts()[-1] == "You are now talking to Anna of our support."
    assert (await post(client, "/console/h/1/canned", csrf, canned="welkom")).status == 200
    assert recorder.texts()[-1] == WELCOME
    assert (await post(client, "/console/h/1/canned", csrf, canned="kindertelefoon")).status == 200
    assert recorder.texts()[-1].startswith("Ben je tussen 8 en 18 jaar?")  # not translated yet: Dutch, not empty
    entries = await store.transcript(conversation.id or 0)
    assert [e.text for e in entries if e.sender == "agent"][0] == WELCOME
