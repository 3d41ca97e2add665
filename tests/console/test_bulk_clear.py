"""Queue flooding, as an attacker and an agent would meet it, over a real server and real sockets.

A script opens web-chat sockets that each ask for a person and never write: the console labels those entries
"Nog geen bericht sinds de vraag" (on the page and over the socket). An agent clears them with one confirmed,
CSRF-checked POST; a real child who wrote is never touched, an entry a colleague claimed meanwhile is skipped,
the flooders still connected get a calm message, and every cleared entry is audited and counted.
"""

from __future__ import annotations

import re
from contextlib import AsyncExitStack
from datetime import date
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient, AiohttpServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.appkeys import HELPDESK
from bot.console.bulk_clear import MAX_CLEAR
from bot.console.keys import AGENTS
from bot.dialogs.dialog import Dialog
from bot.settings import Settings
from storage.monitoring import sums
from tests.console.conftest import Client, add_agent, logged_in, post, serve
from tests.console.test_live import next_event, user_says
from tests.console.test_relay_channels import web_receive, web_texts
from tests.fakes.helpdesk import FakeClock, Recorder

LABEL = "Nog geen bericht sinds de vraag"
FLOOD = 6
CALM = "Je staat niet meer in de wachtrij voor de chat-ondersteuning."


@pytest.fixture
async def flooded(
    aiohttp_server: AiohttpServer,
    settings: Settings,
    dialog: Dialog,
    sqlite_database: AsyncEngine,
    clock: FakeClock,
    recorder: Recorder,
) -> TestServer:
    """The product with room for a flood from one address (as a botnet's many addresses would have)."""
    roomy = settings.model_copy(update={"web_handoffs_per_hour": 100, "web_conversations_per_minute": 100})
    server = await serve(aiohttp_server, roomy, dialog, clock, recorder)
    await add_agent(server, "anna")
    await add_agent(server, "bram")
    return server


async def ask_for_a_person(stack: AsyncExitStack, user: Client, n: int) -> ClientWebSocketResponse:
    """A web-chat socket without a cookie (a new conversation) that asks for a person and stays open."""
    chat = await stack.enter_async_context(user.ws_connect("/chat/ws"))
    await web_receive(chat, "history")
    await chat.send_json({"type": "choice", "id": f"m{n}", "key": "cmd:mens"})
    assert any("Je staat in de wachtrij" in t for t in web_texts(await web_receive(chat, "messages")))
    return chat


async def status(server: TestServer, handoff_id: int) -> str:
    """A hand-off's status, with its outcome once it ended."""
    handoff = await server.app[HELPDESK].handoffs.get(handoff_id)
    assert handoff is not None
    return handoff.status if handoff.outcome is None else f"{handoff.status} {handoff.outcome}"


async def queue_rows(ws: Any, count: int) -> list[dict[str, Any]]:
    """The console socket's queue once it holds ``count`` entries."""
    while True:
        items: list[dict[str, Any]] = (await next_event(ws, "queue"))["items"]
        if len(items) == count:
            return items


async def test_a_flood_is_labelled_and_cleared_in_bulk_but_a_child_who_wrote_is_not_touched(
    flooded: TestServer, aiohttp_client: AiohttpClient
) -> None:
    anna, bram = await aiohttp_client(flooded), await aiohttp_client(flooded)
    anna_csrf, bram_csrf = await logged_in(anna, "anna"), await logged_in(bram, "bram")
    console = await anna.ws_connect("/console/ws")
    attacker, child = await aiohttp_client(flooded), await aiohttp_client(flooded)
    async with AsyncExitStack() as stack:
        bots = [await ask_for_a_person(stack, attacker, n) for n in range(FLOOD)]
        kid = await ask_for_a_person(stack, child, 99)
        await kid.send_json({"type": "text", "id": "k1", "text": "Ik durf het niet te zeggen op school."})
        kept = web_texts(await web_receive(kid, "messages"))
        assert kept == ["Ik heb je bericht bewaard. Een mens leest het straks."]

        # the agent sees which entries have had no word since the request: over the socket and on the page
        items = await queue_rows(console, FLOOD + 1)
        while next(i for i in items if i["conversation"] == FLOOD + 1)["messages"] != 1:
            items = await queue_rows(console, FLOOD + 1)
        silent = [i["handoff"] for i in items if i["no_message"]]
        real = next(i for i in items if not i["no_message"])
        assert len(silent) == FLOOD and real["messages"] == 1 and real["conversation"] == FLOOD + 1
        page = await (await anna.get("/console/")).text()
        assert page.count(LABEL) == FLOOD
        assert len(re.findall(r'<input type="checkbox" class="pick"', page)) == FLOOD  # only those can be picked

        # a colleague claims one of them meanwhile
        claimed = silent[0]
        assert (await post(bram, f"/console/h/{claimed}/claim", bram_csrf)).status == 200

        # without the CSRF token, or from another client: refused, nothing ends
        chosen = [*silent, real["handoff"]]
        assert (await post(anna, "/console/queue/clear", None, handoffs=chosen, confirm=True)).status == 403
        assert (await post(attacker, "/console/queue/clear", anna_csrf, handoffs=chosen, confirm=True)).status in (
            401,
            403,
        )
        assert (await post(anna, "/console/queue/clear", anna_csrf, handoffs=chosen)).status == 400  # not confirmed
        desk = flooded.app[HELPDESK]
        assert [await status(flooded, h) for h in chosen] == ["live"] + ["queued"] * FLOOD

        # the agent picks every entry (also the child's, by mistake) and confirms: one POST
        answer = await post(anna, "/console/queue/clear", anna_csrf, handoffs=chosen, confirm=True)
        assert answer.status == 200, await answer.text()
        result = await answer.json()
        assert sorted(result["cleared"]) == sorted(silent[1:])
        assert {s["handoff"]: s["reason"] for s in result["skipped"]} == {claimed: "live", real["handoff"]: "message"}
        said = f"{FLOOD - 1} gesprekken uit de wachtrij gehaald. 2 gesprekken overgeslagen"
        assert result["message"].startswith(said)

        # the child waits on, untouched; the claimed chat stays with the colleague
        assert await status(flooded, real["handoff"]) == "queued"
        assert await status(flooded, claimed) == "live"
        assert [await status(flooded, h) for h in silent[1:]] == ["ended niet_echt"] * (FLOOD - 1)

        # the flooders still connected are told calmly that they can ask again; the child hears nothing
        for chat in bots[1:]:
            told = web_texts(await web_receive(chat, "messages"))
            assert told[0].startswith(CALM) and "Vraag het dan gerust opnieuw." in told[0]
        await kid.send_json({"type": "text", "id": "k2", "text": "Is er al iemand?"})
        assert web_texts(await web_receive(kid, "messages")) == []  # still waiting: the bot stays silent

        # the console's queue now holds the child and the claimed chat only
        after = await queue_rows(console, 2)
        assert {i["handoff"] for i in after} == {real["handoff"], claimed}
        assert not any(i["no_message"] for i in after)

    # one audit row per cleared entry (ids only), one anonymous count per outcome
    rows = await flooded.app[AGENTS].audit_search(action="clear_not_real")
    conversations = {i["handoff"]: i["conversation"] for i in items}
    assert sorted(row.conversation_id for row, name in rows if name == "anna") == sorted(
        conversations[h] for h in silent[1:]
    )
    outcomes = await sums(desk.handoffs.engine, date.min, date.max, "handoff_outcome", ("node",))
    assert outcomes[("niet_echt",)] == FLOOD - 1

    # clearing the same ids again ends nothing
    again = await (await post(anna, "/console/queue/clear", anna_csrf, handoffs=silent[1:], confirm=True)).json()
    assert again["cleared"] == [] and {s["reason"] for s in again["skipped"]} == {"gone"}
    await console.close()


