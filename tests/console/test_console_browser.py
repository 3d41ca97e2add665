"""The console in a real browser: a web-chat user asks for a person, an agent in a second browser context
sees it appear without reloading, claims it, talks both ways, sends a canned reply and ends the chat.
"""

from __future__ import annotations

from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, expect

from tests.bot.channels.browser import ARTIFACTS, PHONE, axe_violations, watch_errors
from tests.console.browser_steps import log_in, open_page

DESK = {"viewport": {"width": 1280, "height": 820}, "locale": "nl-NL"}
XSS = 'Ze lachen me uit <img src=x onerror="alert(1)"><script>alert(2)</script>'


async def test_an_agent_takes_over_a_web_chat_live(browser: Browser, product: TestServer) -> None:
    alerts: list[str] = []
    desk = await open_page(browser, DESK, alerts)
    desk_errors = watch_errors(desk)
    await log_in(desk, product)
    await expect(desk.get_by_role("heading", name="Wachtrij")).to_be_visible()
    await expect(desk.locator("#connection")).to_have_text("live")
    await expect(desk.get_by_text("Niemand wacht.")).to_be_visible()

    user = await open_page(browser, PHONE, alerts)
    await user.goto(str(product.make_url("/")))
    log = user.get_by_role("log")
    await expect(log).to_contain_text("Hoi, ik ben de Wegwijzer.")
    await user.get_by_role("button", name="Praat met een mens").first.click()
    await expect(log).to_contain_text("Je staat in de wachtrij voor de chat-ondersteuning.")
    box = user.get_by_role("textbox", name="Jouw bericht")
    await box.fill(XSS)
    await box.press("Enter")
    await expect(log).to_contain_text("Ik heb je bericht bewaard.")

    row = desk.locator("#queue tr")  # no reload: the row arrives over the socket
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("Web-chat")
    await expect(row).to_contain_text("1")
    ARTIFACTS.mkdir(exist_ok=True)
    await desk.screenshot(path=str(ARTIFACTS / "console-queue.png"))
    assert await axe_violations(desk) == []
    await row.get_by_role("button", name="Overnemen").click()

    await desk.wait_for_url("**/console/c/1")
    transcript = desk.locator("#transcript")
    await expect(transcript).to_contain_text(XSS)  # shown as text, never run
    await expect(transcript).to_contain_text("Je praat nu met Anna van de chat-ondersteuning.")
    await expect(log).to_contain_text("Je praat nu met Anna van de chat-ondersteuning.")

    reply = desk.get_by_label("Antwoord", exact=True)
    await reply.fill("Hoi, ik ben Anna. Wat vervelend. Wie lachen je uit?")
    await reply.press("Enter")
    await expect(log).to_contain_text("Hoi, ik ben Anna. Wat vervelend. Wie lachen je uit?")
    await box.fill("Kinderen uit mijn klas.")
    await box.press("Enter")
    await expect(transcript).to_contain_text("Kinderen uit mijn klas.")  # live, without reloading

    await desk.get_by_label("Standaardantwoord", exact=True).select_option(label="Kindertelefoon")
    await desk.get_by_role("button", name="Stuur standaardantwoord").click()
    await expect(log).to_contain_text("Bel de Kindertelefoon: 0800-0432.")
    await desk.get_by_label("Notitie", exact=True).fill("Pesten in de klas; Kindertelefoon genoemd.")
    await desk.get_by_role("button", name="Notitie opslaan").click()
    await expect(desk.locator("#notes")).to_contain_text("Pesten in de klas")
    await expect(transcript).to_contain_text("0800-0432")
    await desk.screenshot(path=str(ARTIFACTS / "console-conversation.png"), full_page=True)
    assert await axe_violations(desk) == []

    await desk.get_by_label("Uitkomst").select_option("information")
    await desk.get_by_role("button", name="Afsluiten").click()
    await expect(log).to_contain_text("Anna heeft de chat gesloten. Je praat nu weer met de Wegwijzer.")
    await desk.wait_for_url("**/console/")  # nobody else waits: straight back to the queue
    await expect(desk.get_by_text("Gesprek 1 afgesloten.")).to_be_visible()
    await expect(desk.get_by_text("Niemand wacht.")).to_be_visible()
    await user.get_by_role("button", name="Opnieuw beginnen").last.click()
    await expect(user.locator(".log li").last).to_contain_text("Hoi, ik ben de Wegwijzer.")  # the bot is back

    assert alerts == []
    assert [e for e in desk_errors if "/console/" in e] == []
