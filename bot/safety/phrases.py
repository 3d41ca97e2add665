"""One language's crisis phrases, compiled: folding, typo tolerance, idioms, phrase windows (see bot.safety.crisis)."""

from __future__ import annotations

import logging
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.safety.phrase_file import PRIORITY, CrisisDataError, CrisisKind, PhraseSpec, read_phrase_file

logger = logging.getLogger(__name__)

BREAK = "."  # a sentence end or a cut-out idiom; never a word
LONGEST_WORD = 40  # longer "words" are neither split nor corrected: a 10 000-letter token must stay cheap
CACHE_LIMIT = 50_000
_SENTENCE_END = re.compile(r"[.!?;\n\r\u2028\u2029\u061f\u061b\u06d4]+")  # and Arabic ؟ ؛ ۔
_TOKEN = re.compile(rf"[^\W_]+|\{BREAK}")
_REPEAT = re.compile(r"(.)\1{2,}")
_STROKES = str.maketrans({"ł": "l", "ı": "i", "ø": "o", "đ": "d", "ħ": "h", "æ": "ae", "œ": "oe"})  # not NFKD's
Word = tuple[str, frozenset[int]]  # a normalised word and the ids of the terms it matches
_BREAK: Word = (BREAK, frozenset())


@dataclass(frozen=True)
class _Rule:
    terms: tuple[int, ...]
    window: int
    order: bool
    unless: frozenset[int]
    reach: int | None  # None: the whole sentence


def fold(text: str) -> list[str]:
    """Lower case words without accents or apostrophes; ``BREAK`` where a sentence ends."""
    text = unicodedata.normalize("NFKD", text.casefold())
    if not text.isascii():
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_STROKES)
    return _TOKEN.findall(_SENTENCE_END.sub(f" {BREAK} ", re.sub(r"['’‘`´ʼ]", "", text)))


