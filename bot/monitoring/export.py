"""The monitoring figures as CSV (one table, or all in one file) and as JSON: only what ``Figures`` lets through.

A suppressed count is written as it is shown ("< 5"), never as a number; nothing here counts or adds up.
CSV cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return; an
agent's note is free text) get a leading apostrophe, so they open as text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from bot.monitoring.figures import Cell, Count, Figures, Table

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SUMMARY_KEY = "summary"
SUMMARY_COLUMNS = ("Cijfer", "Waarde")


def safe(text: str) -> str:
    """``text`` as a spreadsheet shows it, never as a formula it runs."""
    return "'" + text if text.startswith(FORMULA_START) else text


def table_csv(table: Table) -> str:
    """One table: its columns as the header row, then its rows; a suppressed count as "< 5"."""
    return _csv([table.columns, *table.rows])


def all_csv(figures: Figures) -> str:
    """Every table in one file, each as a header row and its rows, with the table's key in a first ``table`` column.

    The summary comes first, as the table ``summary`` (Cijfer, Waarde).
    """
    lines: list[Sequence[Cell]] = [("table", *SUMMARY_COLUMNS)]
    lines += [(SUMMARY_KEY, label, shown) for label, shown in figures.summary]
    for table in figures.tables:
        lines.append(("table", *table.columns))
        lines += [(table.key, *row) for row in table.rows]
    return _csv(lines)


def as_json(figures: Figures) -> str:
    """All figures as JSON: a count as a number, a suppressed one as the text "< 5"."""
    data: dict[str, Any] = {
        "from": figures.start.isoformat(),
        "to": figures.end.isoformat(),
        "min_count": figures.min_count,
        "summary": dict(figures.summary),
        "tables": [
            {
                "key": table.key,
                "title": table.title,
                "columns": list(table.columns),
                "rows": [[_json_cell(cell) for cell in row] for row in table.rows],
            }
            for table in figures.tables
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _json_cell(cell: Cell) -> str | int:
    if isinstance(cell, Count):
        return cell.shown if cell.value is None else cell.value
    return cell


def _csv(lines: Iterable[Sequence[Cell]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([safe(str(cell)) for cell in line] for line in lines)
    return out.getvalue()
