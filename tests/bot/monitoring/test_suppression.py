"""No hidden count can be worked out from what is shown: not from a total beside it, not from the order of rows.

Small tables by hand go through ``suppress``; counts in a real database go through ``figures`` and its CSV and
JSON. Each time a brute force over every hidden count (``disclosure``) checks what a reader could work out.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialogs.dialog import Dialog
from bot.monitoring.export import all_csv, as_json
from bot.monitoring.figures import Figures, figures
from bot.monitoring.suppression import GUARD, SMALL, Line, suppress
from bot.monitoring.tables import week_of
from storage.monitoring import Tally, add
from tests.bot.monitoring.disclosure import Sum, problems, worked_out

Values = dict[Hashable, int]


def reader(
    values: Mapping[Hashable, int],
    lines: Sequence[Line],
    hidden: Mapping[Hashable, str],
    min_count: int,
    unseen: Collection[Hashable] = (),
) -> list[str]:
    """What a reader can work out when ``hidden`` is hidden: "< 5" is 1 to 4, "verborgen" at least 5."""
    cap = max(values.values()) + min_count
    domains: dict[Hashable, Sequence[int]] = {}
    for ref, value in values.items():
        if ref not in hidden:
            domains[ref] = [value]
        elif ref in unseen:
            domains[ref] = range(0, cap + 1)
        elif hidden[ref] == SMALL:
            domains[ref] = range(1, min_count)
        else:
            domains[ref] = range(min_count, cap + 1)
    return problems(domains, [Sum(line.total, line.parts) for line in lines], [], min_count)


def row(total: str, *parts: str) -> Line:
    return Line(total, parts)


WEEKS = {"G": 93, "W1": 3, "W2": 40, "W3": 50, "tg1": 3, "web1": 0, "tg2": 10, "web2": 30, "tg3": 20, "web3": 30}
WAITS = ("o0", "o1", "o2"), ("o3", "o4"), ("a0", "a1")  # fast and slow in opening hours, after hours
WAIT_LINES = [Line("F", WAITS[0]), Line("S", WAITS[1]), Line("C", ("F", "S", *WAITS[2]))]
CASES: dict[str, tuple[Values, list[Line], int, dict[Hashable, str]]] = {
    "a week: 66 in all, 4 on Telegram": (
        {"T": 66, "tg": 4, "web": 62},
        [row("T", "tg", "web")],
        5,
        {"tg": SMALL, "web": GUARD},
    ),
    "two small ones in a line are enough": (
        {"T": 20, "a": 3, "b": 4, "c": 13},
        [row("T", "a", "b", "c")],
        5,
        {"a": SMALL, "b": SMALL},
    ),
    "nothing small, nothing hidden": ({"T": 30, "a": 10, "b": 20, "c": 0}, [row("T", "a", "b", "c")], 5, {}),
    "the smallest other part, the first of equals": (
        {"T": 19, "a": 4, "b": 5, "c": 5, "d": 5},
        [row("T", "a", "b", "c", "d")],
        5,
        {"a": SMALL, "b": GUARD},
    ),
    "one beside a five: 1 + at least 5 = 6 gives it away, so one more": (
        {"T": 20, "a": 1, "b": 5, "c": 14},
        [row("T", "a", "b", "c")],
        5,
        {"a": SMALL, "b": GUARD, "c": GUARD},
    ),
    "four and four make eight: the total goes": (
        {"T": 8, "a": 4, "b": 4},
        [row("T", "a", "b")],
        5,
        {"a": SMALL, "b": SMALL, "T": GUARD},
    ),
    "a total as small as its part": ({"T": 3, "a": 3, "b": 0}, [row("T", "a", "b")], 5, {"T": SMALL, "a": SMALL}),
    "a note and its outcome": (
        {"O": 6, "n1": 5, "n2": 1, "I": 14},
        [row("O", "n1", "n2")],
        5,
        {"n2": SMALL, "n1": GUARD, "O": GUARD},
    ),
    "weeks in a period and languages: a short first week": (
        {**WEEKS, "nl": 90, "en": 3},
        [row("W1", "tg1", "web1"), row("W2", "tg2", "web2"), row("W3", "tg3", "web3")]
        + [row("G", "W1", "W2", "W3"), row("G", "nl", "en")],
        5,
        {"W1": SMALL, "tg1": SMALL, "W2": GUARD, "tg2": GUARD, "en": SMALL, "nl": GUARD},
    ),
    "waits: a small fast one is covered by a fast one, the share stays": (
        {"C": 25, "F": 14, "S": 6, "o0": 12, "o1": 2, "o2": 0, "o3": 6, "o4": 0, "a0": 5, "a1": 0},
        WAIT_LINES,
        5,
        {"o1": SMALL, "o0": GUARD},
    ),
    "waits: the only slow one is small, so the share goes": (
        {"C": 20, "F": 16, "S": 4, "o0": 10, "o1": 0, "o2": 6, "o3": 0, "o4": 4, "a0": 0, "a1": 0},
        WAIT_LINES,
        5,
        {"S": SMALL, "o4": SMALL, "F": GUARD, "o2": GUARD},
    ),
    "another min_count": ({"T": 25, "a": 9, "b": 16}, [row("T", "a", "b")], 10, {"a": SMALL, "b": GUARD}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_small_tables_by_hand(case: str) -> None:
    values, lines, min_count, expected = CASES[case]
    shares = ("F", "S") if "F" in values else ()  # the counts behind the share of the waits
    hidden = suppress(values, lines, min_count, ties=[shares], unseen=shares)
    assert hidden == expected
    assert reader(values, lines, hidden, min_count, unseen=shares) == []


def test_without_guards_a_reader_works_them_out() -> None:
    """The brute force finds what the old figures gave away (a check of the check)."""
    for case in (
        "a week: 66 in all, 4 on Telegram",
        "a note and its outcome",
        "four and four make eight: the total goes",
    ):
        values, lines, min_count, _expected = CASES[case]
        small = {ref: SMALL for ref, value in values.items() if 0 < value < min_count}
        assert reader(values, lines, small, min_count) != [], case


def test_random_lines_never_give_a_small_count_away() -> None:
    draw = random.Random(13)
    for _ in range(150):
        parts = {f"p{i}": draw.choice([0, 0, 1, 2, 3, 4, 5, 6, 7, 9, 12]) for i in range(draw.randint(2, 4))}
        values: Values = {"T": sum(parts.values()), **parts}
        lines = [Line("T", tuple(parts))]
        hidden = suppress(values, lines, 5)
        assert reader(values, lines, hidden, 5) == [], values
        assert all(kind == GUARD or 0 < values[ref] < 5 for ref, kind in hidden.items())
        if not any(0 < value < 5 for value in values.values()):
            assert hidden == {}, values  # nothing hidden that need not be


FIRST, LAST = date(2026, 11, 9), date(2026, 11, 22)  # two weeks from a Monday
TUESDAY, NEXT_TUESDAY = date(2026, 11, 10), date(2026, 11, 17)


async def seed(database: AsyncEngine) -> None:
    note = Tally("handoff_outcome", role="ouder", theme="pesten", node="witte_vlek")
    async with database.begin() as conn:
        await add(conn, [Tally("started", channel="web", locale="nl")] * 40, TUESDAY)
        await add(conn, [Tally("started", channel="telegram", locale="nl")] * 3, TUESDAY)
        await add(conn, [Tally("started", channel="web", locale="nl")] * 20, NEXT_TUESDAY)
        await add(conn, [Tally("started", channel="web", locale="en")] * 2, NEXT_TUESDAY)
        await add(conn, [Tally("crisis", node="suicide")] * 7, TUESDAY)
        await add(conn, [Tally("crisis", node="violence")] * 2, TUESDAY)
        await add(conn, [Tally("handoff_claimed", node="open", detail="0-1")] * 12, TUESDAY)
        await add(conn, [Tally("handoff_claimed", node="open", detail="1-2")] * 2, TUESDAY)
        await add(conn, [Tally("handoff_claimed", node="open", detail="5-10")] * 6, TUESDAY)
        await add(conn, [Tally("handoff_claimed", node="after_hours", detail="0-1")] * 5, TUESDAY)
        await add(conn, [Tally("handoff_outcome", node="information")] * 9, TUESDAY)
        await add(conn, [replace(note, detail="Geen plek")] * 6, TUESDAY)
        await add(conn, [replace(note, detail="Te ver weg")] * 2, TUESDAY)
        await add(conn, [Tally("organisation", node="leraar")] * 9, TUESDAY)
        await add(conn, [Tally("organisation", node="kindertelefoon")] * 3, TUESDAY)
        await add(conn, [Tally("organisation", node="nood_112")] * 2, TUESDAY)


def shown(found: Figures, key: str) -> list[list[str]]:
    return [[str(cell) for cell in row] for row in found.table(key).rows]


async def test_no_hidden_count_can_be_worked_out_from_any_table_or_total(
    sqlite_database: AsyncEngine, real_dialog: Dialog
) -> None:
    await seed(sqlite_database)
    found = await figures(sqlite_database, real_dialog, FIRST, LAST, 5)
    assert worked_out(found) == []

    summary = dict(found.summary)
    assert (summary["Gesprekken begonnen"], summary["Crisissignalen"], summary["Opgepakt door een mens"]) == (
        "65",
        "9",
        "25",
    )
    assert shown(found, "per_week") == [
        [week_of(FIRST), "43", "< 5", "verborgen"],  # 43 - 40 would be the 3 on Telegram
        [week_of(NEXT_TUESDAY), "22", "0", "22"],  # nothing small: all shown
    ]
    assert shown(found, "languages") == [["Nederlands", "verborgen", "0"], ["Engels", "< 5", "0"]]
    assert shown(found, "crisis") == [["Denkt aan zelfmoord", "verborgen"], ["Geweld of gevaar, nu", "< 5"]]
    waits = {row[0]: row[1:] for row in shown(found, "waits")}
    assert (
        waits["0-1 min"] == ["verborgen", "5"] and waits["1-2 min"] == ["< 5", "0"] and waits["5-10 min"] == ["6", "0"]
    )
    assert summary["Binnen 5 minuten opgepakt"] == "70%"  # 14 of 20: the hidden two are both fast
    assert summary["Wachttijd binnen openingstijd, mediaan"] == "0-1 minuten"
    assert shown(found, "handoff_outcomes") == [
        ["Informatie gegeven", "9"],
        ["Geen passende organisatie (witte vlek)", "8"],  # 8 = at least 5 + 1 to 4: still more than one way
    ]
    assert [[row[0], row[-1]] for row in shown(found, "witte_vlek_notes")] == [
        ["Geen plek", "verborgen"],
        ["Te ver weg", "< 5"],
    ]

    rows = list(csv.reader(io.StringIO(all_csv(found))))
    assert ["per_week", week_of(FIRST), "43", "< 5", "verborgen"] in rows
    assert ["waits", "0-1 min", "verborgen", "5"] in rows
    assert not any(cell in ("40", "12", "63", "7") for line in rows for cell in line[1:])
    tables = {table["key"]: table["rows"] for table in json.loads(as_json(found))["tables"]}
    assert tables["per_week"][0] == [week_of(FIRST), 43, "< 5", "verborgen"]
    assert tables["crisis"] == [["Denkt aan zelfmoord", "verborgen"], ["Geweld of gevaar, nu", "< 5"]]


async def test_hidden_rows_come_last_in_a_fixed_order(sqlite_database: AsyncEngine, real_dialog: Dialog) -> None:
    """Ranked by the shown count; the hidden ones by name, so 3 and 2 give the same order as 2 and 3."""
    await seed(sqlite_database)
    found = await figures(sqlite_database, real_dialog, FIRST, LAST, 5)
    leraar = real_dialog.organisation("leraar").name
    assert shown(found, "organisations") == [[leraar, "9"], ["112", "< 5"], ["Kindertelefoon", "< 5"]]


async def test_a_median_that_would_give_small_waits_away_is_hidden(
    sqlite_database: AsyncEngine, real_dialog: Dialog
) -> None:
    """4 and 4 picked up: "8 picked up" with "median 0-1 minutes" says the first is at least 4, so exactly 4."""
    async with sqlite_database.begin() as conn:
        await add(conn, [Tally("handoff_claimed", node="open", detail="0-1")] * 4, TUESDAY)
        await add(conn, [Tally("handoff_claimed", node="open", detail="1-2")] * 4, TUESDAY)
    found = await figures(sqlite_database, real_dialog, TUESDAY, TUESDAY, 5)
    assert worked_out(found) == []
    summary = dict(found.summary)
    assert summary["Opgepakt door een mens"] == "verborgen"
    assert summary["Wachttijd binnen openingstijd, mediaan"] == "verborgen"
    assert summary["Wachttijd binnen openingstijd, 90e percentiel"] == "verborgen"
    assert summary["Binnen 5 minuten opgepakt"] == "verborgen"
    assert shown(found, "waits")[:2] == [["0-1 min", "< 5", "0"], ["1-2 min", "< 5", "0"]]
