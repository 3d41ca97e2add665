"""Figures from counts seeded directly: the referral table, and that a suppressed cell never leaks its number."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialogs.dialog import Dialog
from bot.monitoring.figures import figures
from storage.monitoring import Tally, add

DAY = date(2026, 11, 10)


async def test_referrals_per_organisation_and_outcome(sqlite_database: AsyncEngine, real_dialog: Dialog) -> None:
    async with sqlite_database.begin() as conn:
        await add(conn, [Tally("referral", node="ouders_onderwijs", detail="sent")] * 7, DAY)
        await add(conn, [Tally("referral", node="ouders_onderwijs", detail="accepted")] * 5, DAY)
        await add(conn, [Tally("referral", node="ouders_onderwijs", detail="declined")] * 2, DAY)
    table = (await figures(sqlite_database, real_dialog, DAY, DAY, 5)).table("referrals")
    assert table.columns == ("Organisatie", "Verstuurd (met ja van de gebruiker)", "Aangenomen", "Afgewezen")
    name = real_dialog.organisation("ouders_onderwijs").name
    assert [[str(cell) for cell in row] for row in table.rows] == [[name, "7", "5", "< 5"]]


async def test_callbacks_by_part_of_day_and_how_they_closed(sqlite_database: AsyncEngine, real_dialog: Dialog) -> None:
    async with sqlite_database.begin() as conn:
        await add(conn, [Tally("callback_requested", node="afternoon", detail="open")] * 6, DAY)
        await add(conn, [Tally("callback_requested", node="morning", detail="after_hours")] * 1, DAY)
        await add(conn, [Tally("callback_closed", node="called", detail="information")] * 5, DAY)
    table = (await figures(sqlite_database, real_dialog, DAY, DAY, 5)).table("callbacks")
    assert [[str(cell) for cell in row] for row in table.rows] == [
        ["Gevraagd: middag", "6"],
        ["Gevraagd: ochtend", "< 5"],
        ["Afgesloten: gebeld", "5"],
    ]