def _one_typo(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by one letter changed, missing or added, or two neighbours swapped."""
    if len(a) > len(b):
        a, b = b, a
    if len(b) - len(a) > 1:
        return False
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) < len(b):
        return a[i:] == b[i + 1 :]
    return a[i + 1 :] == b[i + 1 :] or (a[i : i + 2] == b[i : i + 2][::-1] and a[i + 2 :] == b[i + 2 :])


def _deletions(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


class Phrases:
    """One locale's phrase file, compiled."""

    def __init__(self, path: Path) -> None:
        self.path = path
        data = read_phrase_file(path)
        for old, new in data.letters.items():
            if len(old) != 1 or old == BREAK or fold(old) != [old] or (new and fold(new) != [new] or new == BREAK):
                raise CrisisDataError(f"{path}: letters {old!r}: {new!r}: one folded letter, read as a word or nothing")
        self._letters = str.maketrans(data.letters)
        self._typo_word, self._typo_stem = data.typos.word, data.typos.stem
        self._splits, self._prefixes = data.split, tuple(self._word(prefix) for prefix in data.prefixes)
        self._groups = data.groups
        self._normalise = {self._word(k): tuple(map(self._word, v.split())) for k, v in data.normalise.items()}
        self._terms: list[tuple[frozenset[str], frozenset[str], frozenset[str]]] = []  # words, stems, !words
        self._term_ids: dict[tuple[frozenset[str], frozenset[str], frozenset[str]], int] = {}
        self._by_word: dict[str, set[int]] = {}
        self._by_stem: dict[str, set[int]] = {}
        not_typos = [w for entry in data.not_typos for w in entry.words.split()]
        self._known = {*self._normalise, *(w for words in self._normalise.values() for w in words)}
        self._known |= {self._word(w) for w in not_typos if not w.endswith("*")}
        self._not_typo_stems = tuple(self._word(w[:-1]) for w in not_typos if w.endswith("*"))
        self._idioms: dict[int, list[tuple[tuple[int, bool], ...]]] = {}
        for entry in data.ignore:
            idiom = tuple((self._term(t.removesuffix("?")), t.endswith("?")) for t in entry.words.split())
            if idiom[0][1]:
                raise CrisisDataError(f"{path}: ignore {entry.words!r}: the first word cannot be optional")
            self._idioms.setdefault(idiom[0][0], []).append(idiom)
        self._self, self._other = self._term(data.subjects.self_), self._term(data.subjects.other)
        self._subject_reach = data.subjects.reach
        self._rules: dict[CrisisKind, list[_Rule]] = {}
        for kind, spec in data.kinds.items():
            for p in (raw if isinstance(raw, PhraseSpec) else PhraseSpec(words=raw) for raw in spec.phrases):
                terms, unless = tuple(map(self._term, p.words.split())), frozenset(map(self._term, p.unless.split()))
                reach = None if p.reach == "sentence" else data.reach if p.reach is None else p.reach
                self._rules.setdefault(kind, []).append(_Rule(terms, p.window or data.window, p.order, unless, reach))
        self._stem_lengths = sorted({len(s) for s in self._by_stem})
        self._typo_stems: dict[str, list[str]] = {}
        for stem in (s for s in self._by_stem if len(s) >= self._typo_stem):
            self._typo_stems.setdefault(stem[:2], []).append(stem)
        self._deletes: dict[str, set[str]] = {}
        for word in (w for w in self._by_word if len(w) >= self._typo_word):
            for variant in _deletions(word):
                self._deletes.setdefault(variant, set()).add(word)
        self._pieces = {w for w in self._known if len(w) > 1} | set(self._normalise)
        self._longest_piece = max(map(len, self._pieces), default=1)
        self._cache: dict[str, tuple[Word, ...]] = {}

    def _word(self, word: str) -> str:
        folded = fold(word)
        if len(folded) != 1 or folded[0] == BREAK or not (read := folded[0].translate(self._letters)):
            raise CrisisDataError(f"{self.path}: {word!r} is not one word")
        return read

    def _term(self, spec: str, depth: int = 0) -> int:
        """Compile ``word|stem*|@group|!word`` to a term id (one id per distinct term)."""
        words: set[str] = set()
        stems: set[str] = set()
        nots: set[str] = set()
        for alt in spec.split("|"):
            if alt.startswith("@"):
                if alt[1:] not in self._groups or depth > 3:
                    raise CrisisDataError(f"{self.path}: {spec!r}: unknown group {alt!r}")
                for item in self._groups[alt[1:]]:
                    for mine, theirs in zip(
                        (words, stems, nots), self._terms[self._term(item, depth + 1)], strict=True
                    ):
                        mine |= theirs
            elif alt.endswith("*"):
                stems.add(self._word(alt[:-1]))
            elif alt.startswith("!"):
                nots.add(self._word(alt[1:]))
            elif self._normalise.get(word := self._word(alt), (word,)) != (word,):
                raise CrisisDataError(f"{self.path}: {spec!r}: {word!r} is rewritten by normalise; write the result")
            else:
                words.add(word)
        term = (frozenset(words), frozenset(stems), frozenset(nots))
        if term not in self._term_ids:
            self._term_ids[term] = len(self._terms)
            self._terms.append(term)
            self._known |= words
            for word in words:
                self._by_word.setdefault(word, set()).add(self._term_ids[term])
            for stem in stems:
                self._by_stem.setdefault(stem, set()).add(self._term_ids[term])
        return self._term_ids[term]

    def _read_word(self, raw: str) -> tuple[Word, ...]:
        """The normalised word(s) for one typed word, each with the terms it matches."""
        if (cached := self._cache.get(raw)) is not None:
            return cached
        word, words = raw.translate(self._letters), None
        if not word:  # a word of letters that are read as nothing
            return ()
        if _REPEAT.search(word):
            squeezed = [_REPEAT.sub(r"\1\1", word), _REPEAT.sub(r"\1", word)]
            word = next((w for w in squeezed if w in self._known), squeezed[0])
        ids = self._match(word)
        if word in self._normalise:
            words = self._normalise[word]
        elif not ids and word not in self._known and (pieces := self._unglue(word) or self._split(word)):
            words = tuple(w for piece in pieces for w in self._normalise.get(piece, (piece,)))
        if len(self._cache) >= CACHE_LIMIT:
            self._cache.clear()
        self._cache[raw] = tuple((w, self._match(w)) for w in words) if words else ((word, ids),)
        return self._cache[raw]

    def _match(self, word: str) -> frozenset[int]:
        """The terms ``word`` matches, with one typo where allowed."""
        forms, ids = {word}, set()
        typo = self._typo_word <= len(word) <= LONGEST_WORD and word not in self._known
        if typo and not word.startswith(self._not_typo_stems):
            forms |= {w for v in _deletions(word) for w in self._deletes.get(v, ()) if _one_typo(word, w)}
            for stem in self._typo_stems.get(word[:2], ()):
                if any(_one_typo(word[:n], stem) for n in range(len(stem) - 1, len(stem) + 2)):
                    ids |= self._by_stem[stem]
        for form in forms:
            ids.update(self._by_word.get(form, ()))
            for n in self._stem_lengths:
                ids.update(self._by_stem.get(form[:n], ()))
        return frozenset(t for t in ids if word not in self._terms[t][2])

    def _unglue(self, word: str) -> list[str] | None:
        """``word`` without a glued ``prefixes`` one, when the rest is a word here (one piece), or None."""
        for prefix in self._prefixes:
            rest = word[len(prefix) :]
            if word.startswith(prefix) and rest and (rest in self._known or self._match(rest)):
                return [rest]
        return None

    def _split(self, word: str) -> list[str] | None:
        """``word`` as the fewest known words (two or more), or None."""
        if (
            not self._splits
            or len(word) > LONGEST_WORD
            or not any(word[:n] in self._pieces for n in range(1, self._longest_piece + 1))
        ):
            return None
        best: list[list[str] | None] = [[]] + [None] * len(word)
        for end in range(1, len(word) + 1):
            for start in range(max(0, end - self._longest_piece), end):
                before, now = best[start], best[end]
                if (
                    before is not None
                    and word[start:end] in self._pieces
                    and (now is None or len(before) < len(now) - 1)
                ):
                    best[end] = [*before, word[start:end]]
        return best[-1] if best[-1] is not None and len(best[-1]) > 1 else None

    def detect(self, text: str) -> CrisisKind | None:
        """The most urgent kind whose phrase occurs in ``text``, or None."""
        read: list[Word] = []
        for raw in fold(text):
            if raw != BREAK:
                read += self._read_word(raw)
            elif read and read[-1][0] != BREAK:
                read.append(_BREAK)
        read = self._cut_idioms(read)
        positions: dict[int, list[int]] = {}
        sentence_at: list[int] = []
        in_sentence: list[set[int]] = [set()]
        for p, (word, ids) in enumerate(read):
            if word == BREAK:
                in_sentence.append(set())
            sentence_at.append(len(in_sentence) - 1)
            in_sentence[-1] |= ids
            for t in ids:
                positions.setdefault(t, []).append(p)

        def cancelled(rule: _Rule, first: int, last: int) -> bool:
            """An ``unless`` word within ``reach`` words of the match, or in its sentence(s)."""
            if rule.reach is None:
                return any(in_sentence[s] & rule.unless for s in range(sentence_at[first], sentence_at[last] + 1))
            return any(ids & rule.unless for _, ids in read[max(0, first - rule.reach) : last + rule.reach + 1])

        found: set[CrisisKind] = set()
        for rank, kind in enumerate(PRIORITY):
            for rule in self._rules.get(kind, ()):
                for first, last in _spans(rule, positions):
                    if rule.unless and cancelled(rule, first, last):
                        continue
                    other = kind is CrisisKind.SUICIDE and self._about_someone_else(read, first, last)
                    found.add(CrisisKind.SUICIDE_OTHER if other else kind)
                    if not other:
                        break
                if kind in found:
                    break
            if found and PRIORITY.index(best := min(found, key=PRIORITY.index)) <= rank:
                return best
        return None

    def _cut_idioms(self, read: list[Word]) -> list[Word]:
        """The text without its ``ignore`` idioms; each leaves a BREAK."""
        out: list[Word] = []
        i = 0
        while i < len(read):
            ids = read[i][1]
            idioms = () if ids.isdisjoint(self._idioms) else [s for t in ids for s in self._idioms.get(t, ())]
            ends = [end for idiom in idioms if (end := _end(idiom, read, i)) is not None]
            if not ends:
                out.append(read[i])
                i += 1
                continue
            if out and out[-1][0] != BREAK:
                out.append(_BREAK)
            i = max(ends)
        return out

    def _about_someone_else(self, read: list[Word], first: int, last: int) -> bool:
        """Looking back from the match's last word: is the first person word met someone else?"""
        for p in range(last, max(-1, first - self._subject_reach - 1), -1):
            word, ids = read[p]
            if (p < first and word == BREAK) or self._self in ids:
                return False
            if self._other in ids:
                return True
        return False


def _end(idiom: tuple[tuple[int, bool], ...], read: list[Word], i: int) -> int | None:
    """Where ``idiom`` ends when it starts at ``i`` (its optional words may be missing), or None."""
    if not idiom:
        return i
    (term, optional), rest = idiom[0], idiom[1:]
    if i < len(read) and term in read[i][1] and (end := _end(rest, read, i + 1)) is not None:
        return end
    return _end(rest, read, i) if optional else None


def _spans(rule: _Rule, positions: dict[int, list[int]]) -> Iterator[tuple[int, int]]:
    """(first, last) word of each place where all the rule's terms occur within its window."""
    lists = [positions.get(t, []) for t in rule.terms]
    if not all(lists):
        return
    w = rule.window
    if rule.order:
        for start in lists[0]:
            last = start
            for lst in lists[1:]:
                i = bisect_right(lst, last)
                if i == len(lst) or lst[i] - start >= w:
                    break
                last = lst[i]
            else:
                yield start, last
        return
    ranked = sorted(lists, key=len)
    for q in ranked[0]:
        if all(bisect_left(lst, q - w + 1) < bisect_right(lst, q + w - 1) for lst in ranked[1:]):
            span = _fit(ranked[1:], {q}, q, q, w)
            if span is not None:
                yield span


def _fit(lists: list[list[int]], used: set[int], lo: int, hi: int, w: int) -> tuple[int, int] | None:
    """A distinct position from each list, all within ``w`` words of each other: their (first, last)."""
    if not lists:
        return lo, hi
    lst = lists[0]
    for p in lst[bisect_left(lst, hi - w + 1) : bisect_right(lst, lo + w - 1)]:
        if p not in used and (span := _fit(lists[1:], used | {p}, min(lo, p), max(hi, p), w)) is not None:
            return span
    return None
