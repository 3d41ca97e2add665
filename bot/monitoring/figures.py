"""The monitoring figures of a period, as tables: for the console page, its CSV files and ``wegwijzer stats export``.

Every count below ``min_count`` is suppressed here, once, as ``Count(None)`` shown as "< 5": the page, the CSV
and the export only ever see what this module lets through, so no single person can be recognised in a small
group. A share or a median over fewer than ``min_count`` is not given either. There are no total rows: a total
beside suppressed cells would give them away.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialogs.dialog import Dialog
from bot.monitoring import labels
from storage.monitoring import WAIT_BUCKETS, per_day, sums

TOO_FEW = "te weinig gegevens"
WITHIN = 5  # minutes: the share of requests a person answered this fast
DROP_OFF_ROWS = 25


@dataclass(frozen=True, slots=True)
class Count:
    """A count as it may be shown: ``value`` None when it was below ``min_count`` (``shown`` says "< 5")."""

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
    """Turns numbers into ``Count``s, suppressing the small ones."""

    def __init__(self, min_count: int) -> None:
        self.min_count = min_count

    def __call__(self, value: int) -> Count:
        if value == 0:
            return Count(0, "0")
        if value < self.min_count:
            return Count(None, f"< {self.min_count}")
        return Count(value, str(value))


async def figures(engine: AsyncEngine, dialog: Dialog, start: date, end: date, min_count: int) -> Figures:
    """All figures from ``start`` to ``end`` (both days included)."""
    count = Counter(min_count)
    started = await sums(engine, start, end, "started", ("channel",))
    requested = await sums(engine, start, end, "handoff_requested", ("detail",))
    claimed = await sums(engine, start, end, "handoff_claimed", ("node", "detail"))
    waits = _waits(claimed, min_count)
    summary = (
        ("Gesprekken begonnen", str(count(sum(started.values())))),
        ("Vroegen om een mens", str(count(sum(requested.values())))),
        ("Opgepakt door een mens", str(count(sum(claimed.values())))),
        ("Wachttijd binnen openingstijd, mediaan", waits.median),
        ("Wachttijd binnen openingstijd, 90e percentiel", waits.p90),
        (f"Binnen {WITHIN} minuten opgepakt", waits.within),
        ("Crisissignalen", str(count(sum((await sums(engine, start, end, "crisis")).values())))),
        (
            "Gesprekken gewist door de gebruiker",
            str(count(sum((await sums(engine, start, end, "forgotten")).values()))),
        ),
    )
    tables = (
        await _per_week(engine, start, end, count),
        await _languages(engine, start, end, count),
        await _role_theme(engine, start, end, count),
        await _stages(engine, start, end, count),
        await _organisations(engine, dialog, start, end, count),
        await _referrals(engine, dialog, start, end, count),
        await _callbacks(engine, start, end, count),
        await _drop_off(engine, dialog, start, end, count),
        _wait_table(claimed, count),
        await _handoff_outcomes(engine, start, end, count),
        await _crisis(engine, start, end, count),
        await _witte_vlekken(engine, dialog, start, end, count),
        await _notes(engine, start, end, count),
    )
    return Figures(start, end, min_count, summary, tables)


def week_of(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    monday = day - timedelta(days=day.weekday())
    return f"{year}-W{week:02d} ({monday.isoformat()})"


async def _per_week(engine: AsyncEngine, start: date, end: date, count: Counter) -> Table:
    days = await per_day(engine, start, end, "started", ("channel",))
    channels = sorted({channel for _day, channel in days}, key=lambda c: labels.word(labels.CHANNELS, c))
    weeks: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    day = start - timedelta(days=start.weekday())
    while day <= end:  # every week of the period, also the empty ones
        weeks[week_of(day)]
        day += timedelta(days=7)
    for (day, channel), number in days.items():
        weeks[week_of(day)][channel] += number
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        (week, count(sum(by.values())), *(count(by[channel]) for channel in channels))
        for week, by in sorted(weeks.items())
    )
    columns = ("Week", "Gesprekken", *(labels.word(labels.CHANNELS, channel) for channel in channels))
    return Table("per_week", "Gesprekken per week en kanaal", columns, rows, chart=1)


async def _languages(engine: AsyncEngine, start: date, end: date, count: Counter) -> Table:
    started = await sums(engine, start, end, "started", ("locale",))
    chosen = await sums(engine, start, end, "language", ("locale",))
    locales = {key[0] for key in (*started, *chosen)}
    rows = tuple(
        (labels.word(labels.LANGUAGES, locale), count(started.get((locale,), 0)), count(chosen.get((locale,), 0)))
        for locale in _ordered(locales, labels.LANGUAGES)
    )
    return Table(
        "languages",
        "Talen",
        ("Taal", "Begonnen in deze taal", "Gekozen tijdens het gesprek"),
        rows,
        chart=2,
        note="Het gesprek begint in het Nederlands; wie een andere taal kiest, telt in de laatste kolom.",
    )


async def _role_theme(engine: AsyncEngine, start: date, end: date, count: Counter) -> Table:
    found = await sums(engine, start, end, "theme", ("role", "theme"))
    roles = _ordered({role for role, _theme in found}, labels.ROLES)
    themes = _ordered({theme for _role, theme in found}, labels.THEMES)
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        (labels.word(labels.ROLES, role), *(count(found.get((role, theme), 0)) for theme in themes)) for role in roles
    )
    columns = ("Wie", *(labels.word(labels.THEMES, theme) for theme in themes))
    return Table("role_theme", "Wie en welk onderwerp", columns, rows)


async def _stages(engine: AsyncEngine, start: date, end: date, count: Counter) -> Table:
    found = await sums(engine, start, end, "stage", ("stage",))
    rows = tuple(
        (labels.word(labels.STAGES, stage), count(found[(stage,)]))
        for stage in _ordered({key[0] for key in found}, labels.STAGES)
    )
    return Table("stages", "Hoe ver zijn mensen al", ("Stap", "Aantal"), rows, chart=1)


async def _organisations(engine: AsyncEngine, dialog: Dialog, start: date, end: date, count: Counter) -> Table:
    found = await sums(engine, start, end, "organisation", ("node",))
    rows = tuple(
        (_organisation(dialog, org), count(number))
        for (org,), number in sorted(found.items(), key=lambda item: (-item[1], item[0]))
    )
    return Table("organisations", "Uitkomsten per organisatie", ("Organisatie", "Keer getoond"), rows, chart=1)


async def _referrals(engine: AsyncEngine, dialog: Dialog, start: date, end: date, count: Counter) -> Table:
    found = await sums(engine, start, end, "referral", ("node", "detail"))
    organisations = sorted({org for org, _outcome in found}, key=lambda org: _organisation(dialog, org))
    outcomes = _ordered({outcome for _org, outcome in found}, labels.REFERRALS)
    rows: tuple[tuple[Cell, ...], ...] = tuple(
        (_organisation(dialog, org), *(count(found.get((org, outcome), 0)) for outcome in outcomes))
        for org in organisations
    )
    columns = ("Organisatie", *(labels.word(labels.REFERRALS, outcome) for outcome in outcomes))
    return Table("referrals", "Warme doorverwijzingen per organisatie", columns, rows)


async def _callbacks(engine: AsyncEngine, start: date, end: date, count: Counter) -> Table:
    requested = await sums(engine, start, end, "callback_requested", ("node",))
    closed = await sums(engine, start, end, "callback_closed", ("node",))
    rows: list[tuple[Cell, ...]] = [
        (f"Gevraagd: {labels.word(labels.DAY_PARTS, part).lower()}", count(number))
        for (part,), number in sorted(requested.items())
    ]
    rows += [
        (f"Afgesloten: {labels.word(labels.CALLBACKS, state).lower()}", count(number))
        for (state,), number in sorted(closed.items())
    ]
    return Table("callbacks", "Terugbelverzoeken", ("Wat", "Aantal"), tuple(rows), chart=1)


async def _drop_off(engine: AsyncEngine, dialog: Dialog, start: date, end: date, count: Counter) -> Table:
    found = await sums(engine, start, end, "stopped", ("node",))
    ranked = sorted(found.items(), key=lambda item: (-item[1], item[0]))[:DROP_OFF_ROWS]
    rows = tuple((_node(dialog, node), _kind(dialog, node), count(number)) for (node,), number in ranked)
    return Table(
        "drop_off",
        "Waar mensen stoppen",
        ("Laatste scherm", "Soort", "Aantal"),
        rows,
        chart=2,
        note="Het laatste scherm voor 24 uur stilte, of waar iemand op 'stop' drukte. Eén keer per gesprek.",
    )


@dataclass(frozen=True, slots=True)
class _Waits:
    median: str
    p90: str
    within: str


def _waits(claimed: dict[tuple[str, ...], int], min_count: int) -> _Waits:
    """Median and 90th percentile as the bucket they fall in, and the share within ``WITHIN`` minutes; requests
    made inside opening hours only (a message left at night waits for the morning by design)."""
    buckets = [claimed.get(("open", label), 0) for _edge, label in WAIT_BUCKETS]
    total = sum(buckets)
    if total < min_count:
        return _Waits(TOO_FEW, TOO_FEW, TOO_FEW)
    fast = sum(number for (edge, _label), number in zip(WAIT_BUCKETS, buckets, strict=True) if edge < WITHIN)
    return _Waits(_bucket_at(buckets, total * 0.5), _bucket_at(buckets, total * 0.9), f"{round(100 * fast / total)}%")


def _bucket_at(buckets: Sequence[int], rank: float) -> str:
    seen = 0
    for (_edge, label), number in zip(WAIT_BUCKETS, buckets, strict=True):
        seen += number
        if seen >= rank:
            return f"{label} minuten"
    return f"{WAIT_BUCKETS[-1][1]} minuten"


def _wait_table(claimed: dict[tuple[str, ...], int], count: Counter) -> Table:
    rows = tuple(
        (
            f"{label} min",
            count(claimed.get(("open", label), 0)),
            count(claimed.get(("after_hours", label), 0)),
        )
        for _edge, label in WAIT_BUCKETS
    )
    columns = ("Wachttijd", labels.OPENING["open"], labels.OPENING["after_hours"])
    return Table("waits", "Hoe lang wachtten mensen op een mens", columns, rows, chart=1)


async def _handoff_outcomes(engine: AsyncEngine, start: date, end: date, count: Counter) -> Table:
    found = await sums(engine, start, end, "handoff_outcome", ("node",))
    rows = tuple(
        (labels.word(labels.HANDOFF_OUTCOMES, code), count(number))
        for (code,), number in sorted(found.items(), key=lambda item: (-item[1], item[0]))
    )
    return Table("handoff_outcomes", "Hoe gesprekken met een mens eindigden", ("Uitkomst", "Aantal"), rows, chart=1)


async def _crisis(engine: AsyncEngine, start: date, end: date, count: Counter) -> Table:
    found = await sums(engine, start, end, "crisis", ("node",))
    rows = tuple(
        (labels.word(labels.CRISIS, kind), count(number))
        for (kind,), number in sorted(found.items(), key=lambda item: (-item[1], item[0]))
    )
    return Table("crisis", "Crisissignalen in getypte tekst", ("Soort", "Aantal"), rows, chart=1)


async def _witte_vlekken(engine: AsyncEngine, dialog: Dialog, start: date, end: date, count: Counter) -> Table:
    found = await sums(engine, start, end, "witte_vlek", ("node", "role", "theme"))
    rows = tuple(
        (
            _node(dialog, node),
            labels.word(labels.ROLES, role),
            labels.word(labels.THEMES, theme),
            count(number),
        )
        for (node, role, theme), number in sorted(found.items(), key=lambda item: (-item[1], item[0]))
    )
    return Table(
        "witte_vlekken",
        "Witte vlekken: 'iets anders' en 'dit past niet'",
        ("Keuze", "Wie", "Onderwerp", "Aantal"),
        rows,
        chart=3,
    )


async def _notes(engine: AsyncEngine, start: date, end: date, count: Counter) -> Table:
    found = await sums(engine, start, end, "handoff_outcome", ("node", "role", "theme", "detail"))
    notes = [
        (detail, role, theme, number) for (code, role, theme, detail), number in found.items() if code == "witte_vlek"
    ]
    rows = tuple(
        (detail or "(geen notitie)", labels.word(labels.ROLES, role), labels.word(labels.THEMES, theme), count(n))
        for detail, role, theme, n in sorted(notes, key=lambda item: (-item[3], item[0]))
    )
    return Table(
        "witte_vlek_notes",
        "Witte vlekken volgens de medewerkers",
        ("Notitie van de medewerker", "Wie", "Onderwerp", "Aantal"),
        rows,
        note="Gesprekken die een medewerker afsloot met 'geen passende organisatie', met de korte notitie erbij.",
    )


def _ordered(values: Iterable[str], words: dict[str, str]) -> list[str]:
    """Known values in the order of ``words``, then new ones alphabetically."""
    known = [value for value in words if value in set(values)]
    return known + sorted(set(values) - set(words))


def _organisation(dialog: Dialog, org_id: str) -> str:
    try:
        return dialog.organisation(org_id).name
    except KeyError:
        return org_id


def _node(dialog: Dialog, node_id: str) -> str:
    """A screen by its first line of Dutch text (and its id, for whoever edits the tree)."""
    if not dialog.has(node_id):
        return node_id
    first = dialog.node(node_id).text.strip().splitlines()[0]
    return f"{first} ({node_id})"


def _kind(dialog: Dialog, node_id: str) -> str:
    if not dialog.has(node_id):
        return "niet meer in de boom"
    return {"question": "vraag", "outcome": "advies", "handoff": "naar een mens"}[dialog.node(node_id).type]
