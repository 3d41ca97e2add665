"""Validated shapes of the tree and the organisation directory.

Texts are Dutch source strings; they are translated through the gettext catalogs when shown
(``bot/dialogs/extract.py`` feeds them to ``pybabel extract``).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SLUG = r"^[a-z0-9][a-z0-9_]*$"
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


class Organisation(Strict):
    name: str
    for_whom: str
    can: tuple[str, ...] = ()
    cannot: tuple[str, ...] = ()
    contact: tuple[Contact, ...] = Field(min_length=1)
    free: bool | None = None
    anonymous: bool | None = None
    source: str = Field(min_length=1)
    checked: date


class Directory(Strict):
    organisations: dict[str, Organisation]


# Keys whose values are user-facing text, for extraction into the catalogs.
TRANSLATABLE_KEYS = frozenset({"text", "label", "why", "name", "for_whom", "can", "cannot", "hours", "note"})
