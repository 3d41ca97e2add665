"""A call-back in real browsers: a web-chat user on a phone asks to be called back while waiting; an agent in a
second browser context claims the request in the console, sees the number, marks it "Gebeld"; then the tables
hold the number nowhere (callbacks, conversations, transcript, outbox), and the audit has the showing."""

from __future__ import annotations

from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, expect
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.callbacks import CALLBACKS
from tests.bot.channels.browser import ARTIFACTS, PHONE, axe_violations, watch_errors
from tests.console.browser_steps import log_in, open_page

DESK = {"viewport": {"width": 1280, "height": 820}, "locale": "nl-NL"}
DIGITS = ("87654321", "8765 4321", "+31687654321")


async def every_text(database: AsyncEngine) -> str:
    """Every value of every table that could hold what a user typed or was shown, as one text."""
    found = []
    async with database.connect() as conn:
        for table in ("callbacks", "conversations", "transcript_entries", "outbox", "audit_log", "monitoring_counts"):
            for row in (await conn.execute(text(f"SELECT * FROM {table}"))).all():
                found += [str(value) for value in row]
    return "\n".join(found)


async def test_a_call_back_from_the_web_chat_to_called(
    browser: Browser, product: TestServer, sqlite_database: AsyncEngine
) -> None:
    alerts: list[str] = []
    user = await open_page(browser, PHONE, alerts)
    user_errors = watch_errors(user)
    await user.goto(str(product.make_url("/")))
    log = user.get_by_role("log")
    await expect(log).to_contain_text("Hoi, ik ben de Wegwijzer.")
    await user.get_by_role("button", name="Praat met een mens").first.click()
    await expect(log).to_contain_text("Liever gebeld worden? Kies dan 'Bel me terug'.")
    await user.get_by_role("button", name="Bel me terug").click()
    await expect(log).to_contain_text("Typ je telefoonnummer.")
    box = user.get_by_role("textbox", name="Jouw bericht")
    await box.fill("06 123")  # too short
    await box.press("Enter")
    await expect(log).to_contain_text("Dit is geen telefoonnummer dat wij kunnen bellen.")
    await box.fill("06 8765 4321")
    await box.press("Enter")
    await expect(log).to_contain_text("Wanneer kunnen we je het best bellen?")
    await user.get_by_role("button", name="Middag", exact=True).click()
    await expect(log).to_contain_text("Mogen we je 's middags bellen op 06 87654321?")
    ARTIFACTS.mkdir(exist_ok=True)
    await user.screenshot(path=str(ARTIFACTS / "web-chat-callback-consent.png"), animations="disabled")
    await user.get_by_role("button", name="Ja, bel me").click()
    await expect(log).to_contain_text("Afgesproken. Een medewerker van de chat-ondersteuning belt je.")
    await expect(log).to_contain_text("Je wacht nu niet meer in de chat.")
    await expect(user.get_by_role("button", name="Annuleer terugbellen")).to_be_visible()

    desk = await open_page(browser, DESK, alerts)
    desk_errors = watch_errors(desk)
    await log_in(desk, product)
    await expect(desk.get_by_role("heading", name="Wachtrij")).to_be_visible()
    await desk.get_by_role("link", name="Terugbellen").click()
    await expect(desk.get_by_role("heading", name="Terugbellen")).to_be_visible()
    row = desk.locator("#callbacks tbody tr")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("Nederlands")
    await expect(row).to_contain_text("Middag")
    listed = await desk.content()
    assert not any(d in listed for d in DIGITS)  # no number before a claim
    assert await axe_violations(desk) == []
    await row.get_by_role("button", name="Oppakken").click()

    await desk.wait_for_url("**/console/callbacks/1")
    phone = desk.get_by_role("link", name="06 87654321")
    await expect(phone).to_have_attribute("href", "tel:+31687654321")
    await desk.screenshot(path=str(ARTIFACTS / "console-callback.png"), full_page=True)
    assert await axe_violations(desk) == []
    await desk.get_by_label("Uitkomst van het gesprek").select_option("information")
    await desk.get_by_role("button", name="Gebeld").click()
    await desk.wait_for_url("**/console/callbacks")
    await expect(desk.get_by_text("Niemand wil nu gebeld worden.")).to_be_visible()

    async with sqlite_database.connect() as conn:
        (row_,) = (await conn.execute(select(CALLBACKS))).all()
    assert (row_.status, row_.phone, row_.outcome, row_.part_of_day) == ("called", None, "information", "afternoon")
    stored = await every_text(sqlite_database)
    assert not [d for d in DIGITS if d in stored]  # the number is in no table any more
    assert "(telefoonnummer)" in stored  # the transcript keeps the placeholder
    assert "callback_number" in stored  # the showing of the number is in the audit
    assert alerts == []
    assert [e for e in desk_errors if "/console/" in e] == []
    assert [e for e in user_errors if e.startswith(str(product.make_url("/")))] == []