@pytest.mark.parametrize(
    "handoffs",
    [
        [],
        "1,2",
        {"1": True},
        ["x"],
        [0],
        [-3],
        [2**31],
        ["²"],
        ["1" * 30],
        [True],
        [1.5],
        [None],
        [[1]],
        list(range(1, MAX_CLEAR + 2)),
    ],
)
async def test_bad_ids_are_a_clear_400(client: Client, server: TestServer, handoffs: Any) -> None:
    await add_agent(server, "anna")
    csrf = await logged_in(client, "anna")
    await user_says(server, "/mens")
    response = await post(client, "/console/queue/clear", csrf, handoffs=handoffs, confirm=True)
    assert response.status == 400
    assert (await response.json())["ok"] is False
    handoff = await server.app[HELPDESK].handoffs.get(1)
    assert handoff is not None and handoff.status == "queued"


async def test_at_most_the_limit_of_ids_is_accepted(client: Client, server: TestServer) -> None:
    await add_agent(server, "anna")
    csrf = await logged_in(client, "anna")
    await user_says(server, "/mens")
    ids = [1, *range(1000, 1000 + MAX_CLEAR - 1)]  # unknown ids are skipped as gone, not an error
    response = await post(client, "/console/queue/clear", csrf, handoffs=ids, confirm=True)
    assert response.status == 200
    assert (await response.json())["cleared"] == [1]


async def test_a_chat_that_was_with_an_agent_and_came_back_is_not_labelled_nor_cleared(
    client: Client, server: TestServer
) -> None:
    """Messages in a live chat are not counted as waiting ones: back in the queue it must not look fake."""
    await add_agent(server, "anna")
    csrf = await logged_in(client, "anna")
    await user_says(server, "/mens")
    assert (await post(client, "/console/h/1/claim", csrf)).status == 200
    await user_says(server, "Ik word gepest, al weken.")
    assert (await post(client, "/console/h/1/transfer", csrf, to="queue")).status == 200
    page = await (await client.get("/console/")).text()
    assert LABEL not in page and '<input type="checkbox" class="pick"' not in page
    response = await post(client, "/console/queue/clear", csrf, handoffs=[1], confirm=True)
    assert (await response.json())["skipped"] == [{"handoff": 1, "reason": "message"}]
    handoff = await server.app[HELPDESK].handoffs.get(1)
    assert handoff is not None and handoff.status == "queued"


async def test_a_crisis_entry_cleared_gets_the_emergency_numbers(
    client: Client, server: TestServer, recorder: Recorder
) -> None:
    await add_agent(server, "anna")
    csrf = await logged_in(client, "anna")
    await user_says(server, "/mens")
    await server.app[HELPDESK].handoffs.mark_crisis(1)  # as a request from a path of danger is marked
    page = await (await client.get("/console/")).text()
    assert LABEL in page and 'data-crisis="1"' in page
    response = await post(client, "/console/queue/clear", csrf, handoffs=[1], confirm=True)
    assert (await response.json())["cleared"] == [1]
    told = recorder.texts("c1")
    assert told[-2].startswith(CALM) and "112" in told[-1]
