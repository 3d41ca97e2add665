"""The B1 floor of ../shared/content/b1.md, measured: Flesch-Douma, words per sentence, longest sentence.

The floor for every Dutch text the bot sends: Flesch-Douma ≥ 60, on average ≤ 12 words per sentence, no
sentence over 20 words. Passing it is necessary, not sufficient: read the text aloud.

How we count (textstat's own sentence splitter skips "sentences" of two words or fewer and does not treat a
line break as the end of a sentence, which suits our texts badly, so we split and count ourselves):

- A *sentence* ends at a line break, and at ``.``, ``!`` or ``?`` followed by a space or the end of the
  text. So "08.00" and "www.kindertelefoon.nl" stay whole. Each item of a list (``can``, ``cannot``) is a
  sentence of its own, because the bot shows it on its own line.
- A *word* is a run of characters between spaces with at least one letter or digit in it ("&" is not a
  word; "0800-0432" and "lhbtiq+" are one word each).
- *Syllables* per word come from textstat with ``set_lang("nl")`` (Pyphen's Dutch hyphenation), at least
  one per word.
- Flesch-Douma = 206.835 − 0.93 × words per sentence − 77 × syllables per word: textstat's "nl" formula
  (``textstat.flesch_reading_ease``) on our counts.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import textstat

logger = logging.getLogger(__name__)

FLESCH_MIN = 60.0
AVERAGE_WORDS_MAX = 12.0
SENTENCE_WORDS_MAX = 20

FLESCH_BASE = 206.835
FLESCH_SENTENCE_WEIGHT = 0.93
FLESCH_SYLLABLE_WEIGHT = 77.0

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_HAS_LETTER_OR_DIGIT = re.compile(r"\w")


@dataclass(frozen=True, slots=True)
class Measure:
    """Counts for one text."""

    sentences: tuple[tuple[str, ...], ...]  # the words of each sentence
    syllables: int

    @property
    def words(self) -> int:
        return sum(len(s) for s in self.sentences)

    @property
    def words_per_sentence(self) -> float:
        return self.words / len(self.sentences) if self.sentences else 0.0

    @property
    def longest(self) -> int:
        return max((len(s) for s in self.sentences), default=0)

    @property
    def flesch_douma(self) -> float:
        if not self.words:
            return FLESCH_BASE
        return (
            FLESCH_BASE
            - FLESCH_SENTENCE_WEIGHT * self.words_per_sentence
            - FLESCH_SYLLABLE_WEIGHT * self.syllables / self.words
        )


def sentences(parts: Iterable[str]) -> list[tuple[str, ...]]:
    """The words of each sentence in ``parts`` (each part is a text or a list item)."""
    found: list[tuple[str, ...]] = []
    for part in parts:
        for line in part.splitlines():
            for sentence in _SENTENCE_END.split(line.strip()):
                words = tuple(w for w in sentence.split() if _HAS_LETTER_OR_DIGIT.search(w))
                if words:
                    found.append(words)
    return found


@cache
def syllables(word: str) -> int:
    textstat.set_lang("nl")
    return max(1, int(textstat.syllable_count(word)))


def measure(*parts: str) -> Measure:
    """Count the sentences, words and syllables of one text (given as one or more parts)."""
    found = sentences(parts)
    return Measure(tuple(found), sum(syllables(w) for s in found for w in s))


def word_count(text: str) -> int:
    """How many words ``text`` has, counted as for the B1 floor."""
    return sum(len(words) for words in sentences([text]))


def b1_problems(where: str, *parts: str) -> list[str]:
    """What keeps the text at ``where`` below the B1 floor; empty when it passes."""
    result = measure(*parts)
    if not result.words:
        return []
    problems = []
    for words in result.sentences:
        if len(words) > SENTENCE_WORDS_MAX:
            start = " ".join(words[:6])
            problems.append(f"{where}: a sentence has {len(words)} words (at most {SENTENCE_WORDS_MAX}): '{start} …'")
    if result.words_per_sentence > AVERAGE_WORDS_MAX:
        problems.append(
            f"{where}: {result.words_per_sentence:.1f} words per sentence on average (at most {AVERAGE_WORDS_MAX:g})"
        )
    if result.flesch_douma < FLESCH_MIN:
        problems.append(f"{where}: Flesch-Douma {result.flesch_douma:.0f} is below the B1 floor of {FLESCH_MIN:g}")
    return problems
