"""A conversation page that (re)connects its socket is told when it lacks lines, on both databases.

Found by a browser test in CI: "Vraag toestemming" answers with the conversation page again, and a line the user
wrote while that page loaded reached no socket (the page had been rendered, its socket not yet subscribed), so the
agent never saw it without a reload. The page now says the last line it has (``after``, its ``data-last``) and the
server sends a ``refresh`` when there are more; the same covers lines written while the socket was away.
"""

from __future__ import annotations

import re

from aiohttp.test_utils import TestServer

from tests.console.conftest import Client
from tests.console.test_live import next_event, user_says
from tests.console.test_referrals import live_with_anna, server

__all__ = ["server"]  # a fixture


async def last_line(client: Client) -> int:
    """The ``data-last`` of the conversation page, as the agent's browser has it."""
    page = await (await client.get("/console/c/1")).text()
    found = re.search(r'id="transcript" data-last="(\d+)"', page)
    assert found is not None
    return int(found.group(1))


async def first_events(client: Client, after: int) -> list[str]:
    ws = await client.ws_connect(f"/console/ws?watch=1&after={after}")
    kinds = [(await ws.receive_json(timeout=5))["type"]]
    while True:  # what the socket sends at once, before anything happens
        try:
            kinds.append((await ws.receive_json(timeout=0.5))["type"])
        except TimeoutError:
            break
    await ws.close()
    return kinds


async def test_a_page_that_lacks_a_line_is_told_to_read_again(client: Client, server: TestServer) -> None:
    await live_with_anna(client, server)
    rendered = await last_line(client)
    assert "refresh" not in await first_events(client, rendered), "nothing new: nothing to read again"
    await user_says(server, "Ben je er nog?")  # written while the page loaded, or while its socket was away
    assert "refresh" in await first_events(client, rendered)
    assert "refresh" not in await first_events(client, await last_line(client))


async def test_a_page_that_does_not_say_what_it_has_gets_no_refresh(client: Client, server: TestServer) -> None:
    await live_with_anna(client, server)
    await user_says(server, "Hallo?")
    ws = await client.ws_connect("/console/ws?watch=1")
    assert (await next_event(ws, "queue"))["type"] == "queue"
    kinds = []
    while True:
        try:
            kinds.append((await ws.receive_json(timeout=0.5))["type"])
        except TimeoutError:
            break
    assert "refresh" not in kinds
    await ws.close()
