"""Validated shapes of the tree and the organisation directory.

Texts are Dutch source strings; they are translated through the gettext catalogs when shown
(``bot/dialogs/extract.py`` feeds them to ``pybabel extract``).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SLUG = r"^[a-z0-9][a-z0-9_]*$"
PHONE = re.compile(r"\+?[0-9][0-9 -]*[0-9]")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}")
NODE_ID_MAX = 32
OPTION_ID_MAX = 24


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(Strict):
    """A button at a question: ``label`` is shown, ``next`` is the node it leads to."""

    id: str = Field(pattern=SLUG, max_length=OPTION_ID_MAX)
    label: str = Field(min_length=1)
    next: str
    set: dict[str, str] = Field(default_factory=dict)  # facts for monitoring and the agent: role, theme, …
    # Typed words that pick this option, besides its label: one Dutch text, comma-separated, translated per
    # locale like the label ("pesten, gepest, pest"). Matched as whole words after folding.
    words: str | None = None


class Step(Strict):
    """One next step at an outcome: an organisation, and why it fits here."""

    organisation: str
    why: str | None = None


class Node(Strict):
    """A question (with options), an outcome (with steps) or a hand-off to a person."""

    type: Literal["question", "outcome", "handoff"]
    text: str = Field(min_length=1)
    options: tuple[Option, ...] = ()
    steps: tuple[Step, ...] = ()
    urgent: bool = False  # acute danger: goes to the front of the human queue
    witte_vlek: bool = False  # no organisation fits: counted for monitoring
    set: dict[str, str] = Field(default_factory=dict)


class Tree(Strict):
    version: str = Field(min_length=1, max_length=64)
    start: str
    nodes: dict[str, Node]


class Contact(Strict):
    """One way to reach an organisation. Only verified numbers and hours (see organisaties.md).

    ``in_person`` is a party inside the school or nearby (mentor, vertrouwenspersoon): its ``value`` is a
    short Dutch text saying where to find them, translated like the other texts.
    """

    kind: Literal["phone", "chat", "website", "email", "in_person"]
    value: str
    hours: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _value_fits_kind(self) -> Contact:
        if self.kind == "phone" and not PHONE.fullmatch(self.value):
            raise ValueError(f"phone number '{self.value}' has other characters than digits, spaces and '-'")
        if self.kind in ("chat", "website") and not self.value.startswith("https://"):
            raise ValueError(f"{self.kind} '{self.value}' must be an https:// address")
        if self.kind == "email" and not EMAIL.fullmatch(self.value):
            raise ValueError(f"e-mail address '{self.value}' does not look like one")
        return self

    @property
    def href(self) -> str | None:
        """What a tap opens: ``tel:`` with every digit, the https address, ``mailto:``; None in person."""
        if self.kind == "phone":
            return "tel:" + "".join(ch for ch in self.value if ch.isdigit())
        if self.kind == "email":
            return "mailto:" + self.value
        if self.kind in ("chat", "website"):
            return self.value
        return None


class ChildTexts(Strict):
    """Simpler words about a party for primary-school pupils (short words, about 8 words a sentence)."""

    for_whom: str
    can: tuple[str, ...] = ()
    cannot: tuple[str, ...] = ()


class Organisation(Strict):
    name: str
    short: str | None = Field(default=None, max_length=28)  # for buttons ("Meer over …") when the name is long
    for_whom: str
    can: tuple[str, ...] = ()
    cannot: tuple[str, ...] = ()
    contact: tuple[Contact, ...] = Field(min_length=1)
    free: bool | None = None
    anonymous: bool | None = None
    source: str = Field(min_length=1)
    checked: date
    for_children: ChildTexts | None = None


class Directory(Strict):
    organisations: dict[str, Organisation]
