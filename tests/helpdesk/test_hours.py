"""Opening hours: weekdays, holidays, the Amsterdam time zone (with its clock change), Babel formatting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.helpdesk.hours import OpeningHours, parse_holidays, parse_hours
from bot.settings import SettingsError, load_settings
from tests.helpdesk.conftest import HOLIDAYS, WEEKDAYS


@pytest.fixture
def hours() -> OpeningHours:
    return OpeningHours(WEEKDAYS, HOLIDAYS, "Europe/Amsterdam")


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (datetime(2026, 11, 23, 7, 59, tzinfo=UTC), False),  # Monday 08:59 in Amsterdam
        (datetime(2026, 11, 23, 8, 0, tzinfo=UTC), True),  # Monday 09:00
        (datetime(2026, 11, 23, 15, 59, tzinfo=UTC), True),  # Monday 16:59
        (datetime(2026, 11, 23, 16, 0, tzinfo=UTC), False),  # Monday 17:00
        (datetime(2026, 11, 28, 12, 0, tzinfo=UTC), False),  # Saturday
        (datetime(2026, 12, 25, 10, 0, tzinfo=UTC), False),  # Christmas, a Friday
        (datetime(2026, 7, 1, 7, 30, tzinfo=UTC), True),  # summer time: 09:30 in Amsterdam is 07:30 UTC
    ],
)
def test_open_is_judged_in_amsterdam_time(hours: OpeningHours, moment: datetime, is_open: bool) -> None:
    assert hours.is_open(moment) is is_open


def test_next_opening_skips_the_weekend(hours: OpeningHours) -> None:
    friday_evening = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
    assert hours.next_opening(friday_evening) == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_next_opening_skips_holidays(hours: OpeningHours) -> None:
    christmas_eve_evening = datetime(2026, 12, 24, 17, 0, tzinfo=UTC)  # Thursday; Fri 25 and Sat 26 are closed
    assert hours.next_opening(christmas_eve_evening) == datetime(2026, 12, 28, 8, 0, tzinfo=UTC)


def test_next_opening_later_the_same_day_and_now_when_open(hours: OpeningHours) -> None:
    early = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    assert hours.next_opening(early) == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    open_now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert hours.next_opening(open_now) == open_now


def test_never_open_has_no_next_opening() -> None:
    assert OpeningHours([], []).next_opening(datetime(2026, 11, 23, tzinfo=UTC)) is None


def test_the_opening_is_described_in_the_users_language(hours: OpeningHours) -> None:
    monday = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert hours.describe(monday, "nl") == ("maandag 30 november 2026", "09:00")
    day, time = hours.describe(monday, "en")
    assert day == "Monday, November 30, 2026" and time.startswith("9:00")


@pytest.mark.parametrize("bad", ["mon 9-17", "maandag 09:00-17:00", "mon 17:00-09:00", "mon 09:00-24:30"])
def test_bad_hours_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="mon|maandag"):
        parse_hours([bad])


def test_bad_settings_name_the_key() -> None:
    with pytest.raises(SettingsError, match="helpdesk_holidays"):
        load_settings({"WEGWIJZER_HELPDESK_HOLIDAYS": "25-12-2026"})
    with pytest.raises(SettingsError, match="helpdesk_timezone"):
        load_settings({"WEGWIJZER_HELPDESK_TIMEZONE": "Europe/Nergens"})
    with pytest.raises(SettingsError, match="helpdesk_hours"):
        load_settings({"WEGWIJZER_HELPDESK_HOURS": "mon 09:00"})


def test_the_default_settings_are_readable() -> None:
    settings = load_settings({})
    assert settings.helpdesk_timezone == "Europe/Amsterdam"
    assert parse_hours(settings.helpdesk_hours) and parse_holidays(settings.helpdesk_holidays) == frozenset()
