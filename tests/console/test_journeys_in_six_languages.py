"""A parent does the whole journey in each language: the offer, the tree, an outcome, a person, a canned reply.

Telegram (python-telegram-bot against the fake Bot API) and the web chat (its socket), on the product's own
tree and the real catalogs. Every text the parent reads is compared with the catalog's translation, and for
languages other than Dutch it must not be the Dutch.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient, AiohttpServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.appkeys import DIALOG, I18N
from bot.channels.web import WEB_CHANNEL
from bot.console.canned import load_canned
from bot.dialogs.dialog import Dialog
from bot.helpdesk import texts
from bot.i18n import I18n, language_name
from bot.messages import Action
from bot.screens import action, option_key
from bot.settings import Settings, load_settings
from tests.console.conftest import add_agent, logged_in, post
from tests.console.test_live import next_event
from tests.console.test_relay_channels import web_receive
from tests.fakes.telegram_harness import TelegramHarness

LOCALES = load_settings({}).locales
PATH = {"welkom": "start", "gevaar": "nee", "rol": "ouder"}


def route(dialog: Dialog) -> list[tuple[str, str]]:
    """(node, option) from the welcome to an outcome for a parent: the first calm option that goes on."""
    steps, state = [], dialog.start
    while dialog.node(state).type == "question":
        node = dialog.node(state)
        fitting = [o for o in node.options if dialog.node(o.next).type != "handoff" and not dialog.node(o.next).urgent]
        option = next((o for o in node.options if o.id == PATH.get(state)), fitting[0])
        steps.append((state, option.id))
        state = option.next
    assert dialog.node(state).type == "outcome"
    return steps + [(state, "")]


def words(i18n: I18n, code: str, dialog: Dialog) -> dict[str, Any]:
    """What the parent should read in ``code``: labels, the outcome, the queue, the person, a canned reply."""
    steps = route(dialog)
    with i18n.use(code):
        return {
            "labels": [next(o.label for o in dialog.node(n).options if o.id == o_id) for n, o_id in steps[:-1]],
            "outcome": dialog.node(steps[-1][0]).text,
            "human": action(Action.HUMAN).label,
            "queued": texts.queued(1, None, crisis=False)[0].text.splitlines()[0],
            "joined": texts.agent_joined("Anna").text,
            "canned": load_canned()["welkom"].translated(),
        }


def not_dutch(code: str, i18n: I18n, dialog: Dialog, read: dict[str, Any]) -> None:
    if code == "nl":
        return
    dutch = words(i18n, "nl", dialog)
    for key in ("outcome", "human", "queued", "joined", "canned"):
        assert read[key] != dutch[key], f"{code}: '{key}' is still Dutch"


@pytest.mark.parametrize("code", LOCALES)
async def test_a_parent_does_the_whole_journey_in_telegram(
    product_telegram: TelegramHarness, aiohttp_client: AiohttpClient, code: str
) -> None:
    telegram = product_telegram
    server = telegram.client.server
    i18n, dialog = server.app[I18N], server.app[DIALOG]
    expected = words(i18n, code, dialog)
    not_dutch(code, i18n, dialog, expected)
    await add_agent(server, "anna")  # type: ignore[arg-type]
    console = await aiohttp_client(server)
    csrf = await logged_in(console, "anna")
    chat = 7100 + LOCALES.index(code)
    telegram.updates.language_code = code
    first = await telegram.say(chat, "/start")
    if code != "nl":
        assert f"\n\nWil je verder in het {language_name(code)}?" in first[-1]["text"]  # one message per reply
        await telegram.tap(chat, language_name(code))
    for label in expected["labels"]:
        answer = await telegram.tap(chat, label)
    assert answer[0]["text"].startswith(expected["outcome"] + "\n\n")
    queued = await telegram.tap(chat, expected["human"])
    assert queued[0]["text"].startswith(expected["queued"])
    ws = await console.ws_connect("/console/ws")
    item = (await next_event(ws, "queue"))["items"][0]
    assert item["locale"] == code
    assert (await post(console, f"/console/h/{item['handoff']}/claim", csrf)).status == 200
    await telegram.settle()
    assert telegram.api.texts(chat)[-1] == expected["joined"]
    assert (await post(console, f"/console/h/{item['handoff']}/canned", csrf, canned="welkom")).status == 200
    await telegram.settle()
    assert telegram.api.texts(chat)[-1].endswith(expected["canned"])
    await ws.close()


@pytest.mark.parametrize("code", LOCALES)
async def test_a_parent_does_the_whole_journey_in_the_web_chat(
    aiohttp_server: AiohttpServer,
    aiohttp_client: AiohttpClient,
    settings: Settings,
    real_dialog: Dialog,
    sqlite_database: AsyncEngine,
    code: str,
) -> None:
    server: TestServer = await aiohttp_server(create_app(settings, dialog=real_dialog))
    seconds = itertools.count(0.0, 2.0)  # a parent who takes two seconds a step: within the frame rate limit
    server.app[WEB_CHANNEL].clock = lambda: next(seconds)
    i18n = server.app[I18N]
    expected = words(i18n, code, real_dialog)
    await add_agent(server, "anna")
    console = await aiohttp_client(server)
    csrf = await logged_in(console, "anna")
    user = await aiohttp_client(server, headers={"Accept-Language": f"{code},nl;q=0.5"})
    assert (await user.get("/")).status == 200
    async with user.ws_connect("/chat/ws") as chat:
        history = await web_receive(chat, "history")
        if code != "nl":
            offer = history["messages"][-1]
            assert [o["key"] for o in offer["options"]] == [f"lang:{code}", "lang:nl"]
            await chat.send_json({"type": "choice", "id": "lang", "key": f"lang:{code}"})
            switched = await web_receive(chat, "messages")
            assert switched["lang"] == code and switched["ui"]["send"] != "Verstuur"  # the page's texts come along
            assert switched["dir"] == ("rtl" if code == "ar" else "ltr")
        for i, (node_id, option_id) in enumerate(route(real_dialog)[:-1]):
            await chat.send_json({"type": "choice", "id": f"s{i}", "key": option_key(node_id, option_id)})
            answer = await web_receive(chat, "messages")
        assert answer["messages"][0]["text"] == expected["outcome"]
        await chat.send_json({"type": "choice", "id": "h", "key": "cmd:mens"})
        queued = await web_receive(chat, "messages")
        assert queued["messages"][0]["text"].startswith(expected["queued"])
        ws = await console.ws_connect("/console/ws")
        item = (await next_event(ws, "queue"))["items"][0]
        assert (await post(console, f"/console/h/{item['handoff']}/claim", csrf)).status == 200
        assert (await web_receive(chat, "messages"))["messages"][0]["text"] == expected["joined"]
        assert (await post(console, f"/console/h/{item['handoff']}/canned", csrf, canned="welkom")).status == 200
        canned = (await web_receive(chat, "messages"))["messages"][0]
        assert canned["text"].endswith(expected["canned"])
        await ws.close()
