"""Hear danger in free text: suicide, violence, abuse at home, sexual abuse.

The phrases are data, one file per locale (``crisis.<locale>.yaml``; its header explains the format). A text is
read the way a child types it, in this order:

1. fold: lower case, no accents (a stroke too: ``ł`` → ``l``), no apostrophes (``m'n`` → ``mn``); ``. ! ? ;`` and
   new lines end a sentence;
2. per word: the locale's ``letters`` (a letter typed for another: Ukrainian on a Russian keyboard, ``ы`` → ``и``),
   then ``normalise`` (chat spelling → word, ``k`` → ``ik``); letters typed three times or more squeezed;
   a run-together word that splits into known words is split (``ikwildood`` → ``ik wil dood``), unless the file
   says ``split: false``; a word glued to one of the file's ``prefixes`` is read without it (``وبدي`` → ``بدي``);
3. ``ignore``: idioms (``dood van het lachen``) are cut out, each with a ``why`` in the data;
4. a phrase matches when all its terms occur within ``window`` words, in any order (or in the given order),
   and no ``unless`` word occurs near it. A data word of 5 letters or more (a stem of 7; a file's ``typos`` may ask
   for longer) also matches with one typo (one letter wrong, missing, added, or two letters swapped), except in the
   ``not_typos`` words.

Whose suicide: a suicide phrase is about someone else (``suicide_other``) when, looking back from its last
word, the first person word met is a ``subjects.other`` one (``mijn vriendin``, ``hij``, ``zichzelf``).

Priority when several kinds match (most urgent first): a life in danger (own, then someone else's), then
violence now, then sexual abuse, then abuse at home. The engine shows one crisis answer; it must be the one
for the greatest danger. The user's text is never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from bot.safety.phrase_file import DATA_DIR, FALLBACK, PRIORITY, CrisisDataError, CrisisKind, available_locales
from bot.safety.phrases import Phrases, fold

__all__ = ["DATA_DIR", "FALLBACK", "CrisisDataError", "CrisisDetector", "CrisisKind", "available_locales", "fold"]

logger = logging.getLogger(__name__)


class CrisisDetector:
    """Crisis words for each locale that has a phrase file, and always Dutch; a text is read in all of them."""

    def __init__(self, phrases: dict[str, Phrases]) -> None:
        self._phrases = phrases

    @classmethod
    def load(cls, locales: Sequence[str] = (FALLBACK,), directory: Path = DATA_DIR) -> CrisisDetector:
        """Compile ``crisis.<locale>.yaml`` for each locale that has one; raises CrisisDataError naming the file."""
        found = set(available_locales(directory))
        phrases = {loc: Phrases(directory / f"crisis.{loc}.yaml") for loc in {FALLBACK, *locales} if loc in found}
        if FALLBACK not in phrases:
            raise CrisisDataError(f"{directory / f'crisis.{FALLBACK}.yaml'}: missing (the fallback for every locale)")
        logger.debug("crisis phrases loaded for %s", ", ".join(sorted(phrases)))
        return cls(phrases)

    def detect(self, text: str, locale: str = FALLBACK) -> CrisisKind | None:
        """The most urgent crisis in ``text``, read in every loaded language; None when there is none.

        Every language, not only the conversation's: a parent whose chat is still in Dutch may type Arabic.
        """
        try:
            kinds = {loc: phrases.detect(text) for loc, phrases in self._phrases.items()}
            if kinds.get(locale) is CrisisKind.SUICIDE_OTHER:
                # whose suicide is told by the chat's language: the Dutch words hear "suicide" in "my son talks
                # about suicide" but cannot read "my son"
                kinds = {loc: CrisisKind.SUICIDE_OTHER if k is CrisisKind.SUICIDE else k for loc, k in kinds.items()}
            return min((k for k in kinds.values() if k is not None), key=PRIORITY.index, default=None)
        except Exception as exc:  # a crash here must not stop the conversation; never log the text
            logger.error("crisis check failed (%s); treated as no crisis", type(exc).__name__)
            return None
