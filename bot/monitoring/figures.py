"""The monitoring figures of a period, as tables: for the console page, its CSV files and ``wegwijzer stats export``.

Every count is hidden here, once, before anyone sees it (``bot.monitoring.suppression``): below ``min_count`` as
"< 5", and where a total beside it would give a small one away, one more as "verborgen". The page, the CSV and
the export only ever see what this module lets through, so no single person can be recognised in a small group.
A share or a median over fewer than ``min_count`` is not given either, nor one that would give a hidden count
away. Rows ranked by their count put the hidden ones last, by name, so their order says nothing about their size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialogs.dialog import Dialog
from bot.monitoring import labels, tables
from bot.monitoring.suppression import GUARD, SMALL, Line, Ref, given_away, suppress
from storage.monitoring import WAIT_BUCKETS, sums

TOO_FEW = "te weinig gegevens"
HIDDEN = "verborgen"  # a count hidden so that a small one beside it cannot be worked out
WITHIN = 5  # minutes: the share of requests a person answered this fast
STARTED = "Gesprekken begonnen"
REQUESTED = "Vroegen om een mens"
CLAIMED = "Opgepakt door een mens"
CRISIS = "Crisissignalen"
FORGOTTEN = "Gesprekken gewist door de gebruiker"
FAST: Ref = ("waits", "fast")  # requests in opening hours answered within WITHIN minutes: behind the share
SLOW: Ref = ("waits", "slow")


@dataclass(frozen=True, slots=True)
class Count:
    """A count as it may be shown: ``value`` None when it is hidden (``shown`` says "< 5" or "verborgen")."""

    value: int | None
    shown: str

    def __str__(self) -> str:
        return self.shown


Cell = str | Count


@dataclass(frozen=True, slots=True)
class Table:
    """One table of figures. ``chart``: the column drawn as bars (a ``Count`` column), None for no chart."""

    key: str  # a name for files: per_week.csv
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    chart: int | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Figures:
    start: date
    end: date
    min_count: int
    summary: tuple[tuple[str, str], ...] = ()
    tables: tuple[Table, ...] = field(default_factory=tuple)

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)


class Counter:
    """Turns numbers into ``Count``s, hiding the small ones (a single count, with no total beside it)."""

    def __init__(self, min_count: int) -> None:
        self.min_count = min_count

    def __call__(self, value: int, hidden: str | None = None) -> Count:
        if hidden == GUARD:
            return Count(None, HIDDEN)
        if value == 0:
            return Count(0, "0")
        if hidden == SMALL or value < self.min_count:
            return Count(None, f"< {self.min_count}")
        return Count(value, str(value))


async def figures(engine: AsyncEngine, dialog: Dialog, start: date, end: date, min_count: int) -> Figures:
    """All figures from ``start`` to ``end`` (both days included)."""
    claimed = await sums(engine, start, end, "handoff_claimed", ("node", "detail"))
    totals = {
        STARTED: sum((await sums(engine, start, end, "started", ("channel",))).values()),
        REQUESTED: sum((await sums(engine, start, end, "handoff_requested", ("detail",))).values()),
        CLAIMED: sum(claimed.values()),
        CRISIS: sum((await sums(engine, start, end, "crisis")).values()),
        FORGOTTEN: sum((await sums(engine, start, end, "forgotten")).values()),
    }
    drafts = (
        await tables.per_week(engine, start, end),
        await tables.languages(engine, start, end),
        await tables.role_theme(engine, start, end),
        await tables.stages(engine, start, end),
        await tables.organisations(engine, dialog, start, end),
        await tables.referrals(engine, dialog, start, end),
        await tables.callbacks(engine, start, end),
        await tables.drop_off(engine, dialog, start, end),
        tables.wait_table(claimed),
        await tables.handoff_outcomes(engine, start, end),
        await tables.crisis(engine, start, end),
        await tables.witte_vlekken(engine, dialog, start, end),
        await tables.notes(engine, start, end),
    )
    values: dict[Ref, int] = {("summary", label): number for label, number in totals.items()}
    for draft in drafts:
        for i, row in enumerate(draft.rows):
            values.update({(draft.key, i, j): cell for j, cell in enumerate(row) if isinstance(cell, int)})
    open_waits = [claimed.get(("open", label), 0) for _edge, label in WAIT_BUCKETS]
    values[FAST] = sum(number for (edge, _), number in zip(WAIT_BUCKETS, open_waits, strict=True) if edge < WITHIN)
    values[SLOW] = sum(open_waits) - values[FAST]
    lines = _lines({draft.key: draft for draft in drafts})
    hidden = suppress(values, lines, min_count, ties=[(FAST, SLOW)], unseen=(FAST, SLOW))

    def same_spread(counts: Mapping[Ref, int]) -> bool:
        moved = [counts[("waits", i, 1)] for i in range(len(WAIT_BUCKETS))]
        return _spread(moved, min_count) == _spread(open_waits, min_count)

    spread_hidden = given_away(values, lines, min_count, hidden, same_spread, unseen=(FAST, SLOW))
    count = Counter(min_count)
    waits = _waits(open_waits, min_count, share_hidden=FAST in hidden, spread_hidden=spread_hidden)
    summary = (
        *(
            (label, str(count(totals[label], hidden.get(("summary", label)))))
            for label in (STARTED, REQUESTED, CLAIMED)
        ),
        ("Wachttijd binnen openingstijd, mediaan", waits.median),
        ("Wachttijd binnen openingstijd, 90e percentiel", waits.p90),
        (f"Binnen {WITHIN} minuten opgepakt", waits.within),
        *((label, str(count(totals[label], hidden.get(("summary", label))))) for label in (CRISIS, FORGOTTEN)),
    )
    return Figures(start, end, min_count, summary, tuple(_finish(draft, hidden, count) for draft in drafts))


def _lines(drafts: dict[str, tables.Draft]) -> list[Line]:
    """Every count that a reader can see is the sum of others: a total beside its parts."""
    weeks, waits = drafts["per_week"], drafts["waits"]
    lines = [
        Line((weeks.key, i, 1), tuple((weeks.key, i, j) for j in range(2, len(row))))
        for i, row in enumerate(weeks.rows)
    ]
    lines += [
        Line(("summary", STARTED), weeks.column(1)),
        Line(("summary", STARTED), drafts["languages"].column(1)),
        Line(("summary", CRISIS), drafts["crisis"].column(1)),
        Line(FAST, tuple((waits.key, i, 1) for i, (edge, _) in enumerate(WAIT_BUCKETS) if edge < WITHIN)),
        Line(SLOW, tuple((waits.key, i, 1) for i, (edge, _) in enumerate(WAIT_BUCKETS) if edge >= WITHIN)),
        Line(("summary", CLAIMED), (FAST, SLOW, *waits.column(2))),
    ]
    outcomes = drafts["handoff_outcomes"]
    witte_vlek = labels.word(labels.HANDOFF_OUTCOMES, "witte_vlek")
    lines += [
        Line((outcomes.key, i, 1), drafts["witte_vlek_notes"].column(3))
        for i, row in enumerate(outcomes.rows)
        if row[0] == witte_vlek
    ]
    return lines


def _finish(draft: tables.Draft, hidden: dict[Ref, str], count: Counter) -> Table:
    """The table as it may be shown: hidden counts hidden, ranked rows sorted without their hidden numbers."""
    rows = [
        tuple(
            count(cell, hidden.get((draft.key, i, j))) if isinstance(cell, int) else cell for j, cell in enumerate(row)
        )
        for i, row in enumerate(draft.rows)
    ]
    if draft.rank is not None:
        rows.sort(key=lambda row: _rank(row, draft.rank or 0))
    return Table(draft.key, draft.title, draft.columns, tuple(rows[: draft.limit]), draft.chart, draft.note)


def _rank(row: tuple[Cell, ...], column: int) -> tuple[int, int, tuple[str, ...]]:
    """Shown counts from large to small, then the hidden ones; equals by their words."""
    cell = row[column]
    value = cell.value if isinstance(cell, Count) else None
    words = tuple(str(cell) for cell in row if not isinstance(cell, Count))
    return (1, 0, words) if value is None else (0, -value, words)


@dataclass(frozen=True, slots=True)
class _Waits:
    median: str
    p90: str
    within: str


def _waits(buckets: Sequence[int], min_count: int, share_hidden: bool, spread_hidden: bool) -> _Waits:
    """Median and 90th percentile as the bucket they fall in, and the share within ``WITHIN`` minutes, each hidden
    when it would give a hidden count away; requests made inside opening hours only (a message left at night
    waits for the morning by design)."""
    median, p90 = (HIDDEN, HIDDEN) if spread_hidden else _spread(buckets, min_count)
    total = sum(buckets)
    if total < min_count:
        return _Waits(median, p90, TOO_FEW)
    fast = sum(number for (edge, _label), number in zip(WAIT_BUCKETS, buckets, strict=True) if edge < WITHIN)
    return _Waits(median, p90, HIDDEN if share_hidden else f"{round(100 * fast / total)}%")


def _spread(buckets: Sequence[int], min_count: int) -> tuple[str, str]:
    """The buckets of the median and the 90th percentile."""
    total = sum(buckets)
    if total < min_count:
        return TOO_FEW, TOO_FEW
    return _bucket_at(buckets, total * 0.5), _bucket_at(buckets, total * 0.9)


def _bucket_at(buckets: Sequence[int], rank: float) -> str:
    seen = 0
    for (_edge, label), number in zip(WAIT_BUCKETS, buckets, strict=True):
        seen += number
        if seen >= rank:
            return f"{label} minuten"
    return f"{WAIT_BUCKETS[-1][1]} minuten"
