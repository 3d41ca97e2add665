"""Parts of the day a user may ask to be called back in, measured against the opening hours (``hours``).

Only parts in which the chat-ondersteuning is open some day are offered (with 9-to-5 hours: morning and
afternoon, never evening), so we never promise a call at a time nobody is there; "any" is always offered.
``earliest`` is the first moment from now on that someone can call in the chosen part: what the confirmation
tells the user.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.helpdesk.hours import MINUTES_PER_DAY, OpeningHours, Span

MORNING, AFTERNOON, EVENING, ANY = "morning", "afternoon", "evening", "any"
# Minutes after midnight, local time of the helpdesk: [start, end).
WINDOWS = {
    MORNING: (6 * 60, 12 * 60),
    AFTERNOON: (12 * 60, 18 * 60),
    EVENING: (18 * 60, MINUTES_PER_DAY),
    ANY: (0, MINUTES_PER_DAY),
}
PARTS = (MORNING, AFTERNOON, EVENING, ANY)
LOOK_AHEAD_DAYS = 366 + 7


def offered(hours: OpeningHours) -> tuple[str, ...]:
    """The parts of the day in which the helpdesk is open at least some day, then "any"."""
    return tuple(part for part in PARTS if part == ANY or any(_overlap(span, part) for span in hours.spans))


def earliest(hours: OpeningHours, part: str, now: datetime) -> datetime | None:
    """The first moment from ``now`` on that the helpdesk is open within ``part`` (``now`` itself when it is);
    None when that never happens (no opening hours in that part)."""
    local = now.astimezone(hours.zone)
    start_of_part, end_of_part = WINDOWS[part]
    for offset in range(LOOK_AHEAD_DAYS):
        day = local.date() + timedelta(days=offset)
        if day in hours.holidays:
            continue
        midnight = datetime.combine(day, time(), tzinfo=hours.zone)
        for span in sorted((s for s in hours.spans if s.weekday == day.weekday()), key=lambda s: s.start):
            start, end = max(span.start, start_of_part), min(span.end, end_of_part)
            if start >= end:
                continue
            opens, closes = midnight + timedelta(minutes=start), midnight + timedelta(minutes=end)
            if closes > local:
                return max(opens, local).astimezone(now.tzinfo)
    return None


def _overlap(span: Span, part: str) -> bool:
    start, end = WINDOWS[part]
    return max(span.start, start) < min(span.end, end)
