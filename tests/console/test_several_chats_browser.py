"""An agent handling two chats at once with a new arrival announced, in a real browser (issue 14).

Two web-chat users ask for a person; the agent claims the first from the queue and the second with the keyboard
(Alt+N, Alt+C), keeps a draft in one chat while reading the other, sees the unread count and the user typing, is
told of a third user while inside a chat (title, list, live line), reads the shortcuts in the "?" dialog, sees the
second user leave with Snel weg (the reply box closed, the reason in words), ends the first chat and lands on the
next waiting one.
"""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, expect
from pytest_aiohttp import AiohttpServer

from bot.settings import Settings
from tests.bot.channels.browser import ARTIFACTS, axe_violations, watch_errors
from tests.console.browser_steps import asks_for_a_person, log_in, open_page

DESK = {"viewport": {"width": 1280, "height": 900}, "locale": "nl-NL", "permissions": ["notifications"]}
DRAFT = "Even kijken wat ik voor je kan doen"


async def weather(request: web.Request) -> web.Response:
    return web.Response(text="<!doctype html><title>Het weer</title><p>Morgen zon.</p>", content_type="text/html")


@pytest.fixture
async def settings(aiohttp_server: AiohttpServer, settings: Settings) -> Settings:
    """Room for three users, and Snel weg to a neutral page; the product (tests/console/conftest.py) uses these."""
    neutral = web.Application()
    neutral.router.add_get("/weer", weather)
    exit_url = str((await aiohttp_server(neutral)).make_url("/weer"))
    return settings.model_copy(
        update={"web_handoffs_per_hour": 100, "web_conversations_per_minute": 100, "quick_exit_url": exit_url}
    )


