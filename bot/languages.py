"""Choosing a language: the offer on the first message, the menu, and recognising a language someone types.

Each language is offered by its own name (English, العربية, Türkçe, Polski, Українська). A first message
from a phone or browser set to another offered language gets the offer in both languages; text we do not
understand that looks like another offered language (its script, or its everyday words) gets the same offer.
The words are data: ``command_words.yaml`` (``names`` and ``common`` per language).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import yaml

from bot.i18n import N_, I18n, _, language_name
from bot.matching import COMMAND_WORDS, COMMAND_WORDS_FILE, fold
from bot.messages import Action, Choice, OutgoingMessage
from bot.screens import action

logger = logging.getLogger(__name__)

LANGUAGE_PREFIX = "lang:"
COMMON_WORDS_NEEDED = 2
SCRIPTS = {"ar": re.compile(r"[\u0600-\u06ff]"), "uk": re.compile(r"[\u0400-\u04ff]")}
OFFER = N_("Wil je verder in het {language}?")


class Languages:
    """The languages the bot offers, and how to recognise each in what a user types."""

    def __init__(self, i18n: I18n, path: Path = COMMAND_WORDS_FILE) -> None:
        self.i18n = i18n
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
        self.names: dict[str, str] = {}  # folded typed name → code
        self.common: dict[str, frozenset[str]] = {}
        for code in i18n.locales:
            entry = data.get(code, {})
            for name in [*entry.get("names", []), language_name(code)]:
                self.names[fold(name)] = code
            self.common[code] = frozenset(fold(word) for word in entry.get("common", []))
            with i18n.use(code):  # a global action's button label, typed, works as its command word too
                for name in Action:
                    COMMAND_WORDS.setdefault(fold(action(name).label), name)

    def offered(self, hint: str | None) -> str | None:
        """The offered language a channel's hint ('tr-TR', 'en') points to, when it is not the default."""
        if not hint:
            return None
        code = self.i18n.pick(hint)
        return code if code != self.i18n.default and hint.lower().startswith(code) else None

    def typed(self, text: str) -> str | None:
        """A language the user asks for by name: "English please", "türkçe", "in het Arabisch"."""
        words = fold(text).split()
        if len(words) > 6:
            return None
        for size in (3, 2, 1):
            for i in range(len(words) - size + 1):
                code = self.names.get(" ".join(words[i : i + size]))
                if code is not None:
                    return code
        return None

    def guess(self, text: str) -> str | None:
        """The offered language a text we did not understand seems to be in (script first, then common words)."""
        for code, script in SCRIPTS.items():
            if code in self.common and script.search(text):
                return code
        words = set(fold(text).split())
        best = max(self.common, key=lambda code: len(words & self.common[code]), default=None)
        if best is not None and len(words & self.common[best]) >= COMMON_WORDS_NEEDED:
            return best
        return None

    def offer(self, code: str, current: str) -> OutgoingMessage:
        """Ask, in the current language and in ``code``, whether to go on in ``code``."""
        name = language_name(code)
        here = _(OFFER).format(language=name)
        with self.i18n.use(code):
            there = _(OFFER).format(language=name)
        text = here if here == there else f"{here}\n{there}"
        options = (Choice(LANGUAGE_PREFIX + code, name), Choice(LANGUAGE_PREFIX + current, language_name(current)))
        return OutgoingMessage(text, options=options, kind="question")

    def menu(self) -> OutgoingMessage:
        options = tuple(Choice(LANGUAGE_PREFIX + code, language_name(code)) for code in self.i18n.locales)
        return OutgoingMessage(_("In welke taal wil je verder?"), options=options, kind="question")
