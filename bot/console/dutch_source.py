"""The Dutch source beside a bot line that a user read in another language, so an agent knows what was said.

The transcript keeps what the user saw, in their language. The console finds the Dutch back without the
engine's help: a reverse catalog per language, built from the compiled catalog (``messages.mo``), maps each
translated line to the Dutch line it was made from.

- Translators keep the line structure of a multi-line text, so entries map line by line; an entry whose
  translation has a different number of lines maps nothing.
- A line with ``{placeholders}`` becomes a pattern whose groups refill the Dutch template ("You are now talking
  to Anna …" → "Je praat nu met Anna …"). Plural entries pick the Dutch form by ``{n}``.
- A line made of several texts joined after a full stop ("There is 1 person ahead of you. You are number 2.")
  is matched sentence by sentence.
- A line found nowhere gets no Dutch: never a guess. A translation that stands for two or three Dutch wordings
  (translators may word near-identical texts alike) shows them as alternatives; for more it shows none. The
  conversation's own language is tried first, then the other languages (a user may have switched).

What agents wrote, and what users typed, gets no Dutch from here: the transcript keeps the Dutch an agent's
translated reply was made from (``TranscriptEntry.original``).
"""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo

from bot.i18n import DOMAIN, SOURCE_LOCALE

logger = logging.getLogger(__name__)

SENTENCE_BREAK = re.compile(r"(?<=[.!?:;…؟])\s+")
MAX_SENTENCES = 12  # longer lines are not split (the search grows with the square of this)
MAX_ALTERNATIVES = 3  # one translation for more Dutch wordings than this: show none
_FORMATTER = string.Formatter()


def placeholders(template: str) -> frozenset[str] | None:
    """The named fields of a ``str.format`` template; None when it is no valid template of named fields."""
    try:
        fields = [name for _, name, _, _ in _FORMATTER.parse(template) if name is not None]
    except ValueError:
        return None
    if not all(name.isidentifier() for name in fields):
        return None
    return frozenset(fields)


def _pattern(template: str) -> re.Pattern[str] | None:
    """A pattern that matches what ``template.format(**values)`` gives, with one named group per field."""
    parts: list[str] = []
    seen: set[str] = set()
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError:
        return None
    for literal, name, _spec, _conversion in parsed:
        parts.append(re.escape(literal))
        if name is None:
            continue
        if not name.isidentifier():
            return None
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
    return re.compile("".join(parts), re.DOTALL)


def _longest_literal(template: str) -> str:
    return max((literal for literal, _, _, _ in _FORMATTER.parse(template)), key=len, default="")


@dataclass(frozen=True, slots=True)
class _Template:
    """One translated line with placeholders, and the Dutch line (or singular and plural lines) it comes from."""

    pattern: re.Pattern[str]
    dutch: tuple[str, ...]
    needle: str  # the longest fixed piece of the line: a cheap test before the pattern

    def dutch_for(self, line: str) -> str | None:
        if self.needle not in line:
            return None
        match = self.pattern.fullmatch(line)
        if match is None:
            return None
        values = match.groupdict()
        template = self.dutch[0]
        if len(set(self.dutch)) > 1:  # a plural entry: Dutch says "1 persoon", "2 mensen"
            count = values.get("n", "")
            if not count.isdigit():
                return None
            template = self.dutch[0] if int(count) == 1 else self.dutch[1]
        try:
            return template.format_map(values)
        except (KeyError, ValueError, IndexError):
            return None


