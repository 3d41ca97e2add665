"""Which counts to hide: the small ones, and enough others that no hidden count can be worked out from the rest.

A count below ``min_count`` is hidden (``SMALL``, shown as "< 5"). A total beside its parts would give a lone
hidden part away (66 in a week, 62 on the web chat: so 4 on Telegram). So for every ``Line`` (a count that is
the sum of other counts shown) 0 or at least 2 of its members are hidden: the smallest part that is shown and
not 0 is hidden as well (``GUARD``, shown as "verborgen"), or the total when no such part is left.

Then the check a reader could do: a "< 5" is 1 to 4, a "verborgen" at least ``min_count``, a 0 is 0. A small
count is safe when one more or one less also fits everything shown: the change is passed on to another hidden
member of each line it is in, and from there on. When it does not fit, one more member of its line is hidden,
until every small count is safe. Counts nobody sees (``unseen``: those behind a percentage) may be any number;
``ties`` are hidden all or none (a percentage shows them together). ``given_away`` asks the same with one more
thing shown (a median): whether every small count still has another value that leaves it as it is. Pure and
deterministic: the same numbers give the same answer. What it cannot stop: subtracting the figures of two
periods that overlap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass

SMALL = "small"  # below min_count: "< 5"
GUARD = "guard"  # hidden so that a small one cannot be worked out: "verborgen"

Ref = Hashable  # where a count is: ("per_week", row, column), ("summary", label), …
Moves = dict[Ref, int]
Keeps = Callable[[Mapping[Ref, int]], bool]  # whether counts changed like this would still show the same
TRIES = 500  # other values tried for a count before it counts as given away


@dataclass(frozen=True, slots=True)
class Line:
    """``total`` is the sum of ``parts``, and a reader can see that."""

    total: Ref
    parts: tuple[Ref, ...]

    @property
    def members(self) -> tuple[Ref, ...]:
        return (self.total, *self.parts)


def suppress(
    values: Mapping[Ref, int],
    lines: Sequence[Line],
    min_count: int,
    *,
    ties: Sequence[Collection[Ref]] = (),
    unseen: Collection[Ref] = (),
) -> dict[Ref, str]:
    """The counts to hide, each ``SMALL`` or ``GUARD``; every member of ``lines`` and ``ties`` must be in ``values``."""
    return _Suppression(values, lines, min_count, unseen, ties).run()


def given_away(
    values: Mapping[Ref, int],
    lines: Sequence[Line],
    min_count: int,
    hidden: Mapping[Ref, str],
    keeps: Keeps,
    *,
    unseen: Collection[Ref] = (),
) -> bool:
    """Whether a small count in ``hidden`` that has another value fitting what is shown has none that keeps
    ``keeps`` true as well (something more that is shown, like a median: then that must go too)."""
    check = _Suppression(values, lines, min_count, unseen, hidden=hidden)
    return any(kind == SMALL and check.safe(ref) and not check.safe(ref, keeps) for ref, kind in hidden.items())


class _Suppression:
    def __init__(
        self,
        values: Mapping[Ref, int],
        lines: Sequence[Line],
        min_count: int,
        unseen: Collection[Ref],
        ties: Sequence[Collection[Ref]] = (),
        hidden: Mapping[Ref, str] | None = None,
    ) -> None:
        self.values = values
        self.lines = lines
        self.min_count = min_count
        self.ties = ties
        self.unseen = set(unseen)
        small = {ref: SMALL for ref, value in values.items() if 0 < value < min_count}
        self.hidden: dict[Ref, str] = small if hidden is None else dict(hidden)
        self.lines_of: dict[Ref, list[Line]] = defaultdict(list)
        for line in lines:
            for ref in line.members:
                self.lines_of[ref].append(line)

    def run(self) -> dict[Ref, str]:
        while True:
            if self._tie() or self._complete():
                continue
            if self.min_count <= 2 or not any(  # a "< 2" is 1 whatever else is shown
                self.hidden.get(ref) == SMALL and not self.safe(ref) and self._widen(ref) for ref in self.values
            ):
                return self.hidden

    def _tie(self) -> bool:
        changed = False
        for group in self.ties:
            if any(ref in self.hidden for ref in group):
                for ref in group:
                    if ref not in self.hidden:
                        self.hidden[ref] = GUARD
                        changed = True
        return changed

    def _complete(self) -> bool:
        """Each line with exactly one hidden member gets a second one (where it can)."""
        changed = False
        for line in self.lines:
            if sum(ref in self.hidden for ref in line.members) == 1:
                changed = self._hide_one_more(line) or changed
        return changed

    def _widen(self, ref: Ref) -> bool:
        """Hide one more member of a line of ``ref``; if they are all hidden, of a line of those, and so on."""
        seen: list[Line] = []
        reach = list(self.lines_of[ref])
        while reach:
            line = reach.pop(0)
            if line in seen:
                continue
            seen.append(line)
            if self._hide_one_more(line):
                return True
            reach += [other for member in line.members if member in self.hidden for other in self.lines_of[member]]
        return False

    def _hide_one_more(self, line: Line) -> bool:
        """Hide the smallest part of ``line`` that is shown and not 0 (the first of equals), else its total."""
        shown = [(self.values[ref], index, ref) for index, ref in enumerate(line.parts) if ref not in self.hidden]
        candidates = [ref for value, _index, ref in sorted(shown, key=lambda item: item[:2]) if value > 0]
        if not candidates and line.total not in self.hidden and self.values[line.total] > 0:
            candidates = [line.total]
        if not candidates:
            return False
        self.hidden[candidates[0]] = GUARD
        return True

    def _fits(self, ref: Ref, value: int) -> bool:
        """Whether a reader would believe ``value`` for the hidden count at ``ref``."""
        if ref in self.unseen:
            return value >= 0
        if self.hidden[ref] == SMALL:
            return 1 <= value < self.min_count
        return value >= self.min_count

    def safe(self, ref: Ref, keeps: Keeps | None = None) -> bool:
        """Whether another value of ``ref`` fits all that is shown (and ``keeps``)."""
        for step in (1, -1):
            for tries, moves in enumerate(self._shifts(ref, step, None, {})):
                if tries >= TRIES:
                    break
                if any(self._change(line, moves) for line in self.lines):
                    continue
                if keeps is None or keeps({**self.values, **{r: self.values[r] + d for r, d in moves.items()}}):
                    return True
        return False

    def _shifts(self, ref: Ref, step: int, via: Line | None, moves: Moves) -> Iterator[Moves]:
        """Every way to change ``ref`` by ``step`` (on top of ``moves``) with each of its lines but ``via`` made
        whole again by changing other hidden counts."""
        if ref in moves or not self._fits(ref, self.values[ref] + step):
            return
        yield from self._settle(
            ref, step, [line for line in self.lines_of[ref] if line is not via], {**moves, ref: step}
        )

    def _settle(self, ref: Ref, step: int, lines: list[Line], moves: Moves) -> Iterator[Moves]:
        if not lines:
            yield moves
            return
        line, rest = lines[0], lines[1:]
        if self._change(line, moves) == 0:
            yield from self._settle(ref, step, rest, moves)
            return
        for other in line.members:
            if other == ref or other not in self.hidden or other in moves:
                continue
            sign = step if (ref == line.total) != (other == line.total) else -step
            for found in self._shifts(other, sign, line, moves):
                yield from self._settle(ref, step, rest, found)

    @staticmethod
    def _change(line: Line, moves: Moves) -> int:
        """How far ``line`` is off after ``moves``: 0 when the total is still the sum of its parts."""
        return moves.get(line.total, 0) - sum(moves.get(ref, 0) for ref in line.parts)
