"""Canned replies: short standard answers kept as data (canned.yaml), translated like every bot text."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.i18n import pgettext as translated_at  # not the extracted keyword: its place is built here

logger = logging.getLogger(__name__)

CANNED_FILE = Path(__file__).resolve().parent / "canned.yaml"


@dataclass(frozen=True, slots=True)
class Canned:
    id: str
    label: str
    text: str

    def translated(self) -> str:
        """The text in the language that is active (``I18n.use(conversation.locale)``)."""
        return translated_at(f"canned {self.id}: text", self.text)


def load_canned(path: Path = CANNED_FILE) -> dict[str, Canned]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    replies = {str(r["id"]): Canned(str(r["id"]), str(r["label"]), str(r["text"])) for r in data["replies"]}
    if len(replies) != len(data["replies"]):
        raise ValueError(f"{path}: two canned replies have the same id")
    return replies
