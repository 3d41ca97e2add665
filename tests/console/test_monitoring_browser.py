"""The Monitoring page in a real browser: an admin opens it from the menu, reads the charts and tables, picks a
period; axe-core finds nothing serious, on a desk screen and on a phone, and the CSP blocks nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, expect
from pytest_aiohttp import AiohttpServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.appkeys import DATABASE
from bot.dialogs.dialog import Dialog as Tree
from bot.settings import Settings
from storage.monitoring import Tally, add
from tests.bot.channels.browser import ARTIFACTS, PHONE, axe_violations, watch_errors
from tests.console.browser_steps import log_in, open_page
from tests.console.conftest import add_agent

DESK = {"viewport": {"width": 1280, "height": 820}, "locale": "nl-NL"}


@pytest.fixture
async def product(
    aiohttp_server: AiohttpServer, settings: Settings, dialog: Tree, sqlite_database: AsyncEngine
) -> TestServer:
    server = await aiohttp_server(create_app(settings, dialog=dialog))
    await add_agent(server, "beheer", role="admin")
    today = datetime.now(UTC).date()
    async with server.app[DATABASE].begin() as conn:
        await add(conn, [Tally("started", channel="web", locale="nl")] * 14, today)
        await add(conn, [Tally("started", channel="telegram", locale="tr")] * 6, today - timedelta(days=8))
        await add(conn, [Tally("organisation", node="kindertelefoon")] * 9, today)
        await add(conn, [Tally("organisation", node="nood_112")] * 2, today)
        await add(conn, [Tally("theme", role="ouder", theme="pesten")] * 7, today)
        await add(conn, [Tally("crisis", node="suicide")] * 3, today)
        note = Tally("handoff_outcome", role="ouder", theme="pesten", node="witte_vlek", detail="<b>Geen plek</b>")
        await add(conn, [note] * 5, today)
    return server


async def logged_in(page: Page, product: TestServer) -> None:
    await log_in(page, product, "beheer")
    await expect(page.get_by_role("heading", name="Wachtrij")).to_be_visible()


async def test_an_admin_reads_the_monitoring_page(browser: Browser, product: TestServer) -> None:
    page = await open_page(browser, DESK)
    errors = watch_errors(page)
    await logged_in(page, product)
    await page.get_by_role("link", name="Monitoring").click()
    await expect(page.get_by_role("heading", name="Monitoring", level=1)).to_be_visible()

    organisations = page.locator("#organisations")
    await expect(organisations.get_by_role("img", name="Uitkomsten per organisatie: Keer getoond")).to_be_visible()
    table = organisations.get_by_role("table", name="Uitkomsten per organisatie")
    await expect(table.get_by_role("row", name="Kindertelefoon 9")).to_be_visible()
    await expect(table.get_by_role("row", name="112 < 5")).to_be_visible()
    await expect(page.locator("#witte_vlek_notes")).to_contain_text("<b>Geen plek</b>")  # as text
    await expect(page.locator("#summary-heading + dl")).to_contain_text("Crisissignalen")
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "console-monitoring.png"), full_page=True)
    assert await axe_violations(page) == []

    today = datetime.now(UTC).date()
    await page.get_by_label("Van").fill(today.isoformat())
    await page.get_by_label("Tot en met").fill(today.isoformat())
    await page.get_by_role("button", name="Toon cijfers").click()
    await page.wait_for_url(f"**/console/monitoring?from={today}&to={today}")
    await expect(page.locator("#summary-heading + dl")).to_contain_text("14")  # the 6 of last week are out
    assert await axe_violations(page) == []
    assert [e for e in errors if "/console/" in e] == []


async def test_the_page_on_a_phone_has_no_serious_problems(browser: Browser, product: TestServer) -> None:
    page = await open_page(browser, PHONE)
    errors = watch_errors(page)
    await logged_in(page, product)
    await page.goto(str(product.make_url("/console/monitoring?from=2000-01-01&to=1999-01-01")))
    await expect(page.get_by_role("alert")).to_contain_text("De begindatum ligt na de einddatum.")
    await page.screenshot(path=str(ARTIFACTS / "console-monitoring-phone.png"), full_page=True)
    assert await axe_violations(page) == []
    assert [e for e in errors if "/console/" in e] == []
