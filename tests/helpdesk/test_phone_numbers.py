"""Call-back numbers as users type them (``phone_numbers``), the parts of the day we offer (``day_parts``), and
the B1 floor for every call-back text (``callback_texts``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.dialogs.readability import b1_problems
from bot.helpdesk import callback_texts as texts
from bot.helpdesk import day_parts
from bot.helpdesk.hours import OpeningHours
from bot.helpdesk.phone_numbers import parse_phone, shown_e164
from bot.i18n import I18n
from tests.helpdesk.conftest import HOLIDAYS, WEEKDAYS

VALID = [
    ("06 12345678", "+31612345678", "06 12345678"),  # Dutch mobile, as most people write it
    ("0612345678", "+31612345678", "06 12345678"),
    ("06-12345678", "+31612345678", "06 12345678"),
    ("+31 6 12345678", "+31612345678", "06 12345678"),
    ("0031 6 1234 5678", "+31612345678", "06 12345678"),  # the international prefix from the Netherlands
    ("020 123 4567", "+31201234567", "020 123 4567"),  # Dutch landline
    ("(020) 1234567", "+31201234567", "020 123 4567"),
    ("+32 470 12 34 56", "+32470123456", "+32 470 12 34 56"),  # Belgian mobile
    ("+90 532 123 45 67", "+905321234567", "+90 532 123 45 67"),  # Turkish mobile
    ("+380 67 123 4567", "+380671234567", "+380 67 123 4567"),  # Ukrainian mobile
    ("  06  1234 5678 ", "+31612345678", "06 12345678"),  # spaces around and between
]
INVALID = [
    "",
    "0612",  # too short
    "061234",
    "06123456789",  # one digit too many
    "112",  # an emergency number is no call-back number
    "0900 1234567",  # premium rate: costs the user money, nobody answers as a person
    "0800 0432",  # a free service line
    "abc",  # letters
    "06 1234 567a",
    "nul zes twaalf",
    "0800-FLOWERS",  # the library would read letters as digits
    "+99 123 456 789",  # no such country code
    "mijn nummer is 0612345678",  # a number inside words is not taken: asked again, without keeping the words
    "0" * 41,  # far too long
]


@pytest.mark.parametrize(("typed", "e164", "shown"), VALID)
def test_numbers_people_type_are_read(typed: str, e164: str, shown: str) -> None:
    number = parse_phone(typed)
    assert number is not None
    assert (number.e164, number.shown) == (e164, shown)
    assert shown_e164(number.e164) == shown  # what the agent sees is what the user was asked about


@pytest.mark.parametrize("typed", INVALID)
def test_what_we_cannot_call_back_is_refused(typed: str) -> None:
    assert parse_phone(typed) is None


def test_only_parts_of_the_day_we_are_open_are_offered() -> None:
    office = OpeningHours(WEEKDAYS, HOLIDAYS, "Europe/Amsterdam")  # 09:00-17:00 on weekdays
    assert day_parts.offered(office) == ("morning", "afternoon", "any")  # no evening: nobody would call then
    always = OpeningHours([f"{d} 00:00-24:00" for d in ("mon", "tue")], [], "Europe/Amsterdam")
    assert day_parts.offered(always) == ("morning", "afternoon", "evening", "any")


def test_the_earliest_call_is_within_the_opening_hours_and_the_part_of_the_day() -> None:
    office = OpeningHours(WEEKDAYS, HOLIDAYS, "Europe/Amsterdam")
    monday_morning = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam: open
    assert day_parts.earliest(office, "any", monday_morning) == monday_morning
    assert day_parts.earliest(office, "morning", monday_morning) == monday_morning
    assert day_parts.earliest(office, "afternoon", monday_morning) == datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    assert day_parts.earliest(office, "evening", monday_morning) is None  # never open in the evening
    christmas_eve = datetime(2026, 12, 24, 18, 0, tzinfo=UTC)  # Thursday evening; Christmas, Saturday, Sunday
    assert day_parts.earliest(office, "any", christmas_eve) == datetime(2026, 12, 28, 8, 0, tzinfo=UTC)
    assert day_parts.earliest(office, "afternoon", christmas_eve) == datetime(2026, 12, 28, 11, 0, tzinfo=UTC)


def test_every_call_back_text_is_b1() -> None:
    with I18n(("nl",)).use("nl"):
        messages = {
            "ask_number": texts.ask_number(),
            "ask_number_again": texts.ask_number(again=True),
            "not_a_number": texts.not_a_number(),
            "ask_part": texts.ask_part(day_parts.PARTS),
            **{f"consent_{part}": texts.consent("06 12345678", part) for part in day_parts.PARTS},
            "confirmed": texts.confirmed(texts.soon(), left_queue=True, crisis=True),
            "confirmed_later": texts.confirmed(texts.earliest("maandag 30 november 2026", "09:00"), **_plain()),
            "confirmed_never": texts.confirmed(texts.never(), **_plain()),
            "declined": texts.declined(),
            "cancelled": texts.cancelled(),
            "nothing_to_cancel": texts.nothing_to_cancel(),
            "already_waiting": texts.already_waiting(),
            "choose": texts.choose(),
        }
        labels = [texts.offer_button(), texts.cancel_button(), texts.not_now_button()]
        labels += [texts.ask_part(day_parts.PARTS).options[i] for i in range(4)]
        offer = texts.offer_line()
    problems = [p for name, message in messages.items() for p in b1_problems(name, message.text)]
    assert problems + b1_problems("offer_line", offer) == []
    assert all(len(choice.label) <= 24 for choice in labels), "buttons: a few words"
    assert all(len(choice.key.encode()) <= 64 for choice in labels), "Telegram's callback_data"


def _plain() -> dict[str, bool]:
    return {"left_queue": False, "crisis": False}
