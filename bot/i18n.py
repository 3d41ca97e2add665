"""Translations with Babel/gettext. Dutch is the source language.

The language of the conversation being processed lives in a ContextVar, so ``_()`` anywhere in the call
chain answers in the user's language without passing it around. Use named placeholders and fill them
after translation: ``_("Je staat op plek {n}.").format(n=3)``, never ``_(f"...")``.
"""

from __future__ import annotations

import gettext as _gettext
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from babel import Locale
from babel.support import NullTranslations, Translations

logger = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
SOURCE_LOCALE = "nl"
RTL_SCRIPTS = {"ar", "fa", "he", "ur"}

_SOURCE = NullTranslations()
_active: ContextVar[_gettext.NullTranslations | None] = ContextVar("wegwijzer_translations", default=None)
_active_locale: ContextVar[str] = ContextVar("wegwijzer_locale", default=SOURCE_LOCALE)


class MissingCatalog(Exception):
    """A configured language has no compiled catalog."""

    def __init__(self, code: str, directory: Path) -> None:
        super().__init__(
            f"language '{code}' has no compiled catalog {directory}/{code}/LC_MESSAGES/{DOMAIN}.mo "
            "(add its messages.po and run 'make locales')"
        )
        self.code = code


class I18n:
    """The catalogs of the languages we offer, loaded once at start-up."""

    def __init__(self, locales: tuple[str, ...], directory: Path = LOCALES_DIR) -> None:
        self.locales = locales
        self.default = locales[0]
        self.directory = directory  # where the compiled catalogs are (the console reads them back: dutch_source)
        self._catalogs: dict[str, _gettext.NullTranslations] = {}
        for code in locales:
            if code == SOURCE_LOCALE:
                self._catalogs[code] = NullTranslations()
                continue
            catalog = Translations.load(str(directory), [code], DOMAIN)
            if not isinstance(catalog, Translations):
                raise MissingCatalog(code, directory)
            self._catalogs[code] = catalog

    def pick(self, hint: str | None) -> str:
        """The offered language that best fits a channel's hint (e.g. 'en-GB' → 'en'), else the default."""
        if hint:
            base = hint.replace("_", "-").split("-")[0].lower()
            if base in self._catalogs:
                return base
        return self.default

    def offers(self, code: str) -> bool:
        return code in self._catalogs

    @contextmanager
    def use(self, code: str) -> Iterator[None]:
        """Answer in ``code`` inside the block."""
        token = _active.set(self._catalogs.get(code, self._catalogs[self.default]))
        token_locale = _active_locale.set(code if code in self._catalogs else self.default)
        try:
            yield
        finally:
            _active.reset(token)
            _active_locale.reset(token_locale)


def gettext(message: str) -> str:
    return (_active.get() or _SOURCE).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return (_active.get() or _SOURCE).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """The translation of ``message`` at the place ``context`` (a tree text's msgctxt)."""
    return (_active.get() or _SOURCE).pgettext(context, message)


def N_(message: str) -> str:  # noqa: N802  (the conventional name for "mark for extraction only")
    """Mark a string for extraction; translate it later with ``_()`` where it is shown."""
    return message


_ = gettext


def current_locale() -> str:
    return _active_locale.get()


def language_name(code: str) -> str:
    """The language's own name for itself, e.g. 'Nederlands', 'English', 'العربية'."""
    name: str = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def text_direction(code: str) -> str:
    return "rtl" if code.split("-")[0] in RTL_SCRIPTS else "ltr"
