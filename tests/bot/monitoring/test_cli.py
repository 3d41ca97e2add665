"""``wegwijzer stats export`` as a user runs it: a separate process on a real SQLite database."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from storage.database import create_engine
from storage.monitoring import Tally, add
from tests.bot.test_cli import run

IN_PERIOD = date(2026, 11, 10)
BEFORE = date(2026, 10, 20)
PERIOD = ("--from", "2026-11-02", "--to", "2026-11-29")


async def seed(tmp_path: Path) -> None:
    code, _, err = await run(tmp_path, "db", "upgrade")
    assert code == 0, err
    database = create_engine(f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    try:
        async with database.begin() as conn:
            await add(conn, [Tally("started", channel="web", locale="nl")] * 7, IN_PERIOD)
            await add(conn, [Tally("started", channel="telegram", locale="nl")] * 2, IN_PERIOD)
            await add(conn, [Tally("started", channel="telegram", locale="nl")] * 30, BEFORE)  # outside the period
            await add(conn, [Tally("crisis", node="suicide")] * 2, IN_PERIOD)
            note = Tally("handoff_outcome", role="ouder", theme="pesten", node="witte_vlek", detail="=1+1 geen plek")
            await add(conn, [note] * 6, IN_PERIOD)
    finally:
        await database.dispose()


async def test_csv_has_every_table_of_the_period_with_small_counts_suppressed(tmp_path: Path) -> None:
    await seed(tmp_path)
    code, out, err = await run(tmp_path, "stats", "export", *PERIOD)
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["table", "Cijfer", "Waarde"]
    assert ["summary", "Gesprekken begonnen", "9"] in rows  # the 30 of October are outside the period
    # 9 in the week, so the 7 on the web would give the 2 on Telegram away
    assert ["per_week", "2026-W46 (2026-11-09)", "9", "< 5", "verborgen"] in rows
    assert ["summary", "Crisissignalen", "< 5"] in rows
    assert ["crisis", "Denkt aan zelfmoord", "< 5"] in rows
    assert ["witte_vlek_notes", "'=1+1 geen plek", "Ouder of verzorger", "Pesten", "6"] in rows
    keys = {row[0] for row in rows} - {"table", "summary"}
    assert {"per_week", "crisis", "witte_vlek_notes"} <= keys
    assert not any(cell in ("2", "7", "30", "37", "39") for row in rows for cell in row[1:] if row[0] != "per_week")


async def test_json_to_a_file(tmp_path: Path) -> None:
    await seed(tmp_path)
    target = tmp_path / "cijfers.json"
    code, out, err = await run(tmp_path, "stats", "export", *PERIOD, "--format", "json", "--output", str(target))
    assert code == 0, err
    assert out == ""
    data = json.loads(target.read_text(encoding="utf-8"))
    assert (data["from"], data["to"], data["min_count"]) == ("2026-11-02", "2026-11-29", 5)
    tables = {table["key"]: table for table in data["tables"]}
    assert tables["crisis"]["rows"] == [["Denkt aan zelfmoord", "< 5"]]
    assert tables["witte_vlek_notes"]["rows"] == [["=1+1 geen plek", "Ouder of verzorger", "Pesten", 6]]
    assert sum(row[1] for row in tables["per_week"]["rows"] if isinstance(row[1], int)) == 9
    assert ["2026-W46 (2026-11-09)", 9, "< 5", "verborgen"] in tables["per_week"]["rows"]
    assert data["summary"]["Gesprekken begonnen"] == "9"


async def test_min_count_is_a_setting(tmp_path: Path) -> None:
    await seed(tmp_path)
    code, out, _ = await run(tmp_path, "stats", "export", *PERIOD, WEGWIJZER_MIN_COUNT="10")
    assert code == 0
    assert ["summary", "Gesprekken begonnen", "< 10"] in list(csv.reader(io.StringIO(out)))


async def test_bad_dates_are_one_line_on_stderr_and_exit_2(tmp_path: Path) -> None:
    for args, says in (
        (("--from", "2026-13-01", "--to", "2026-11-29"), "--from is not a date"),
        (("--from", "2026-11-01", "--to", "morgen"), "--to is not a date"),
        (("--from", "2026-11-29", "--to", "2026-11-02"), "is after --to"),
    ):
        code, out, err = await run(tmp_path, "stats", "export", *args)
        assert code == 2
        assert out == ""
        assert says in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
