"""The web chat on small phones (320 × 568 and 360 × 740): its controls never leave the screen.

These tests run the product tree (``bot/dialogs/tree.yaml``, read when the test runs), because the real
content decides how long a screen gets. They walk the rendered buttons: always the first option that still
leads to an outcome without danger, until an outcome with its "Meer over …" buttons; and once the way to
acute danger. On every screen: Snel weg and the text box wholly on the screen, the page itself does not
scroll (only the conversation does), the toolbar is one row, and the start of the newest answer is in view
(for a question its first answer button too).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, expect

from bot.dialogs.dialog import Dialog
from tests.bot.channels.browser import ARTIFACTS, PHONES, axe_violations, chromium, edges, inside, layout, phone

MORE_ABOUT = re.compile(r"^Meer over ")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as browser:
        yield browser


@pytest.fixture(params=PHONES, ids=[f"{w}x{h}" for w, h in PHONES])
async def screen(request: pytest.FixtureRequest, browser: Browser) -> AsyncIterator[Page]:
    width, height = request.param
    context = await browser.new_context(**phone(width, height))
    page = await context.new_page()
    yield page
    await context.close()


# ---- The tree, read at test time


def ends_calmly(dialog: Dialog, node_id: str) -> bool:
    """Whether some path from ``node_id`` ends at an outcome that is not about acute danger."""
    node = dialog.node(node_id)
    if node.type == "outcome":
        return not node.urgent
    return node.type == "question" and any(ends_calmly(dialog, option.next) for option in node.options)


def calm_option(dialog: Dialog, node_id: str) -> int:
    """The first option of a question that leads on to a calm outcome."""
    options = dialog.node(node_id).options
    return next(i for i, option in enumerate(options) if ends_calmly(dialog, option.next))


def danger_option(dialog: Dialog, node_id: str) -> int | None:
    """The first option of a question that goes straight to an acute-danger outcome."""
    options = dialog.node(node_id).options
    return next((i for i, o in enumerate(options) if dialog.node(o.next).urgent), None)


def labels(dialog: Dialog, node_id: str) -> list[str]:
    return [option.label for option in dialog.node(node_id).options]


# ---- What every screen must be


async def settled(page: Page) -> None:
    """Wait until messages have arrived (their short animation moves them a little)."""
    for _wait in range(100):  # page.evaluate, not wait_for_function: the page's CSP forbids eval
        if await page.evaluate("document.getAnimations().length") == 0:
            return
        await asyncio.sleep(0.02)


async def assert_usable(page: Page, where: str, *, question: bool, scrolled: bool = False) -> dict[str, Any]:
    """Snel weg, the text box and the toolbar on the screen; no page scroll; the newest answer in view.

    ``scrolled``: the test scrolled the conversation itself, so the newest answer may have gone up.
    """
    await settled(page)
    found = await layout(page)
    screen, log = found["viewport"], found["log"]
    size = f"{found['width']}x{found['height']} {where}"
    assert inside(found["quick_exit"], screen), f"{size}: Snel weg is off the screen: {found['quick_exit']}"
    assert inside(found["text_box"], screen), f"{size}: the text box is off the screen: {found['text_box']}"
    assert inside(found["send"], screen), f"{size}: Verstuur is off the screen"
    assert inside(found["toolbar"], screen), f"{size}: the toolbar is off the screen"
    assert found["toolbar"]["height"] < 56, f"{size}: the global actions take more than one row"
    assert found["page_scroll_height"] <= found["height"], f"{size}: the page scrolls ({found['page_scroll_height']})"
    assert found["page_scroll_width"] <= found["width"], f"{size}: the page scrolls sideways"
    assert found["page_scroll_top"] == 0, f"{size}: the page was scrolled"
    newest = found["newest"]
    assert newest is not None, f"{size}: no answer"
    if scrolled:
        return found
    assert log["top"] - 0.5 <= newest["top"] <= log["bottom"] - 40, f"{size}: the newest answer's start is not in view"
    if question:
        assert found["answers"], f"{size}: no answer buttons"
        assert inside(found["answers"][0], log), f"{size}: the first answer button is not in view"
    return found


async def answer_labels(page: Page) -> list[str]:
    labels: list[str] = await page.locator("#answers .option:not(.offer)").all_inner_texts()
    return [label.strip() for label in labels]


async def assert_tel_links_have_every_digit(page: Page) -> int:
    """Every ``tel:`` link dials exactly the digits its text shows ("Bel 020-261 52 75" → tel:0202615275)."""
    links = await page.eval_on_selector_all(
        "a[href^='tel:']", "links => links.map(a => [a.textContent, a.getAttribute('href')])"
    )
    for text, href in links:
        assert href == "tel:" + re.sub(r"\D", "", text), f"{text!r} dials {href!r}"
    return len(links)


async def see_the_end_of_the_log(page: Page, where: str) -> None:
    """Scrolling the conversation (not the page) brings the last buttons into view; the controls stay."""
    await page.locator("#scroller").evaluate("el => { el.scrollTop = el.scrollHeight; }")
    found = await assert_usable(page, where, question=False, scrolled=True)
    assert found["answers"] and inside(found["answers"][-1], found["log"]), f"{where}: the last button is not in view"


async def shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    size = page.viewport_size
    assert size is not None
    await settled(page)
    await page.screenshot(path=str(ARTIFACTS / f"web-chat-{size['width']}x{size['height']}-{name}.png"))


# ---- The walks


async def test_walk_to_an_outcome_with_the_controls_always_on_the_screen(
    screen: Page, product_server: TestServer, real_dialog: Dialog
) -> None:
    page = screen
    await page.goto(str(product_server.make_url("/")))
    state = real_dialog.start
    await expect(page.locator("#answers .option")).to_have_text(labels(real_dialog, state))
    await assert_usable(page, "welcome", question=True)
    await expect(page.get_by_role("button", name="Terug")).to_have_count(0)  # no way back from the start
    await expect(page.get_by_role("button", name="Praat met een mens")).to_be_visible()

    typed = False
    while real_dialog.node(state).type == "question":
        node = real_dialog.node(state)
        if state != real_dialog.start and not typed:  # a typed, crisis-free text: the question comes again
            typed = True
            count = await page.locator("#log > .message").count()
            box = page.get_by_role("textbox", name="Jouw bericht")
            await box.fill("blabla")
            await box.press("Enter")
            await expect(page.locator("#log > .message")).not_to_have_count(count + 1)  # the answer came
            await expect(page.locator("#log > .message")).not_to_have_count(count)
            await expect(page.locator("#answers .option")).to_have_text(labels(real_dialog, state))
            await assert_usable(page, f"{state} after typing", question=True)
            await expect(page.get_by_role("button", name="Terug")).to_be_visible()
        if state == "rol":
            await shoot(page, "question")
        option = node.options[calm_option(real_dialog, state)]
        await page.locator("#answers").get_by_role("button", name=option.label, exact=True).click()
        state = option.next
        if real_dialog.node(state).type == "question":
            await expect(page.locator("#answers .option")).to_have_text(labels(real_dialog, state))
            await assert_usable(page, state, question=True)

    outcome = real_dialog.node(state)
    assert outcome.type == "outcome" and not outcome.urgent
    await expect(page.locator("#answers .option")).to_have_text([MORE_ABOUT] * len(outcome.steps))
    await assert_usable(page, state, question=False)
    await expect(page.locator("#log .kind-party .title").first).to_be_visible()
    await shoot(page, "outcome")
    await assert_tel_links_have_every_digit(page)
    for link in await page.locator("a[href^='https://']").all():
        assert (
            await link.get_attribute("rel") == "noopener noreferrer" and await link.get_attribute("target") == "_blank"
        )
    await see_the_end_of_the_log(page, f"{state}, scrolled")
    await shoot(page, "outcome-end")

    await page.reload()
    await expect(page.locator("#answers .option")).to_have_text([MORE_ABOUT] * len(outcome.steps))
    await assert_usable(page, f"{state} after a reload", question=False)
    await assert_tel_links_have_every_digit(page)
    await see_the_end_of_the_log(page, f"{state} after a reload, scrolled")

    await page.locator("#answers .option").first.click()  # Meer over …: what the first party can and cannot do
    await expect(page.locator("#log .kind-card")).to_have_count(1)
    await assert_usable(page, "card", question=False)
    await assert_tel_links_have_every_digit(page)


async def test_acute_danger_gives_big_buttons_to_call_and_a_person_now(
    screen: Page, product_server: TestServer, real_dialog: Dialog
) -> None:
    page = screen
    await page.goto(str(product_server.make_url("/")))
    state = real_dialog.start
    while (index := danger_option(real_dialog, state)) is None:
        option = real_dialog.node(state).options[calm_option(real_dialog, state)]
        await page.locator("#answers").get_by_role("button", name=option.label, exact=True).click()
        state = option.next
        await expect(page.locator("#answers .option")).to_have_text(labels(real_dialog, state))
    option = real_dialog.node(state).options[index]
    await page.locator("#answers").get_by_role("button", name=option.label, exact=True).click()

    calls = page.locator("a.contact.urgent[href^='tel:']")
    await expect(calls.first).to_be_visible()
    found = await assert_usable(page, "acute danger", question=False)
    first_call = await calls.first.bounding_box()
    assert first_call is not None and inside(edges(first_call), found["log"]), "the first number to call is in view"
    for call in await calls.all():
        box = await call.bounding_box()
        assert box is not None and box["height"] >= 48, "a big button to call"
    assert await assert_tel_links_have_every_digit(page) >= 1
    await expect(page.locator("#answers .offer")).to_have_text(["Praat met een mens"])  # a person, now
    await expect(page.locator("#log .kind-crisis").first).to_be_visible()
    await shoot(page, "crisis")
    assert await axe_violations(page) == []
    await see_the_end_of_the_log(page, "acute danger, scrolled")


async def test_the_meer_menu_keeps_the_rarer_actions_apart(
    screen: Page, product_server: TestServer, real_dialog: Dialog
) -> None:
    page = screen
    await page.goto(str(product_server.make_url("/")))
    more = page.get_by_role("button", name="Meer", exact=True)
    await expect(page.locator("#answers .option")).to_have_text(labels(real_dialog, real_dialog.start))
    await more.click()
    await expect(more).to_have_attribute("aria-expanded", "true")
    menu = page.locator("#more-menu")
    shown = menu.locator("li:not([hidden]) .menu-label")
    await expect(shown).to_have_text(["Taal", "Ik ben klaar", "Wis mijn gesprek", "Nieuw gesprek"])  # no restart yet
    await more.click()
    await expect(menu).to_be_hidden()

    start = real_dialog.node(real_dialog.start).options[0]
    await page.locator("#answers").get_by_role("button", name=start.label, exact=True).click()
    await expect(page.locator("#answers .option")).to_have_text(labels(real_dialog, start.next))
    await more.click()
    items = menu.get_by_role("button")
    await expect(shown).to_have_text(["Opnieuw beginnen", "Taal", "Ik ben klaar", "Wis mijn gesprek", "Nieuw gesprek"])
    for item in await items.all():  # each says what it does, and is a big enough target
        assert await item.get_attribute("aria-describedby")
        box = await item.bounding_box()
        assert box is not None and box["height"] >= 44
        await expect(item).to_be_in_viewport(ratio=1)
    await expect(page.get_by_role("button", name="Opnieuw beginnen")).to_have_accessible_description(
        re.compile("eerste vraag")
    )
    await assert_usable(page, "menu open", question=True)
    await shoot(page, "menu")
    assert await axe_violations(page) == []
    await page.get_by_role("button", name="Opnieuw beginnen").click()
    await expect(menu).to_be_hidden()
    await expect(page.locator("#answers .option")).to_have_text(labels(real_dialog, real_dialog.start))
    await expect(page.get_by_role("button", name="Terug")).to_have_count(0)
