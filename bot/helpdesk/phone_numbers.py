"""A phone number a user types for a call-back: read with Google's ``phonenumbers``, Dutch unless it says otherwise.

"06 12345678", "0612345678", "020 123 4567", "+31 6 12345678", "0031 6 12345678" and foreign numbers with their
country code ("+32 470 12 34 56") are read; only numbers a person answers are taken (mobile, fixed line, VoIP):
no premium-rate (0900), free (0800) or service numbers, nothing too short or too long, and no letters (the
library would read "0800-FLOWERS" as digits). Stored as E.164 ("+31612345678"); shown the way people write it
("06 12345678" for a Dutch number, "+32 470 12 34 56" for another).

Nothing here logs: the number is never written anywhere but the ``callbacks`` row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

DEFAULT_REGION = "NL"
NL_COUNTRY_CODE = 31
MAX_TYPED = 40  # characters; a number with spaces and a country code is far shorter
# Digits and what people put between them; a leading "+" for a country code.
TYPED = re.compile(r"\+?[0-9(][0-9 ()./-]*")
ANSWERED_BY_A_PERSON = frozenset(
    {
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
        PhoneNumberType.VOIP,
    }
)


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """A valid number: ``e164`` to store and dial, ``shown`` to repeat to the user."""

    e164: str
    shown: str


def parse_phone(typed: str, region: str = DEFAULT_REGION) -> PhoneNumber | None:
    """The number in ``typed``, or None when it is not a number we can call back."""
    text = " ".join(typed.split())
    if not text or len(text) > MAX_TYPED or TYPED.fullmatch(text) is None:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in ANSWERED_BY_A_PERSON:
        return None
    return PhoneNumber(
        e164=phonenumbers.format_number(number, PhoneNumberFormat.E164),
        shown=shown(number),
    )


def shown_e164(e164: str) -> str:
    """A stored number as people write it (for the agent who calls)."""
    try:
        return shown(phonenumbers.parse(e164, None))
    except NumberParseException:
        return e164


def shown(number: phonenumbers.PhoneNumber) -> str:
    national = number.country_code == NL_COUNTRY_CODE
    return phonenumbers.format_number(
        number, PhoneNumberFormat.NATIONAL if national else PhoneNumberFormat.INTERNATIONAL
    )
