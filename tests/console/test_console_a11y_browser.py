"""The console is accessible to agents too (issue 14): axe-core finds no serious or critical problem on the login
page, the queue, a conversation, the supervisor view, the history and the admins' page, in a real Chromium, with
the things that once failed on screen: a crisis row, a live row, a queue entry without a message, the path
summary, every kind of transcript line, an unclaimed crisis in the supervisor view.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, expect

from bot.appkeys import HELPDESK
from tests.bot.channels.browser import ARTIFACTS, axe_violations, watch_errors
from tests.console.browser_steps import log_in, open_page
from tests.console.conftest import add_agent
from tests.console.test_live import user_says
from tests.fakes.helpdesk import FakeClock

DESK = {"viewport": {"width": 1280, "height": 900}, "locale": "nl-NL"}
PHONE_DESK = {"viewport": {"width": 360, "height": 740}, "locale": "nl-NL"}  # the top bar once ran off it here


@pytest.fixture
async def busy_desk(server: TestServer, clock: FakeClock) -> TestServer:
    """A working morning: Anna has a chat, a crisis and two more wait, one of them without a message."""
    anna = await add_agent(server, "anna")
    await add_agent(server, "beheer", role="admin")
    desk = server.app[HELPDESK]
    for chat_id in ("talks", "silent", "danger", "waits"):
        await user_says(server, "/start", chat_id)
        await user_says(server, "start", chat_id)
        await user_says(server, "nee", chat_id)
        await user_says(server, "ik ben leerling", chat_id)
        await user_says(server, "mens", chat_id)
        clock.advance(minutes=3)
    await user_says(server, "Ze lachen me uit in de klas.", "talks")
    await user_says(server, "ik wil niet meer leven", "danger")  # crisis words
    await user_says(server, "Hallo?", "waits")
    talks = next(item for item in await desk.handoffs.queue() if item.chat_id == "talks")
    assert await desk.claim(anna, talks.handoff_id)
    await desk.reply(anna, talks.handoff_id, "Hoi, ik ben Anna. Wat vervelend. Wie lachen je uit?")
    await desk.note(anna, talks.conversation_id, "Pesten in de klas.")
    await user_says(server, "Kinderen uit mijn klas.", "talks")
    clock.advance(minutes=2)
    return server


async def logged_in(browser: Browser, server: TestServer, name: str, screen: dict[str, Any] = DESK) -> Page:
    page = await open_page(browser, screen)
    await log_in(page, server, name)
    await expect(page.get_by_role("heading", name="Wachtrij")).to_be_visible()
    return page


async def checked(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"console-a11y-{name}.png"), full_page=True)
    assert await axe_violations(page) == [], name


async def test_the_login_page_has_no_serious_accessibility_problem(browser: Browser, busy_desk: TestServer) -> None:
    page = await open_page(browser, DESK)
    await page.goto(str(busy_desk.make_url("/console/login")))
    await expect(page.get_by_role("button", name="Inloggen")).to_be_visible()
    await checked(page, "login")
    await page.get_by_label("Naam").fill("anna")
    await page.get_by_label("Wachtwoord").fill("niet het wachtwoord")
    await page.get_by_role("button", name="Inloggen").click()
    await expect(page.get_by_text("Naam of wachtwoord klopt niet.")).to_be_visible()
    await checked(page, "login-error")


async def test_an_agents_pages_have_no_serious_accessibility_problem(browser: Browser, busy_desk: TestServer) -> None:
    page = await logged_in(browser, busy_desk, "anna")
    errors = watch_errors(page)
    rows = page.locator("#queue tr")
    await expect(rows).to_have_count(4)
    await expect(page.locator("#queue tr.crisis")).to_have_count(1)
    await expect(page.locator("#queue tr.live")).to_have_count(1)
    await expect(page.locator("#queue .badge.silent")).to_have_count(1)
    await checked(page, "queue")

    talks = next(item for item in await busy_desk.app[HELPDESK].handoffs.queue() if item.chat_id == "talks")
    await page.goto(str(busy_desk.make_url(f"/console/c/{talks.conversation_id}")))
    await expect(page.locator("#transcript")).to_contain_text("Kinderen uit mijn klas.")
    await expect(page.locator(".path-summary")).to_contain_text("Gesprekscode")
    await checked(page, "conversation")

    danger = next(item for item in await busy_desk.app[HELPDESK].handoffs.queue() if item.crisis)
    await page.goto(str(busy_desk.make_url(f"/console/c/{danger.conversation_id}")))  # waiting: to claim it
    await expect(page.get_by_role("button", name="Overnemen")).to_be_visible()
    await checked(page, "conversation-queued")

    await page.goto(str(busy_desk.make_url("/console/history")))
    await page.get_by_label("Code die de gebruiker noemt").fill("ZZ-ZZZ")
    await page.get_by_role("button", name="Open gesprek").click()
    await expect(page.get_by_role("alert")).to_contain_text("Er is geen gesprek met deze code")
    await checked(page, "history")
    assert [e for e in errors if "/console/" in e and "/console/history/code" not in e] == []  # that 404 is meant


@pytest.mark.parametrize("screen", [PHONE_DESK], ids=["360px"])
async def test_the_queue_and_a_conversation_on_a_narrow_screen(
    browser: Browser, busy_desk: TestServer, screen: dict[str, Any]
) -> None:
    page = await logged_in(browser, busy_desk, "anna", screen)
    await expect(page.locator("#queue tr")).to_have_count(4)
    await checked(page, "queue-360")
    talks = next(item for item in await busy_desk.app[HELPDESK].handoffs.queue() if item.chat_id == "talks")
    await page.goto(str(busy_desk.make_url(f"/console/c/{talks.conversation_id}")))
    await expect(page.locator("#transcript")).to_contain_text("Kinderen uit mijn klas.")
    await checked(page, "conversation-360")


async def test_the_supervisor_view_has_no_serious_accessibility_problem_and_updates_itself(
    browser: Browser, busy_desk: TestServer, clock: FakeClock
) -> None:
    page = await logged_in(browser, busy_desk, "beheer")
    errors = watch_errors(page)
    await page.get_by_role("link", name="Overzicht").click()
    await expect(page.get_by_role("heading", name="Overzicht", level=1)).to_be_visible()
    crisis = page.locator("#sv-crisis li")
    await expect(crisis).to_have_count(1)
    await expect(crisis).to_contain_text("Crisis")  # said in words, not only in red
    await expect(page.locator("#sv-waiting")).to_have_text("3")
    await checked(page, "supervisor")

    await user_says(busy_desk, "/start", "late")
    await user_says(busy_desk, "mens", "late")
    await user_says(busy_desk, "ik wil dood", "late")  # a second crisis: the view shows it without a reload
    await expect(crisis).to_have_count(2, timeout=15_000)
    await expect(page.locator("#sv-waiting")).to_have_text("4")
    await expect(page.locator("#sv-announce")).to_contain_text("2 crisisgesprekken")
    await checked(page, "supervisor-updated")

    await page.get_by_role("link", name="Medewerkers").click()
    await expect(page.get_by_role("heading", name="Medewerkers")).to_be_visible()
    await checked(page, "agents")
    assert [e for e in errors if "/console/" in e] == []
