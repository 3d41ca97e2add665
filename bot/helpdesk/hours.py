"""Opening hours of the chat-ondersteuning: weekday hours, holidays, one time zone (Europe/Amsterdam).

Settings hold them as text (``"mon 09:00-17:00"``, ``"2026-12-25"``); this module parses them once and
answers two questions for any moment: is the helpdesk open now, and when does it open next.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time

logger = logging.getLogger(__name__)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class Span:
    """Open on ``weekday`` (0 = Monday) from ``start`` up to ``end`` minutes after midnight."""

    weekday: int
    start: int
    end: int


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{name}' is not a known time zone (e.g. Europe/Amsterdam)") from None
    return name


def parse_hours(lines: Iterable[str]) -> tuple[Span, ...]:
    """Parse ``"mon 09:00-17:00"`` lines; raise ValueError naming the first bad one."""
    spans = []
    for line in lines:
        found = _SPAN.match(line.strip().lower())
        if found is None:
            raise ValueError(f"'{line}' is not like 'mon 09:00-17:00'")
        day, h1, m1, h2, m2 = found.groups()
        start, end = int(h1) * 60 + int(m1), int(h2) * 60 + int(m2)
        if int(m1) > 59 or int(m2) > 59 or not 0 <= start < end <= MINUTES_PER_DAY:
            raise ValueError(f"'{line}' does not have a start time before its end time")
        spans.append(Span(DAYS.index(day), start, end))
    return tuple(spans)


def parse_holidays(lines: Iterable[str]) -> frozenset[date]:
    days = set()
    for line in lines:
        try:
            days.add(date.fromisoformat(line.strip()))
        except ValueError:
            raise ValueError(f"'{line}' is not a date like 2026-12-25") from None
    return frozenset(days)


class OpeningHours:
    """When people of the chat-ondersteuning are there. Every method takes an aware ``now``."""

    def __init__(self, hours: Iterable[str], holidays: Iterable[str], timezone: str = "Europe/Amsterdam") -> None:
        self.spans = parse_hours(hours)
        self.holidays = parse_holidays(holidays)
        self.zone = ZoneInfo(check_timezone(timezone))

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(self.zone)
        if local.date() in self.holidays:
            return False
        minute = local.hour * 60 + local.minute
        return any(s.weekday == local.weekday() and s.start <= minute < s.end for s in self.spans)

    def next_opening(self, now: datetime) -> datetime | None:
        """The first moment from ``now`` on that the helpdesk is open (``now`` itself when open); None if never."""
        if self.is_open(now):
            return now
        local = now.astimezone(self.zone)
        for offset in range(0, 366 + 7):
            day = local.date() + timedelta(days=offset)
            if day in self.holidays:
                continue
            starts = sorted(s.start for s in self.spans if s.weekday == day.weekday())
            for start in starts:
                moment = datetime.combine(day, time(start // 60, start % 60), tzinfo=self.zone)
                if moment > local:
                    return moment.astimezone(now.tzinfo)
        return None

    def describe(self, moment: datetime, locale: str) -> tuple[str, str]:
        """The day and the time of ``moment`` in the user's language and the helpdesk's time zone.

        E.g. ('vrijdag 27 november 2026', '09:00') for Dutch, ('Friday, November 27, 2026', '9:00 AM') for
        English: Babel's full date (the year keeps it unambiguous) and short time for the locale.
        """
        local = moment.astimezone(self.zone)
        day = str(format_date(local.date(), "full", locale=locale))
        return day, str(format_time(local, "short", tzinfo=self.zone, locale=locale))
