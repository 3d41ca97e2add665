"""The raw tables of a period, read from ``monitoring_counts``: counts, not yet suppressed.

Each table is a ``Draft``; ``bot.monitoring.figures`` hides the small counts in it before anyone sees it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialogs.dialog import Dialog
from bot.monitoring import labels
from bot.monitoring.suppression import Ref
from storage.monitoring import WAIT_BUCKETS, per_day, sums

DROP_OFF_ROWS = 25

Raw = str | int  # a cell before suppression: a count is still a number


@dataclass(frozen=True, slots=True)
class Draft:
    """A table before suppression; ``rank``: the count column its rows are sorted by (largest first)."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Raw, ...], ...]
    chart: int | None = None
    note: str = ""
    rank: int | None = None
    limit: int | None = None

    def column(self, index: int) -> tuple[Ref, ...]:
        return tuple((self.key, row, index) for row in range(len(self.rows)))


def week_of(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    monday = day - timedelta(days=day.weekday())
    return f"{year}-W{week:02d} ({monday.isoformat()})"


async def per_week(engine: AsyncEngine, start: date, end: date) -> Draft:
    days = await per_day(engine, start, end, "started", ("channel",))
    channels = sorted({channel for _day, channel in days}, key=lambda c: labels.word(labels.CHANNELS, c))
    weeks: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    day = start - timedelta(days=start.weekday())
    while day <= end:  # every week of the period, also the empty ones
        weeks[week_of(day)]
        day += timedelta(days=7)
    for (day, channel), number in days.items():
        weeks[week_of(day)][channel] += number
    rows: tuple[tuple[Raw, ...], ...] = tuple(
        (week, sum(by.values()), *(by[channel] for channel in channels)) for week, by in sorted(weeks.items())
    )
    columns = ("Week", "Gesprekken", *(labels.word(labels.CHANNELS, channel) for channel in channels))
    return Draft("per_week", "Gesprekken per week en kanaal", columns, rows, chart=1)


async def languages(engine: AsyncEngine, start: date, end: date) -> Draft:
    started = await sums(engine, start, end, "started", ("locale",))
    chosen = await sums(engine, start, end, "language", ("locale",))
    locales = {key[0] for key in (*started, *chosen)}
    rows = tuple(
        (labels.word(labels.LANGUAGES, locale), started.get((locale,), 0), chosen.get((locale,), 0))
        for locale in _ordered(locales, labels.LANGUAGES)
    )
    return Draft(
        "languages",
        "Talen",
        ("Taal", "Begonnen in deze taal", "Gekozen tijdens het gesprek"),
        rows,
        chart=2,
        note="Het gesprek begint in het Nederlands; wie een andere taal kiest, telt in de laatste kolom.",
    )


async def role_theme(engine: AsyncEngine, start: date, end: date) -> Draft:
    found = await sums(engine, start, end, "theme", ("role", "theme"))
    roles = _ordered({role for role, _theme in found}, labels.ROLES)
    themes = _ordered({theme for _role, theme in found}, labels.THEMES)
    rows: tuple[tuple[Raw, ...], ...] = tuple(
        (labels.word(labels.ROLES, role), *(found.get((role, theme), 0) for theme in themes)) for role in roles
    )
    columns = ("Wie", *(labels.word(labels.THEMES, theme) for theme in themes))
    return Draft("role_theme", "Wie en welk onderwerp", columns, rows)


async def stages(engine: AsyncEngine, start: date, end: date) -> Draft:
    found = await sums(engine, start, end, "stage", ("stage",))
    rows = tuple(
        (labels.word(labels.STAGES, stage), found[(stage,)])
        for stage in _ordered({key[0] for key in found}, labels.STAGES)
    )
    return Draft("stages", "Hoe ver zijn mensen al", ("Stap", "Aantal"), rows, chart=1)


async def organisations(engine: AsyncEngine, dialog: Dialog, start: date, end: date) -> Draft:
    found = await sums(engine, start, end, "organisation", ("node",))
    rows = tuple((_organisation(dialog, org), number) for (org,), number in found.items())
    return Draft("organisations", "Uitkomsten per organisatie", ("Organisatie", "Keer getoond"), rows, 1, rank=1)


async def referrals(engine: AsyncEngine, dialog: Dialog, start: date, end: date) -> Draft:
    found = await sums(engine, start, end, "referral", ("node", "detail"))
    organisations = sorted({org for org, _outcome in found}, key=lambda org: _organisation(dialog, org))
    outcomes = _ordered({outcome for _org, outcome in found}, labels.REFERRALS)
    rows: tuple[tuple[Raw, ...], ...] = tuple(
        (_organisation(dialog, org), *(found.get((org, outcome), 0) for outcome in outcomes)) for org in organisations
    )
    columns = ("Organisatie", *(labels.word(labels.REFERRALS, outcome) for outcome in outcomes))
    return Draft("referrals", "Warme doorverwijzingen per organisatie", columns, rows)


async def callbacks(engine: AsyncEngine, start: date, end: date) -> Draft:
    requested = await sums(engine, start, end, "callback_requested", ("node",))
    closed = await sums(engine, start, end, "callback_closed", ("node",))
    rows: list[tuple[Raw, ...]] = [
        (f"Gevraagd: {labels.word(labels.DAY_PARTS, part).lower()}", number)
        for (part,), number in sorted(requested.items())
    ]
    rows += [
        (f"Afgesloten: {labels.word(labels.CALLBACKS, state).lower()}", number)
        for (state,), number in sorted(closed.items())
    ]
    return Draft("callbacks", "Terugbelverzoeken", ("Wat", "Aantal"), tuple(rows), chart=1)


async def drop_off(engine: AsyncEngine, dialog: Dialog, start: date, end: date) -> Draft:
    found = await sums(engine, start, end, "stopped", ("node",))
    rows = tuple((_node(dialog, node), _kind(dialog, node), number) for (node,), number in found.items())
    return Draft(
        "drop_off",
        "Waar mensen stoppen",
        ("Laatste scherm", "Soort", "Aantal"),
        rows,
        chart=2,
        note="Het laatste scherm voor 24 uur stilte, of waar iemand op 'stop' drukte. Eén keer per gesprek.",
        rank=2,
        limit=DROP_OFF_ROWS,
    )


def wait_table(claimed: dict[tuple[str, ...], int]) -> Draft:
    rows = tuple(
        (f"{label} min", claimed.get(("open", label), 0), claimed.get(("after_hours", label), 0))
        for _edge, label in WAIT_BUCKETS
    )
    columns = ("Wachttijd", labels.OPENING["open"], labels.OPENING["after_hours"])
    return Draft("waits", "Hoe lang wachtten mensen op een mens", columns, rows, chart=1)


async def handoff_outcomes(engine: AsyncEngine, start: date, end: date) -> Draft:
    found = await sums(engine, start, end, "handoff_outcome", ("node",))
    rows = tuple((labels.word(labels.HANDOFF_OUTCOMES, code), number) for (code,), number in found.items())
    title = "Hoe gesprekken met een mens eindigden"
    return Draft("handoff_outcomes", title, ("Uitkomst", "Aantal"), rows, chart=1, rank=1)


async def crisis(engine: AsyncEngine, start: date, end: date) -> Draft:
    found = await sums(engine, start, end, "crisis", ("node",))
    rows = tuple((labels.word(labels.CRISIS, kind), number) for (kind,), number in found.items())
    return Draft("crisis", "Crisissignalen in getypte tekst", ("Soort", "Aantal"), rows, chart=1, rank=1)


async def witte_vlekken(engine: AsyncEngine, dialog: Dialog, start: date, end: date) -> Draft:
    found = await sums(engine, start, end, "witte_vlek", ("node", "role", "theme"))
    rows = tuple(
        (_node(dialog, node), labels.word(labels.ROLES, role), labels.word(labels.THEMES, theme), number)
        for (node, role, theme), number in found.items()
    )
    return Draft(
        "witte_vlekken",
        "Witte vlekken: 'iets anders' en 'dit past niet'",
        ("Keuze", "Wie", "Onderwerp", "Aantal"),
        rows,
        chart=3,
        rank=3,
    )


async def notes(engine: AsyncEngine, start: date, end: date) -> Draft:
    found = await sums(engine, start, end, "handoff_outcome", ("node", "role", "theme", "detail"))
    rows = tuple(
        (detail or "(geen notitie)", labels.word(labels.ROLES, role), labels.word(labels.THEMES, theme), number)
        for (code, role, theme, detail), number in found.items()
        if code == "witte_vlek"
    )
    return Draft(
        "witte_vlek_notes",
        "Witte vlekken volgens de medewerkers",
        ("Notitie van de medewerker", "Wie", "Onderwerp", "Aantal"),
        rows,
        note="Gesprekken die een medewerker afsloot met 'geen passende organisatie', met de korte notitie erbij.",
        rank=3,
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
