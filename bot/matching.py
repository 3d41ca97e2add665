"""Understand typed text: clean it, recognise commands, and match it to an option where it clearly fits."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import yaml

from bot.messages import Action

COMMAND_WORDS_FILE = Path(__file__).resolve().parent / "command_words.yaml"


def load_command_words(path: Path = COMMAND_WORDS_FILE) -> dict[str, Action]:
    """Folded typed words → the global action they mean, in every language of ``command_words.yaml``."""
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    words: dict[str, Action] = {}
    for locale, entry in data.items():
        for name, listed in entry["actions"].items():
            action = Action[name.upper()]
            for word in listed:
                folded = fold(word)
                if words.get(folded, action) is not action:
                    raise ValueError(f"{path.name}: '{word}' ({locale}) means two different actions")
                words[folded] = action
    return words


# Only as a slash command: "start" is also a word people type as an answer.
SLASH_ONLY: dict[str, Action] = {"start": Action.RESTART}
MATCH_CUTOFF = 0.8
MATCH_MARGIN = 0.08
LONGEST_MATCHABLE = 80
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
# Lone surrogates: the JSON escape \ud800 (in a web frame, a Telegram update) decodes to one, and no UTF-8
# database or socket takes it. They are the only code points a Python string holds that UTF-8 cannot encode.
_UNENCODABLE = re.compile(r"[\ud800-\udfff]")


def clean(text: str, limit: int) -> tuple[str, bool]:
    """Drop control, direction-override and unencodable characters and cut at ``limit``; say whether it was cut."""
    cleaned = _CONTROL.sub("", unicodedata.normalize("NFC", _UNENCODABLE.sub("", text))).strip()
    if len(cleaned) > limit:
        return cleaned[:limit], True
    return cleaned, False


def fold(text: str) -> str:
    """Lower case, no accents, no punctuation, single spaces: the form we compare in."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("ı", "i"))  # Turkish dotless i
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w\s]", " ", bare).split())


COMMAND_WORDS = load_command_words()


def slash_command(text: str) -> Action | None:
    """A slash command such as /terug or /mens@WegwijzerBot; None when the text is not one we know."""
    if not text.startswith("/"):
        return None
    word = fold(text[1:].split("@", 1)[0].split(" ", 1)[0])
    return SLASH_ONLY.get(word) or COMMAND_WORDS.get(word)


def command_word(text: str) -> Action | None:
    """A bare command word (terug, mens) typed on its own."""
    return COMMAND_WORDS.get(fold(text)) if len(text) <= LONGEST_MATCHABLE else None


def exact_option(text: str, labels: Sequence[str]) -> int | None:
    """The index of the label that ``text`` is, apart from case, accents and punctuation."""
    folded = fold(text)
    folded_labels = [fold(label) for label in labels]
    return folded_labels.index(folded) if folded and folded in folded_labels else None


def match_option(text: str, labels: Sequence[str]) -> int | None:
    """The index of the label that ``text`` clearly means: its number, the label, or a small typo of it."""
    if len(text) > LONGEST_MATCHABLE:
        return None
    folded = fold(text)
    if not folded:
        return None
    if folded.isdigit():
        number = int(folded)
        return number - 1 if 1 <= number <= len(labels) else None
    folded_labels = [fold(label) for label in labels]
    exact = exact_option(text, labels)
    if exact is not None:
        return exact
    scores = sorted(
        ((difflib.SequenceMatcher(None, folded, label).ratio(), i) for i, label in enumerate(folded_labels)),
        reverse=True,
    )
    best_score, best = scores[0] if scores else (0.0, -1)
    runner_up = scores[1][0] if len(scores) > 1 else 0.0
    if best_score >= MATCH_CUTOFF and best_score - runner_up >= MATCH_MARGIN:
        return best
    return None


def match_words(text: str, words: Sequence[str | None]) -> int | None:
    """The one option whose words (a comma-separated list per option) occur in ``text`` as whole words.

    "ik word gepest" picks the option with "gepest" among its words; a text that has words of two options
    picks neither (the question is asked again).
    """
    if len(text) > LONGEST_MATCHABLE:
        return None
    padded = f" {fold(text)} "
    hits = {
        index
        for index, listed in enumerate(words)
        if listed
        for word in listed.split(",")
        if (folded := fold(word)) and f" {folded} " in padded
    }
    return hits.pop() if len(hits) == 1 else None
