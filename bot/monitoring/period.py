"""The period the monitoring figures cover: two days (both included, UTC), from a form, a link or the command line.

Weeks start on Monday, like the ISO weeks of the figures. The default is the last four full weeks and this week
up to today, so the table per week starts with a whole week. A period longer than ``LONGEST`` days is refused
on the page (it would be slow and is rarely what someone meant); the command line may export any period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

LONGEST = 366  # days, on the console page


class PeriodError(ValueError):
    """A period that cannot be shown; the message is Dutch, for the page."""


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def query(self) -> dict[str, str]:
        """As the page's and the CSV links' ``?from=&to=``."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def parse_day(text: str) -> date | None:
    """A date written as YYYY-MM-DD, or None."""
    text = text.strip()
    if len(text) != 10:  # fromisoformat also takes 20261102 and 2026-W45-1
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def weeks_back(today: date, weeks: int) -> Period:
    """``weeks`` full weeks (Monday to Sunday) before this week, and this week up to ``today``."""
    monday = today - timedelta(days=today.weekday())
    return Period(monday - timedelta(weeks=weeks), today)


def default(today: date) -> Period:
    return weeks_back(today, 4)


def this_month(today: date) -> Period:
    return Period(today.replace(day=1), today)


def last_month(today: date) -> Period:
    last_day = today.replace(day=1) - timedelta(days=1)
    return Period(last_day.replace(day=1), last_day)


def quick(today: date) -> tuple[tuple[str, Period], ...]:
    """The periods offered as links above the form."""
    return (
        ("deze maand", this_month(today)),
        ("vorige maand", last_month(today)),
        ("laatste 12 weken", weeks_back(today, 12)),
    )


def parse(start: str, end: str, longest: int | None = LONGEST) -> Period:
    """The period from ``start`` to ``end`` (YYYY-MM-DD); ``PeriodError`` says in Dutch what is wrong."""
    if not start.strip() or not end.strip():
        raise PeriodError("Vul een begindatum én een einddatum in.")
    first, last = parse_day(start), parse_day(end)
    if first is None or last is None:
        raise PeriodError("Een datum schrijf je als JJJJ-MM-DD, bijvoorbeeld 2026-11-02.")
    if first > last:
        raise PeriodError("De begindatum ligt na de einddatum.")
    period = Period(first, last)
    if longest is not None and period.days > longest:
        raise PeriodError(f"Kies een periode van hoogstens {longest} dagen.")
    return period
