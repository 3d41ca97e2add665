"""The name users read ("Je praat nu met Anna"): it must look like a person's name, never like a login.

A display name is 2 to 40 characters after tidying the spaces: words of letters (any script, accents too),
joined by a space, a hyphen or an apostrophe ("Anne-Marie", "D'Angelo", "Fatma 't Hart"), and initials with a
dot ("Bram J.", "J.P. Jansen"). It starts with a capital where the script has capitals (Arabic has none) and is
not all capitals. So no digits, no ``@``, no ``_`` and no lower-case login: "anna", "anna123" and
"anna@school.nl" are refused with a reason an admin understands.

``from_login`` makes one from a login name for accounts made before this rule (migration 0013 does the same
once): the letters of the login, each word capitalised ("anna" → "Anna", "anna123" → "Anna",
"a.devries" → "A Devries"), or "Medewerker" when nothing usable is left.
"""

from __future__ import annotations

import re
import unicodedata

MIN_LENGTH = 2
MAX_LENGTH = 40
FALLBACK = "Medewerker"

_LETTER = "\x00"  # every letter becomes this before the shape is matched, so the pattern stays readable
_WORD = f"['’]?{_LETTER}+(?:[-'’]{_LETTER}+)*"  # Anne-Marie, D'Angelo, 't
_INITIALS = f"(?:{_LETTER}\\.)+"  # J. or J.P.
_PART = f"(?:{_INITIALS}|{_WORD})"
_SHAPE = re.compile(f"{_PART}(?: {_PART})*")


def tidy(text: str) -> str:
    """NFC, and runs of white space as one space, none at the ends."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _is_letter(char: str) -> bool:
    return unicodedata.category(char)[0] == "L"


def _shape(text: str) -> str:
    """``text`` with letters (and a combining mark after one) as ``_LETTER``: only the shape is left."""
    out: list[str] = []
    for char in text:
        if _is_letter(char):
            out.append(_LETTER)
        elif unicodedata.category(char).startswith("M") and out and out[-1] == _LETTER:
            continue  # an accent NFC could not combine stays part of its letter
        else:
            out.append(char)
    return "".join(out)


def display_name_problem(text: str) -> str | None:
    """Why ``text`` (tidied) cannot be a display name, in Dutch; None when it can."""
    name = tidy(text)
    if not MIN_LENGTH <= len(name) <= MAX_LENGTH:
        return f"Geef een naam van {MIN_LENGTH} tot {MAX_LENGTH} tekens, bijvoorbeeld 'Anna'."
    if "@" in name:
        return "Dit lijkt een e-mailadres. Geef de naam die gebruikers mogen lezen, bijvoorbeeld 'Anna'."
    if not _SHAPE.fullmatch(_shape(name)):
        return (
            "Een naam heeft alleen letters, spaties, een streepje (-) of een apostrof ('), "
            "en voorletters met een punt. Geen cijfers of tekens als _ of @."
        )
    letters = [char for char in name if _is_letter(char)]
    if unicodedata.category(letters[0]) == "Ll":
        return "Begin de naam met een hoofdletter, bijvoorbeeld 'Anna'."
    cased = [char for char in letters if char.lower() != char.upper()]
    if len(cased) > 2 and all(char.isupper() for char in cased):
        return "Schrijf de naam niet helemaal in hoofdletters, bijvoorbeeld 'Anna'."
    return None


def clean_display_name(text: str) -> str:
    """The tidied display name; ValueError (with the Dutch reason) when it does not look like a name."""
    problem = display_name_problem(text)
    if problem is not None:
        raise ValueError(problem)
    return tidy(text)


def from_login(login: str) -> str:
    """A display name made from a login name (or an old display name): its letters, each word capitalised."""
    words = re.findall(r"[^\W\d_]+", unicodedata.normalize("NFC", login))
    name = " ".join(word[:1].upper() + word[1:].lower() for word in words)[:MAX_LENGTH].strip()
    return name if display_name_problem(name) is None else FALLBACK
