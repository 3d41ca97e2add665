"""The console's Monitoring page and its CSV files: admins only, small counts as "< 5", a period that narrows."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from aiohttp.test_utils import TestServer
from markupsafe import escape

from bot.appkeys import DATABASE, DIALOG
from bot.monitoring.figures import figures
from storage.monitoring import Tally, add
from tests.console.conftest import Client, add_agent, logged_in

# The fake clock says Monday 2026-11-23: the default period is 2026-10-26 up to and including that day.
IN_PERIOD = date(2026, 11, 10)
SEPTEMBER = date(2026, 9, 15)
NOTE = '<script>alert("notitie")</script>'


async def seed(server: TestServer) -> None:
    async with server.app[DATABASE].begin() as conn:
        await add(conn, [Tally("started", channel="web", locale="nl")] * 12, IN_PERIOD)
        await add(conn, [Tally("organisation", node="kindertelefoon")] * 3, IN_PERIOD)
        await add(conn, [Tally("organisation", node="nood_112")] * 8, IN_PERIOD)
        await add(conn, [Tally("crisis", node="suicide")] * 6, IN_PERIOD)
        await add(conn, [Tally("handoff_outcome", role="ouder", node="witte_vlek", detail=NOTE)] * 5, IN_PERIOD)
        await add(conn, [Tally("started", channel="telegram", locale="nl")] * 41, SEPTEMBER)


def section(page: str, key: str) -> str:
    found = re.search(rf'<section class="panel figure" id="{key}".*?</section>', page, re.S)
    assert found is not None, key
    return found.group(0)


def summary(page: str, label: str) -> str:
    found = re.search(rf"<dt>{re.escape(label)}</dt><dd>([^<]*)</dd>", page)
    assert found is not None, label
    return found.group(1)


async def test_only_admins_see_the_page_and_its_files(client: Client, server: TestServer) -> None:
    await add_agent(server, "anna")
    await logged_in(client, "anna")
    queue = await (await client.get("/console/")).text()
    assert "/console/monitoring" not in queue  # no link for agents
    for path in ("/console/monitoring", "/console/monitoring.csv?from=2026-11-01&to=2026-11-30"):
        assert (await client.get(path, allow_redirects=False)).status == 403
    assert (await client.get("/console/monitoring/crisis.csv?from=2026-11-01&to=2026-11-30")).status == 403


async def test_logged_out_is_sent_to_the_login(client: Client, server: TestServer) -> None:
    response = await client.get("/console/monitoring", allow_redirects=False)
    assert response.status in (302, 303) and "/console/login" in response.headers["Location"]


async def test_an_admin_sees_every_table_with_small_counts_suppressed(client: Client, server: TestServer) -> None:
    await add_agent(server, "beheer", role="admin")
    await logged_in(client, "beheer")
    await seed(server)
    response = await client.get("/console/monitoring")
    assert response.status == 200
    page = await response.text()
    assert '<a href="/console/monitoring" aria-current="page">Monitoring</a>' in page
    expected = await figures(server.app[DATABASE], server.app[DIALOG], date(2026, 10, 26), date(2026, 11, 23), 5)
    for table in expected.tables:
        assert str(escape(table.title)) in page, table.title
        assert f'href="/console/monitoring/{table.key}.csv?from=2026-10-26&amp;to=2026-11-23"' in page
    assert 'href="/console/monitoring.csv?from=2026-10-26&amp;to=2026-11-23"' in page
    for words in ("per dag", "UTC", "&lt; 5", "terug te leiden naar een persoon"):
        assert words in page

    organisations = section(page, "organisations")
    assert '<th scope="row">Kindertelefoon</th><td class="num suppressed">&lt; 5</td>' in organisations
    assert '<th scope="row">112</th><td class="num">8</td>' in organisations
    assert ">3<" not in organisations
    assert "<svg" in organisations and 'role="img"' in organisations  # the chart beside the table
    assert re.search(r"<caption[^>]*>Uitkomsten per organisatie, 26-10-2026 t/m 23-11-2026</caption>", organisations)

    notes = section(page, "witte_vlek_notes")
    assert "&lt;script&gt;alert(&#34;notitie&#34;)&lt;/script&gt;" in notes
    assert "<script>alert" not in page
    assert summary(page, "Gesprekken begonnen") == "12"  # the 41 of September are outside the period
    assert summary(page, "Crisissignalen") == "6"


async def test_the_period_picker_narrows_the_figures(client: Client, server: TestServer) -> None:
    await add_agent(server, "beheer", role="admin")
    await logged_in(client, "beheer")
    await seed(server)
    page = await (await client.get("/console/monitoring?from=2026-09-01&to=2026-09-30")).text()
    assert summary(page, "Gesprekken begonnen") == "41"
    assert summary(page, "Crisissignalen") == "0"
    assert "Kindertelefoon" not in section(page, "organisations")
    assert 'name="from" value="2026-09-01"' in page and 'name="to" value="2026-09-30"' in page
    assert 'role="alert"' not in page

    page = await (await client.get("/console/monitoring?from=2026-11-10&to=2026-11-10")).text()
    assert summary(page, "Gesprekken begonnen") == "12"
    assert "(1 dag;" in page


async def test_quick_links_are_this_month_last_month_and_twelve_weeks(client: Client, server: TestServer) -> None:
    await add_agent(server, "beheer", role="admin")
    await logged_in(client, "beheer")
    page = await (await client.get("/console/monitoring")).text()
    quick = re.search(r'<p class="quick">.*?</p>', page, re.S)
    assert quick is not None
    assert re.findall(r'href="([^"]+)">([^<]+)</a>', quick.group(0)) == [
        ("/console/monitoring?from=2026-11-01&amp;to=2026-11-23", "deze maand"),
        ("/console/monitoring?from=2026-10-01&amp;to=2026-10-31", "vorige maand"),
        ("/console/monitoring?from=2026-08-31&amp;to=2026-11-23", "laatste 12 weken"),
    ]


async def test_bad_dates_give_a_message_and_the_default_period(client: Client, server: TestServer) -> None:
    await add_agent(server, "beheer", role="admin")
    await logged_in(client, "beheer")
    await seed(server)
    for query, says in (
        ("from=2026-02-30&to=2026-03-01", "Een datum schrijf je als JJJJ-MM-DD"),
        ("from=gisteren&to=2026-03-01", "Een datum schrijf je als JJJJ-MM-DD"),
        ("from=2026-11-20&to=2026-11-01", "De begindatum ligt na de einddatum."),
        ("from=2024-01-01&to=2026-11-01", "Kies een periode van hoogstens 366 dagen."),
        ("from=2026-11-01", "Vul een begindatum én een einddatum in."),
        ("from=%00%ff&to=" + "9" * 5000, "Een datum schrijf je als JJJJ-MM-DD"),
    ):
        response = await client.get(f"/console/monitoring?{query}")
        assert response.status == 200, query
        page = await response.text()
        assert f'<p class="error" role="alert">{escape(says)}' in page, query
        assert 'name="from" value="2026-10-26"' in page and 'name="to" value="2026-11-23"' in page
        assert summary(page, "Gesprekken begonnen") == "12"


async def test_csv_files_are_attachments_with_small_counts_suppressed(client: Client, server: TestServer) -> None:
    await add_agent(server, "beheer", role="admin")
    await logged_in(client, "beheer")
    await seed(server)
    response = await client.get("/console/monitoring/organisations.csv?from=2026-11-01&to=2026-11-30")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="wegwijzer-organisations-2026-11-01-2026-11-30.csv"'
    )
    assert list(csv.reader(io.StringIO(await response.text()))) == [
        ["Organisatie", "Keer getoond"],
        ["112", "8"],
        ["Kindertelefoon", "< 5"],
    ]

    response = await client.get("/console/monitoring.csv?from=2026-11-01&to=2026-11-30")
    assert response.status == 200
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(await response.text())))
    assert ["organisations", "Kindertelefoon", "< 5"] in rows
    assert ["witte_vlek_notes", NOTE, "Ouder of verzorger", "(nog niet gekozen)", "5"] in rows
    assert not any(row[-1] == "3" for row in rows)

    september = await client.get("/console/monitoring/organisations.csv?from=2026-09-01&to=2026-09-30")
    assert list(csv.reader(io.StringIO(await september.text()))) == [["Organisatie", "Keer getoond"]]
    assert (await client.get("/console/monitoring/nergens.csv?from=2026-11-01&to=2026-11-30")).status == 404
    assert (await client.get("/console/monitoring/crisis.csv?from=2026-11-30&to=2026-11-01")).status == 400
    assert (await client.get("/console/monitoring/crisis.csv")).status == 400