async def test_an_agent_handles_two_chats_at_once_and_is_told_of_a_new_one(
    browser: Browser, product: TestServer
) -> None:
    alerts: list[str] = []
    desk = await open_page(browser, DESK, alerts)
    errors = watch_errors(desk)
    await log_in(desk, product)
    await expect(desk.locator("#connection")).to_have_text("live")
    await desk.get_by_role("checkbox", name="Browsermelding").check()  # granted here; a real browser asks once
    await expect(desk.locator("#toast")).to_contain_text("Meldingen staan aan")
    await desk.get_by_role("checkbox", name="Geluid").check()  # a beep made in the page, no sound file

    first = await asks_for_a_person(browser, product, "Ik word gepest.")
    second = await asks_for_a_person(browser, product, "Ze schelden me uit.")
    rows = desk.locator("#queue tr")
    await expect(rows).to_have_count(2)
    await expect(desk).to_have_title("(2) Wachtrij · Wegwijzer")
    await rows.first.get_by_role("button", name="Overnemen").click()
    await desk.wait_for_url("**/console/c/1")
    mine = desk.get_by_role("navigation", name="Mijn gesprekken")
    await expect(mine.locator("#my-chats li")).to_have_count(1)
    await expect(mine.locator("#waiting-list li")).to_have_count(1)

    # the second one with the keyboard: Alt+N opens the next waiting chat, Alt+C claims it
    await desk.keyboard.press("Alt+N")
    await desk.wait_for_url("**/console/c/2")
    await expect(desk.locator("#transcript")).to_contain_text("Ze schelden me uit.")
    await desk.keyboard.press("Alt+C")
    await expect(desk.get_by_text("Jij praat met deze gebruiker.")).to_be_visible()
    await expect(second.get_by_role("log")).to_contain_text("Je praat nu met Anna van de chat-ondersteuning.")
    await expect(mine.locator("#my-chats li")).to_have_count(2)
    await desk.get_by_label("Antwoord", exact=True).fill(DRAFT)  # not sent: a draft

    # to the first chat: the draft of the second stays, and a new message there is counted, not shown
    await mine.get_by_role("link", name="Gesprek 1").click()
    await desk.wait_for_url("**/console/c/1")
    chat_two = mine.locator('#my-chats li[data-conversation="2"]')
    await expect(chat_two).to_contain_text("concept bewaard")
    await expect(chat_two.locator(".unread")).to_have_count(0)
    await second.get_by_role("textbox", name="Jouw bericht").fill("Ben je er nog?")
    await second.get_by_role("textbox", name="Jouw bericht").press("Enter")
    await expect(chat_two.locator(".unread")).to_have_text("1 nieuw")
    await expect(desk).to_have_title("(1) Gesprek 1 · Wegwijzer")
    await expect(desk.locator("#transcript")).not_to_contain_text("Ben je er nog?")
    await expect(mine).not_to_contain_text("Ben je er nog?")  # the list names the chat, never the words

    # the first user types: the open chat says so in words
    box = first.get_by_role("textbox", name="Jouw bericht")
    await box.fill("Het gebeurt elke dag")
    await expect(desk.locator("#user-state")).to_have_text("De gebruiker typt…")
    await box.press("Enter")
    await expect(desk.locator("#transcript")).to_contain_text("Het gebeurt elke dag")
    await expect(desk.locator("#user-state")).to_have_text("")

    # a third user arrives while the agent is inside a chat: the title, the list and the live line tell it
    third = await asks_for_a_person(browser, product, "Hallo?")
    await expect(desk).to_have_title("(2) Gesprek 1 · Wegwijzer")  # one waiting, one unread
    await expect(desk.locator("#announce")).to_have_text("Nieuw in de wachtrij: Nederlands · Web-chat.")
    await expect(mine.locator("#waiting-list li")).to_have_count(1)
    await expect(mine.locator("#waiting-list li")).to_contain_text("Nieuw")
    ARTIFACTS.mkdir(exist_ok=True)
    await desk.screenshot(path=str(ARTIFACTS / "console-several-chats.png"), full_page=True)
    assert await axe_violations(desk) == []

    # "?" lists the shortcuts in a dialog: focus inside, Tab stays there, Esc closes and focus comes back
    await desk.locator("#transcript").focus()
    await desk.keyboard.press("?")
    shortcuts = desk.get_by_role("dialog", name="Sneltoetsen")
    await expect(shortcuts).to_be_visible()
    await expect(shortcuts).to_contain_text("Volgende wachtende gesprek openen")
    await expect(shortcuts).to_contain_text("Kindertelefoon")  # the canned replies with their numbers
    await expect(shortcuts.get_by_role("button", name="Sluiten", exact=True)).to_be_focused()
    await desk.keyboard.press("Tab")
    assert await desk.evaluate("document.getElementById('shortcuts').contains(document.activeElement)")
    assert await axe_violations(desk) == []
    await desk.keyboard.press("Escape")
    await expect(shortcuts).to_be_hidden()
    await expect(desk.locator("#transcript")).to_be_focused()
    await desk.get_by_label("Antwoord", exact=True).fill("?")  # in a text field "?" is just a character
    await expect(shortcuts).to_be_hidden()
    await desk.get_by_label("Antwoord", exact=True).fill("")

    # back to the second chat: read now, the draft is there
    await mine.get_by_role("link", name="Gesprek 2").click()
    await desk.wait_for_url("**/console/c/2")
    await expect(desk.get_by_label("Antwoord", exact=True)).to_have_value(DRAFT)
    await expect(desk.locator("#transcript")).to_contain_text("Ben je er nog?")
    await expect(desk).to_have_title("(1) Gesprek 2 · Wegwijzer")  # only the one waiting
    await expect(chat_two.locator(".unread")).to_have_count(0)

    # the second user presses Snel weg: the console says so and stops the agent typing into nothing
    await second.get_by_role("button", name="Snel weg").click()
    await expect(desk.locator("#status")).to_contain_text("De gebruiker is weggegaan met Snel weg.")
    await expect(desk.get_by_label("Antwoord", exact=True)).to_be_disabled()
    await expect(desk.locator("#reply-closed")).to_contain_text("Je kunt niet meer antwoorden.")
    await expect(desk.locator("#transcript")).to_contain_text("weggegaan")
    await desk.screenshot(path=str(ARTIFACTS / "console-user-left.png"), full_page=True)
    assert await axe_violations(desk) == []

    # the first chat: a canned reply by keyboard (Alt+1 picks it, Enter sends), then Alt+E to the outcome; ending
    # it takes the agent to the next waiting chat at once
    await mine.get_by_role("link", name="Gesprek 1").click()
    await desk.wait_for_url("**/console/c/1")
    await desk.keyboard.press("Alt+1")
    await expect(desk.locator("#canned-preview")).to_contain_text("Hoi, fijn dat je er bent.")
    await expect(desk.get_by_role("button", name="Stuur standaardantwoord")).to_be_focused()
    await desk.keyboard.press("Enter")
    await expect(first.get_by_role("log")).to_contain_text("Hoi, fijn dat je er bent.")
    await desk.keyboard.press("Alt+E")
    await expect(desk.get_by_label("Uitkomst")).to_be_focused()
    await desk.get_by_label("Uitkomst").select_option("information")
    await desk.get_by_role("button", name="Afsluiten").click()
    await desk.wait_for_url("**/console/c/3")
    await expect(desk.locator("#toast")).to_have_text("Gesprek 1 afgesloten.")
    await expect(desk.locator("#transcript")).to_contain_text("Hallo?")
    await expect(desk.get_by_role("button", name="Overnemen")).to_be_visible()
    await expect(first.get_by_role("log")).to_contain_text("Anna heeft de chat gesloten.")
    await expect(third.get_by_role("log")).to_contain_text("Je staat in de wachtrij")

    assert alerts == []
    assert [e for e in errors if "/console/" in e] == []
