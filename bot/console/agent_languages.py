"""The languages an agent speaks: which codes may be recorded, and reading them from ``--languages nl,tr``.

An agent may record Dutch and every language the product knows: the configured ``locales`` and each language
that has a catalog in ``bot/locales`` (so an agent's Turkish counts the day Turkish is switched on).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from bot.i18n import LOCALES_DIR, SOURCE_LOCALE, language_name

logger = logging.getLogger(__name__)


def known_languages(configured: Sequence[str], directory: Path = LOCALES_DIR) -> tuple[str, ...]:
    """Dutch, the configured languages in their order, then the other languages with a catalog."""
    catalogs = sorted(p.parent.parent.name for p in directory.glob("*/LC_MESSAGES/messages.po"))
    return tuple(dict.fromkeys([SOURCE_LOCALE, *configured, *catalogs]))


def parse_languages(raw: str | Iterable[str], known: Sequence[str]) -> tuple[str, ...]:
    """``"nl, TR"`` (or a list of codes) → ``("nl", "tr")``; ValueError (in Dutch, for the agent) otherwise."""
    parts = raw.split(",") if isinstance(raw, str) else list(raw)
    codes = tuple(dict.fromkeys(code.strip().lower() for code in parts if code.strip()))
    if not codes:
        raise ValueError("Kies minstens één taal.")
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise ValueError(f"Onbekende taal: {', '.join(unknown)}. Kies uit: {', '.join(known)}.")
    return codes


def names(codes: Iterable[str]) -> str:
    """ "Nederlands, Türkçe": the languages by their own names."""
    return ", ".join(language_name(code) for code in codes)
