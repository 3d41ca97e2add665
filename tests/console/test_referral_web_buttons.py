"""A web-chat user answers a warm referral when it suits them: after writing more, after a reload, after the chat.

Found in the audit of issue 14: the page showed only its last screen's buttons, so one more line, a reload or
the agent closing the chat took away "Ja, stuur het door" and "Trek de doorverwijzing in" (the user could no
longer say yes, and no longer withdraw what was sent). Real Chromium against the real app.
"""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select

from bot.appkeys import STORE
from bot.console.auth import hash_password
from storage.partners import PartnerStore
from storage.referrals import REFERRALS
from tests.console.browser_steps import asks_for_a_person, log_in, open_page
from tests.console.conftest import PASSWORD

DESK = {"viewport": {"width": 1280, "height": 900}, "locale": "nl-NL"}
NOTE = "Je wordt gepest in de klas. Je wilt met iemand praten over wat je kunt doen."


@pytest.fixture
async def product(product: TestServer) -> TestServer:
    await PartnerStore(product.app[STORE].engine).add("kt", "Kim", hash_password(PASSWORD), "kindertelefoon")
    return product


async def write(user: Page, text: str) -> None:
    box = user.get_by_role("textbox", name="Jouw bericht")
    await box.fill(text)
    await box.press("Enter")


async def status(product: TestServer) -> str | None:
    async with product.app[STORE].engine.connect() as conn:
        return await conn.scalar(select(REFERRALS.c.status))


async def test_the_referral_buttons_stay_until_the_user_has_answered(browser: Browser, product: TestServer) -> None:
    alerts: list[str] = []
    desk = await open_page(browser, DESK, alerts)
    await log_in(desk, product)
    user = await asks_for_a_person(browser, product, "Ze pesten me.", alerts)
    log = user.get_by_role("log")
    await desk.locator("#queue tr").get_by_role("button", name="Overnemen").click()
    await desk.wait_for_url("**/console/c/1")
    form = desk.locator("#doorverwijzen")
    await form.get_by_label("Organisatie").select_option("kindertelefoon")
    await form.get_by_label("Notitie: wat de gebruiker wil delen").fill(NOTE)
    await form.get_by_label("Zo wil de gebruiker contact").fill("Via deze chat")
    async with desk.expect_navigation():  # the form's answer is the conversation page again
        await form.get_by_role("button", name="Vraag toestemming").click()
    await expect(desk.locator("#connection")).to_have_text("live")  # a line from now on reaches this page
    await expect(log).to_contain_text(NOTE)
    transcript = desk.locator("#transcript")

    yes = user.get_by_role("button", name="Ja, stuur het door")
    await write(user, "Wat doen ze dan met mijn bericht?")  # a question first
    await expect(transcript).to_contain_text("Wat doen ze dan met mijn bericht?")
    await expect(yes).to_be_visible()
    await user.reload()  # or the phone reloads the page
    await expect(yes).to_be_visible()
    await yes.click()
    await expect(log).to_contain_text("Je bericht is verstuurd naar")
    assert await status(product) == "sent"

    withdraw = user.get_by_role("button", name="Trek de doorverwijzing in")
    await write(user, "Dank je.")
    await expect(transcript).to_contain_text("Dank je.")
    await expect(withdraw).to_be_visible()
    await desk.get_by_label("Uitkomst").select_option("information")
    await desk.get_by_role("button", name="Afsluiten").click()
    await expect(log).to_contain_text("Anna heeft de chat gesloten.")
    await expect(user.get_by_role("button", name="Opnieuw beginnen").last).to_be_visible()
    await expect(withdraw).to_be_visible()
    await user.reload()
    await expect(withdraw).to_be_visible()
    await withdraw.click()
    await expect(log).to_contain_text("Je hebt de doorverwijzing ingetrokken.")
    assert await status(product) == "withdrawn"
    await expect(withdraw).to_have_count(0)
    assert alerts == []