@dataclass(slots=True)
class ReverseCatalog:
    """One language's translated lines → their Dutch source lines."""

    exact: dict[str, set[str]] = field(default_factory=dict)
    templates: list[_Template] = field(default_factory=list)

    @classmethod
    def from_catalog(cls, catalog: Iterable[object]) -> ReverseCatalog:
        reverse = cls()
        for message in catalog:
            source, translated = getattr(message, "id", None), getattr(message, "string", None)
            if not source or not translated:
                continue  # the header, or not translated (the user saw the Dutch itself)
            if isinstance(source, (list, tuple)):
                forms = [str(form) for form in translated if form] if isinstance(translated, (list, tuple)) else []
                for form in forms:
                    reverse.add(form, tuple(str(s) for s in source))
            elif isinstance(translated, str):
                reverse.add(translated, (str(source),))
        return reverse

    @classmethod
    def from_mo(cls, path: Path) -> ReverseCatalog:
        with path.open("rb") as handle:
            catalog: Catalog = read_mo(handle)
        return cls.from_catalog(catalog)

    def add(self, translated: str, sources: tuple[str, ...]) -> None:
        """Map a translation to its Dutch (``sources``: the msgid, or its singular and plural), line by line."""
        lines = translated.split("\n")
        source_lines = [source.split("\n") for source in sources]
        if any(len(found) != len(lines) for found in source_lines):
            return  # the translator changed the line structure: which line is which is unknown
        for i, line in enumerate(lines):
            dutch = tuple(found[i] for found in source_lines)
            if not line.strip():
                continue
            needed = set().union(*(placeholders(d) or frozenset() for d in dutch))
            if not needed and len(set(dutch)) == 1:
                self.exact.setdefault(line, set()).add(dutch[0])
                continue
            pattern, offered = _pattern(line), placeholders(line)
            if pattern is None or offered is None or not needed - {"n"} <= offered:
                continue  # the Dutch needs a value this line does not show
            self.templates.append(_Template(pattern, dutch, _longest_literal(line)))

    def candidates(self, line: str) -> set[str]:
        """Every Dutch source this whole line could come from (a literal entry wins over a template)."""
        exact = self.exact.get(line)
        if exact:
            return set(exact)
        found = (template.dutch_for(line) for template in self.templates)
        return {dutch for dutch in found if dutch is not None}

    def sources(self, line: str) -> frozenset[str]:
        """Every Dutch line this line could be the translation of (several when translators made two the same)."""
        whole = self.candidates(line)
        if whole:
            return frozenset(whole)
        joined = self._sentences(line)
        return frozenset() if joined is None else frozenset({joined})

    def line(self, line: str) -> str | None:
        """The Dutch of one line the user saw; None when unknown or ambiguous."""
        found = self.sources(line)
        return next(iter(found)) if len(found) == 1 else None

    def _sentences(self, line: str) -> str | None:
        """A line joined from several texts after full stops: each run of sentences matched on its own."""
        breaks = list(SENTENCE_BREAK.finditer(line))
        if not breaks or len(breaks) >= MAX_SENTENCES:
            return None
        starts = [0, *(b.end() for b in breaks)]
        ends = [*(b.start() for b in breaks), len(line)]
        # known[j]: the Dutch of line[:ends[j-1]] and the separator after it, for each way to read it
        known: list[set[str]] = [{""}] + [set() for _ in ends]
        for j in range(1, len(ends) + 1):
            for i in range(j):
                if not known[i]:
                    continue
                segment = line[starts[i] : ends[j - 1]]
                dutch = self.candidates(segment)
                if not dutch:
                    continue
                gap = line[ends[j - 1] : starts[j]] if j < len(ends) else ""
                known[j] |= {before + found + gap for before in known[i] for found in dutch}
            if len(known[j]) > 1:
                return None  # two readings with different Dutch: say nothing
        return known[-1].pop() if len(known[-1]) == 1 else None


class DutchSource:
    """The reverse catalogs of the offered languages (Dutch itself needs none)."""

    def __init__(self, catalogs: Mapping[str, ReverseCatalog]) -> None:
        self.catalogs = dict(catalogs)

    @classmethod
    def load(cls, directory: Path, locales: Sequence[str]) -> DutchSource:
        """Read ``<directory>/<code>/LC_MESSAGES/messages.mo`` of each language that has one."""
        catalogs = {}
        for code in locales:
            path = directory / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
            if code != SOURCE_LOCALE and path.is_file():
                catalogs[code] = ReverseCatalog.from_mo(path)
        logger.debug("reverse catalogs for %s", ", ".join(catalogs) or "no language")
        return cls(catalogs)

    def sources(self, line: str, locale: str) -> tuple[str, ...]:
        """The Dutch this line can come from: from the conversation's language, else from the other languages.

        Mostly one; up to ``MAX_ALTERNATIVES`` when one translation stands for several Dutch wordings (the
        agent is shown them as alternatives); none when unknown, or when it could be more.
        """
        own = self.catalogs.get(locale)
        found: frozenset[str] = own.sources(line) if own is not None else frozenset()
        if not found:
            found = frozenset().union(*(c.sources(line) for code, c in self.catalogs.items() if code != locale))
        return tuple(sorted(found)) if len(found) <= MAX_ALTERNATIVES else ()

    def line(self, line: str, locale: str) -> str | None:
        """The Dutch of one line, when there is exactly one."""
        found = self.sources(line, locale)
        return found[0] if len(found) == 1 else None

    def beside(self, text: str, locale: str) -> list[tuple[str, tuple[str, ...]]] | None:
        """Each line of a bot message with the Dutch it came from (empty where not found, or where the line is
        Dutch already; more than one where the translation stands for several Dutch wordings).

        None when there is nothing to add at all: every line is Dutch already, or none was found.
        """
        pairs: list[tuple[str, tuple[str, ...]]] = []
        for line in text.split("\n"):
            found = self.sources(line, locale) if line.strip() else ()
            pairs.append((line, () if line in found else found))
        return pairs if any(found for _, found in pairs) else None


class DutchSources:
    """``DutchSource`` per catalog directory and languages, read again when a compiled catalog changes."""

    def __init__(self) -> None:
        self._cached: dict[tuple[Path, tuple[str, ...]], tuple[tuple[int, ...], DutchSource]] = {}

    def get(self, directory: Path, locales: Sequence[str]) -> DutchSource:
        key = (directory, tuple(locales))
        stamps = tuple(_mtime(directory / code / "LC_MESSAGES" / f"{DOMAIN}.mo") for code in locales)
        cached = self._cached.get(key)
        if cached is None or cached[0] != stamps:
            cached = self._cached[key] = (stamps, DutchSource.load(directory, locales))
        return cached[1]


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0
