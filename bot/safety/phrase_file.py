"""The crisis phrase files (``crisis.<locale>.yaml``): the kinds, the file's validated shape, and reading it.

See ``bot.safety.crisis`` for how a text is read, and ``crisis.nl.yaml``'s header for the format.
"""

from __future__ import annotations

import logging
import re
from enum import StrEnum
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent
FALLBACK = "nl"
MIN_TYPO_WORD, MIN_TYPO_STEM = 5, 7  # one typo in a short stem ("betast*") would catch "belasting" and more
_LOCALE = re.compile(r"[a-z]{2,3}(_[A-Za-z]{2,4})?")


class CrisisKind(StrEnum):
    SUICIDE = "suicide"  # thoughts of suicide or self-harm, one's own
    SUICIDE_OTHER = "suicide_other"  # worry that someone else thinks of suicide / harms themselves
    VIOLENCE = "violence"  # violence or threats happening now / acute danger
    ABUSE_HOME = "abuse_home"  # abuse or violence at home (by parent, family)
    SEXUAL = "sexual"  # sexual abuse / assault / being forced


PRIORITY = (CrisisKind.SUICIDE, CrisisKind.SUICIDE_OTHER, CrisisKind.VIOLENCE, CrisisKind.SEXUAL, CrisisKind.ABUSE_HOME)


class CrisisDataError(ValueError):
    """A phrase file that cannot be used; the message names the file."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class _Explained(_Strict):
    words: str = Field(min_length=1)
    why: str = Field(min_length=3)


class PhraseSpec(_Strict):
    words: str = Field(min_length=1)
    window: int | None = Field(default=None, ge=1)
    order: bool = False
    unless: str = ""
    reach: int | Literal["sentence"] | None = None


class _Kind(_Strict):
    phrases: list[str | PhraseSpec] = []


class _Subjects(_Strict):
    self_: str = Field(alias="self")
    other: str
    reach: int = Field(ge=0)


class _Typos(_Strict):
    word: int = Field(default=MIN_TYPO_WORD, ge=1)
    stem: int = Field(default=MIN_TYPO_STEM, ge=1)


class _File(_Strict):
    version: Literal[1]
    window: int = Field(ge=1)
    reach: int = Field(ge=0)
    typos: _Typos = _Typos()  # longer in a script without vowels (Arabic), where one letter off is another word
    split: bool = True  # read a run-together word as the known words it is made of (off where words are short)
    prefixes: list[str] = []  # glued before a word ("و", and): "وبدي" is read as "بدي" when that is a word here
    letters: dict[str, str] = {}
    normalise: dict[str, str]
    not_typos: list[_Explained]
    groups: dict[str, list[str]]
    subjects: _Subjects
    ignore: list[_Explained]
    kinds: dict[CrisisKind, _Kind]


def available_locales(directory: Path = DATA_DIR) -> list[str]:
    """The locales that have a phrase file."""
    names = (p.name.split(".")[1] for p in directory.glob("crisis.*.yaml"))
    return sorted(name for name in names if _LOCALE.fullmatch(name))


def read_phrase_file(path: Path) -> _File:
    try:
        return _File.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CrisisDataError(f"{path}: cannot be read: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise CrisisDataError(f"{path}: {problems}") from None
