"""A warm referral in real browsers: a web-chat user talks with Anna, who proposes a referral to the
Kindertelefoon; the user reads exactly what goes and to whom and says yes; a partner of another organisation sees
nothing of it; the Kindertelefoon's partner reads the note and the shared conversation and accepts it; Anna's
console shows the status. Pages without serious or critical accessibility findings (axe-core).
"""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, expect
from sqlalchemy import select

from bot.appkeys import STORE
from bot.console.auth import hash_password
from storage.partners import PartnerStore
from storage.referrals import REFERRALS
from tests.bot.channels.browser import ARTIFACTS, axe_violations, watch_errors
from tests.console.browser_steps import asks_for_a_person, log_in, open_page
from tests.console.conftest import PASSWORD

DESK = {"viewport": {"width": 1280, "height": 900}, "locale": "nl-NL"}
NOTE = "Je wordt gepest in de klas. Je wilt met iemand praten over wat je kunt doen."
CONTACT = "Stuur een bericht via deze chat"
SAID = "Ze lachen me elke dag uit in de pauze."


@pytest.fixture
async def product(product: TestServer) -> TestServer:
    """The product with Anna (tests/console/conftest.py) and two partner organisations."""
    partners = PartnerStore(product.app[STORE].engine)
    await partners.add("kt", "Kim", hash_password(PASSWORD), "kindertelefoon")
    await partners.add("vt", "Vera", hash_password(PASSWORD), "veilig_thuis")
    return product


async def test_a_referral_from_the_users_consent_to_the_partners_acceptance(
    browser: Browser, product: TestServer
) -> None:
    alerts: list[str] = []
    desk = await open_page(browser, DESK, alerts)
    desk_errors = watch_errors(desk)
    await log_in(desk, product)
    await expect(desk.get_by_role("heading", name="Wachtrij")).to_be_visible()

    user = await asks_for_a_person(browser, product, SAID, alerts)
    log = user.get_by_role("log")

    row = desk.locator("#queue tr")
    await expect(row).to_have_count(1)
    await row.get_by_role("button", name="Overnemen").click()
    await desk.wait_for_url("**/console/c/1")
    await expect(log).to_contain_text("Je praat nu met Anna van de chat-ondersteuning.")

    form = desk.locator("#doorverwijzen")
    await expect(form).to_be_visible()
    await form.get_by_label("Organisatie").select_option("kindertelefoon")
    await form.get_by_label("Notitie: wat de gebruiker wil delen").fill(NOTE)
    await form.get_by_label("Zo wil de gebruiker contact").fill(CONTACT)
    await form.get_by_label("Met het gesprek erbij").check()
    await form.get_by_role("button", name="Vraag toestemming").click()
    await desk.wait_for_url("**/console/c/1")
    await expect(desk.locator("#connection")).to_have_text("live")
    transcript = desk.locator("#transcript")
    await expect(transcript).to_contain_text(NOTE)  # Anna sees what the user sees

    await expect(log).to_contain_text("Wil je hulp van")
    await expect(log).to_contain_text(NOTE)
    await expect(log).to_contain_text(CONTACT)
    await expect(log).to_contain_text("Ons hele gesprek gaat ook mee.")
    ARTIFACTS.mkdir(exist_ok=True)
    await user.screenshot(path=str(ARTIFACTS / "referral-consent.png"))
    await user.get_by_role("button", name="Ja, stuur het door").click()
    await expect(log).to_contain_text("Je bericht is verstuurd naar")
    await expect(user.get_by_role("button", name="Trek de doorverwijzing in")).to_be_visible()
    await expect(transcript).to_contain_text("De gebruiker zei ja")  # live, without reloading

    other = await open_page(browser, DESK)  # another organisation: nothing to see
    await log_in(other, product, "vt")
    await other.wait_for_url("**/console/partner")
    await expect(other.get_by_text("Er zijn geen doorverwijzingen voor jullie.")).to_be_visible()
    response = await other.goto(str(product.make_url("/console/partner/1")))
    assert response is not None and response.status == 404
    assert NOTE not in await other.content()
    response = await other.goto(str(product.make_url("/console/c/1")))
    assert response is not None and response.status == 403

    partner = await open_page(browser, DESK)
    partner_errors = watch_errors(partner)
    await log_in(partner, product, "kt")
    await partner.wait_for_url("**/console/partner")
    await expect(partner.get_by_role("heading", name="Doorverwijzingen voor")).to_be_visible()
    assert await axe_violations(partner) == []
    await partner.get_by_role("link", name="Openen").click()
    await expect(partner.locator("#note")).to_have_text(NOTE)
    await expect(partner.locator("#contact")).to_have_text(CONTACT)
    assert await axe_violations(partner) == []
    await partner.get_by_role("link", name="Lees het gesprek").click()
    await expect(partner.get_by_label("Het gesprek")).to_contain_text(SAID)
    await partner.go_back()
    await partner.get_by_role("button", name="Aannemen").click()
    await expect(partner.locator(".facts")).to_contain_text("Aangenomen")
    await partner.screenshot(path=str(ARTIFACTS / "referral-partner.png"), full_page=True)
    async with product.app[STORE].engine.connect() as conn:
        assert await conn.scalar(select(REFERRALS.c.status)) == "accepted"

    await expect(transcript).to_contain_text("heeft de doorverwijzing aangenomen")
    await desk.get_by_role("link", name="Doorverwijzingen", exact=True).click()
    await expect(desk.locator("#doorverwijzing-1")).to_contain_text("Aangenomen")
    assert await axe_violations(desk) == []

    await user.get_by_role("button", name="Trek de doorverwijzing in").click()
    await expect(log).to_contain_text("Intrekken kan niet meer.")

    assert alerts == []
    assert [e for e in desk_errors + partner_errors if "/console/" in e] == []
