"""Call-back requests told live across two workers on one PostgreSQL database: a user's request made on worker A
reaches a console on worker B (the bus's relay, ``bot.live_relay``), with the count and the id only."""

from __future__ import annotations

from pytest_aiohttp import AiohttpClient

from bot.appkeys import HUB
from storage.models import utcnow
from tests.console import test_two_workers_live as workers
from tests.console.conftest import add_agent, logged_in
from tests.console.test_callbacks_console import DIGITS, E164, ask_for_a_call, told
from tests.fakes.helpdesk import FakeClock, Recorder

two_workers = workers.two_workers  # the fixture: two whole apps from the factory on one PostgreSQL database


async def test_a_request_made_on_one_worker_is_told_to_a_console_on_another(
    aiohttp_client: AiohttpClient, two_workers: workers.Servers, clock: FakeClock
) -> None:
    one, two = two_workers
    clock.now = utcnow()  # the requests are of today (retention runs on the real time)
    one.app[HUB].register("test", Recorder())
    await add_agent(one, "anna")
    await add_agent(two, "bram")
    anna, bram = await aiohttp_client(one), await aiohttp_client(two)
    csrf = await logged_in(anna, "anna")
    await logged_in(bram, "bram")
    console = await bram.ws_connect("/console/ws")  # on worker B
    assert (await told(console))[0] == {"type": "callbacks", "waiting": 0}

    await ask_for_a_call(one, "u1", part="Maakt niet uit")  # on worker A
    event, frame = await told(console)
    assert event == {"type": "callbacks", "waiting": 1, "new": 1}
    assert not any(d in frame for d in (*DIGITS, E164)), frame
    claimed = await anna.post("/console/callbacks/1/claim", data={"csrf": csrf}, allow_redirects=False)
    assert claimed.status == 303  # on worker A
    assert (await told(console))[0] == {"type": "callbacks", "waiting": 0}
    await console.close()
