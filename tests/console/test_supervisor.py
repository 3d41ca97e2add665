"""The supervisor view for admins (bot/console/supervisor.py): who is online, who handles what, the queue and
unclaimed crisis chats, as a page and as the JSON its script asks for; agents get 403."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient

from bot.appkeys import HELPDESK
from bot.console.supervisor import duration, overview
from storage.handoffs import QueueItem
from storage.models import Agent
from tests.console.conftest import add_agent, logged_in, post
from tests.console.test_live import user_says

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SECRET = "Niemand mag dit weten"


def item(handoff: int, status: str, *, agent: int | None = None, minutes: int = 1, crisis: bool = False) -> QueueItem:
    return QueueItem(
        handoff_id=handoff,
        conversation_id=100 + handoff,
        status=status,
        channel="web",
        chat_id=f"chat-{handoff}",
        locale="tr",
        state="s",
        facts={},
        history=[],
        crisis=crisis,
        witte_vlek=False,
        after_hours=False,
        waiting_messages=0,
        requested_at=NOW - timedelta(minutes=minutes),
        agent_id=agent,
        agent_name=None,
        claimed_at=NOW - timedelta(minutes=minutes - 1) if agent else None,
    )


def person(agent_id: int, name: str, *, active: bool = True) -> Agent:
    return Agent(id=agent_id, name=name.lower(), display_name=name, password_hash="x", active=active)


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "minder dan 1 min"), (59, "minder dan 1 min"), (420, "7 min"), (3900, "1 u 05 min")]
)
def test_durations_read_as_people_say_them(seconds: int, text: str) -> None:
    assert duration(seconds) == text


def test_the_overview_counts_the_queue_the_crisis_and_each_agents_chats() -> None:
    items = [
        item(1, "queued", minutes=12, crisis=True),
        item(2, "queued", minutes=30),
        item(3, "live", agent=1, minutes=20),
        item(4, "live", agent=1, minutes=5, crisis=True),
        item(5, "live", agent=3, minutes=50),  # the agent's console is gone: their chat is about to return
    ]
    agents = [person(1, "Anna"), person(2, "Bram"), person(3, "Cas"), person(4, "Dirk", active=False)]
    data = overview(items, agents, {1: NOW - timedelta(minutes=2), 2: NOW}, NOW)
    assert (data["waiting"], data["oldest_wait_seconds"], data["oldest_wait_text"]) == (2, 1800, "30 min")
    assert (data["live"], data["online"], data["messages_left"]) == (3, 2, 0)
    assert [(c["conversation"], c["time_text"]) for c in data["unclaimed_crisis"]] == [(101, "12 min")]
    people = {p["name"]: p for p in data["agents"]}
    assert [p["name"] for p in data["agents"]] == ["Anna", "Bram", "Cas"]  # online first, busiest first; Dirk left
    assert (people["Anna"]["load"], people["Anna"]["crisis_chats"], people["Anna"]["online"]) == (2, 1, True)
    assert people["Anna"]["last_seen_text"] == "2 min geleden" and people["Anna"]["languages"] == "Nederlands"
    assert [c["conversation"] for c in people["Anna"]["chats"]] == [103, 104]
    assert people["Bram"]["load"] == 0 and not people["Bram"]["away_with_chats"]
    assert people["Cas"]["away_with_chats"] and not people["Cas"]["online"]
    empty = overview([], [], {}, NOW)
    assert empty["oldest_wait_seconds"] is None and empty["oldest_wait_text"] == "niemand wacht"


async def test_admins_see_who_handles_what_and_agents_get_403(desk: TestServer, aiohttp_client: AiohttpClient) -> None:
    await add_agent(desk, "beheer", role="admin")
    await add_agent(desk, "anna")
    await add_agent(desk, "bram")  # never logs in
    admin, anna = await aiohttp_client(desk), await aiohttp_client(desk)
    await logged_in(admin, "beheer")
    anna_csrf = await logged_in(anna, "anna")
    assert (await anna.get("/console/supervisor")).status == 403
    assert (await anna.get("/console/supervisor.json")).status == 403

    await user_says(desk, "/start", "calm")
    await user_says(desk, "mens", "calm")
    await user_says(desk, SECRET, "calm")
    desk.app[HELPDESK].clock.advance(minutes=4)  # type: ignore[attr-defined]
    await user_says(desk, "/start", "danger")
    await user_says(desk, "mens", "danger")
    await user_says(desk, "ik wil niet meer leven", "danger")  # crisis words: a crisis nobody has claimed
    desk.app[HELPDESK].clock.advance(minutes=3)  # type: ignore[attr-defined]

    response = await admin.get("/console/supervisor.json")
    assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    data = await response.json()
    assert SECRET not in await response.text() and "calm" not in await response.text()  # no text, no chat id
    assert (data["waiting"], data["oldest_wait_text"], data["live"]) == (2, "7 min", 0)
    [crisis] = data["unclaimed_crisis"]
    assert crisis["time_text"] == "3 min"
    people = {p["name"]: p for p in data["agents"]}
    assert people["Anna"]["online"] and people["Beheer"]["online"] and not people["Bram"]["online"]

    calm = next(i for i in await desk.app[HELPDESK].handoffs.queue() if not i.crisis)
    assert (await post(anna, f"/console/h/{calm.handoff_id}/claim", anna_csrf)).status == 200
    data = await (await admin.get("/console/supervisor.json")).json()
    people = {p["name"]: p for p in data["agents"]}
    assert people["Anna"]["load"] == 1 and people["Anna"]["chats"][0]["conversation"] == calm.conversation_id
    assert data["waiting"] == 1 and len(data["unclaimed_crisis"]) == 1

    page = await admin.get("/console/supervisor")
    html = await page.text()
    assert page.status == 200 and "/console/static/supervisor.js" in html
    assert "Crisis zonder medewerker" in html and 'class="sv-crisis-tag"' in html  # a word, not colour alone
    assert f'href="/console/c/{calm.conversation_id}"' in html and SECRET not in html


async def test_polling_is_no_activity_of_its_own(desk: TestServer, aiohttp_client: AiohttpClient) -> None:
    """A supervisor view left alone must log out like any page: the script stops asking when nobody uses it."""
    await add_agent(desk, "beheer", role="admin")
    admin = await aiohttp_client(desk)
    await logged_in(admin, "beheer")
    html = await (await admin.get("/console/supervisor")).text()
    assert 'data-idle-minutes="30"' in html and 'data-poll-seconds="5"' in html
    desk.app[HELPDESK].clock.advance(minutes=31)  # type: ignore[attr-defined]
    assert (await admin.get("/console/supervisor.json", allow_redirects=False)).status == 303  # to the login
