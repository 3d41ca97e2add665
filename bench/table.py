"""One table for ``make bench``: every benchmark returns rows, ``python -m bench`` prints them together.

A row is one measure, with its result on SQLite and on PostgreSQL side by side (``""`` where a measure has
no database, ``"n/a"`` where it was not run on that one), the goal, and whether the goal is met. A result
measured several times is written as its median with the spread (lowest–highest) of the repeats.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

HEADERS = ("benchmark", "measure", "SQLite", "PostgreSQL", "goal", "met")


@dataclass(frozen=True)
class Row:
    benchmark: str
    measure: str
    sqlite: str
    postgres: str = ""
    goal: str = ""
    met: str = ""  # "yes", "no" or "" (no goal)

    def cells(self) -> tuple[str, ...]:
        return (self.benchmark, self.measure, self.sqlite, self.postgres, self.goal, self.met)


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` (0–1) percentile by the nearest-rank method; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def spread(repeats: Sequence[float], fmt: str = "{:,.1f}") -> str:
    """``median (lowest–highest)`` of repeated results, or the one result."""
    if not repeats:
        return "n/a"
    if len(repeats) == 1:
        return fmt.format(repeats[0])
    low, high = min(repeats), max(repeats)
    return f"{fmt.format(statistics.median(repeats))} ({fmt.format(low)}–{fmt.format(high)})"


def verdict(medians: Sequence[float], ok: Callable[[float], bool]) -> str:
    """``yes`` when every database's median meets the goal, ``no`` when one does not, ``""`` with no results."""
    if not medians:
        return ""
    return "yes" if all(ok(value) for value in medians) else "no"


def render(rows: Sequence[Row]) -> str:
    widths = [max(len(cells[i]) for cells in [HEADERS, *(r.cells() for r in rows)]) for i in range(len(HEADERS))]
    rule = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    lines = [rule, "| " + " | ".join(h.ljust(w) for h, w in zip(HEADERS, widths, strict=True)) + " |", rule]
    group = None
    for row in rows:
        if group is not None and row.benchmark != group:
            lines.append(rule)
        group = row.benchmark
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row.cells(), widths, strict=True)) + " |")
    lines.append(rule)
    return "\n".join(lines)
