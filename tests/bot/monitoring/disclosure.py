"""What a reader can work out from figures as they are shown: brute force over every hidden count.

The reader knows that "< 5" is 1 to 4, that "verborgen" is at least 5 (and, here, at most ``cap``), that a number
is that number, and every sum the figures show: a week's total is the sum of its channels; "Gesprekken begonnen"
is the sum of the week totals and of the languages; "Crisissignalen" of the crisis table; "Opgepakt door een
mens" of the whole waits table, whose first column also gives the median, the 90th percentile and the share
within 5 minutes; the outcome "geen passende organisatie" is the sum of the agents' notes. Written from the
figures as shown, not from the code that hides them.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

from bot.monitoring.figures import Count, Figures
from storage.monitoring import WAIT_BUCKETS

Ref = Hashable
HIDDEN = "verborgen"
STARTED = "Gesprekken begonnen"
CLAIMED = "Opgepakt door een mens"
CRISIS = "Crisissignalen"
COUNTS = (STARTED, "Vroegen om een mens", CLAIMED, CRISIS, "Gesprekken gewist door de gebruiker")
MEDIAN = "Wachttijd binnen openingstijd, mediaan"
P90 = "Wachttijd binnen openingstijd, 90e percentiel"
SHARE = "Binnen 5 minuten opgepakt"
WITTE_VLEK = "Geen passende organisatie (witte vlek)"


@dataclass(frozen=True, slots=True)
class Rule:
    """Something the reader knows about the counts at ``refs``."""

    refs: tuple[Ref, ...]
    holds: Callable[[Mapping[Ref, int]], bool]


@dataclass(frozen=True, slots=True)
class Sum:
    """``total`` is shown to be the sum of ``parts``."""

    total: Ref
    parts: tuple[Ref, ...]

    def rule(self) -> Rule:
        return Rule((self.total, *self.parts), lambda v: v[self.total] == sum(v[part] for part in self.parts))


def possible(domains: Mapping[Ref, Sequence[int]], rules: Sequence[Rule]) -> dict[Ref, set[int]]:
    """For each count with more than one candidate, the values that fit every rule together with the others."""
    hidden = [ref for ref, domain in domains.items() if len(domain) > 1]
    group_of = {ref: index for index, ref in enumerate(hidden)}
    for rule in rules:  # counts in one rule are worked out together
        inside = sorted({group_of[ref] for ref in rule.refs if ref in group_of})
        for ref, group in group_of.items():
            if group in inside:
                group_of[ref] = inside[0]
    groups: dict[int, list[Ref]] = defaultdict(list)
    for ref in hidden:
        groups[group_of[ref]].append(ref)
    values = {ref: domain[0] for ref, domain in domains.items()}
    found: dict[Ref, set[int]] = {ref: set() for ref in hidden}
    for members in groups.values():
        touching = [rule for rule in rules if any(ref in members for ref in rule.refs)]
        for combination in itertools.product(*(domains[ref] for ref in members)):
            values.update(zip(members, combination, strict=True))
            if all(rule.holds(values) for rule in touching):
                for ref, value in zip(members, combination, strict=True):
                    found[ref].add(value)
    return found


def domain(shown: str, min_count: int, cap: int) -> Sequence[int]:
    """The values a reader thinks a count may have."""
    if shown == f"< {min_count}":
        return range(1, min_count)
    if shown == HIDDEN:
        return range(min_count, cap + 1)
    return [int(shown)]


def read(figures: Figures, cap: int) -> tuple[dict[Ref, Sequence[int]], list[Sum], list[Rule]]:
    """What the figures show: a domain per count, the sums, and the other rules (from the waits)."""
    domains: dict[Ref, Sequence[int]] = {
        ("summary", label): domain(shown, figures.min_count, cap) for label, shown in figures.summary if label in COUNTS
    }
    for table in figures.tables:
        for i, row in enumerate(table.rows):
            for j, cell in enumerate(row):
                if isinstance(cell, Count):
                    domains[(table.key, i, j)] = domain(cell.shown, figures.min_count, cap)
    sums: list[Sum] = []
    weeks = figures.table("per_week")
    for i, row in enumerate(weeks.rows):
        sums.append(Sum(("per_week", i, 1), tuple(("per_week", i, j) for j in range(2, len(row)))))
    sums.append(Sum(("summary", STARTED), tuple(("per_week", i, 1) for i in range(len(weeks.rows)))))
    sums.append(Sum(("summary", STARTED), column(figures, "languages", 1)))
    sums.append(Sum(("summary", CRISIS), column(figures, "crisis", 1)))
    sums.append(Sum(("summary", CLAIMED), column(figures, "waits", 1) + column(figures, "waits", 2)))
    outcomes = figures.table("handoff_outcomes")
    sums += [
        Sum(("handoff_outcomes", i, 1), column(figures, "witte_vlek_notes", 3))
        for i, row in enumerate(outcomes.rows)
        if row[0] == WITTE_VLEK
    ]
    return domains, sums, wait_rules(figures)


def column(figures: Figures, key: str, index: int) -> tuple[Ref, ...]:
    return tuple((key, row, index) for row in range(len(figures.table(key).rows)))


def wait_rules(figures: Figures) -> list[Rule]:
    """The median, the 90th percentile and the share as the reader can check them against the first column."""
    summary = dict(figures.summary)
    opened = column(figures, "waits", 1)
    rules = []
    least = figures.min_count
    for label, rank in ((MEDIAN, 0.5), (P90, 0.9)):
        if summary[label] != HIDDEN:
            rules.append(
                Rule(opened, lambda v, shown=summary[label], rank=rank: _bucket(v, opened, rank, least) == shown)
            )
    share = summary[SHARE]
    if share.endswith("%"):
        rules.append(Rule(opened, lambda v: _share(v, opened) == share))
    return rules


def _bucket(values: Mapping[Ref, int], opened: tuple[Ref, ...], rank: float, least: int) -> str:
    numbers = [values[ref] for ref in opened]
    total = sum(numbers)
    if total < least:
        return "te weinig gegevens"
    seen = 0
    for (_edge, label), number in zip(WAIT_BUCKETS, numbers, strict=True):
        seen += number
        if seen >= rank * total:
            return f"{label} minuten"
    return f"{WAIT_BUCKETS[-1][1]} minuten"


def _share(values: Mapping[Ref, int], opened: tuple[Ref, ...]) -> str:
    numbers = [values[ref] for ref in opened]
    fast = sum(number for (edge, _label), number in zip(WAIT_BUCKETS, numbers, strict=True) if edge < 5)
    return f"{round(100 * fast / sum(numbers))}%" if sum(numbers) else ""


def worked_out(figures: Figures) -> list[str]:
    """The small counts a reader can pin down to one value (with the values that fit), and sums that hide one."""
    shown: list[int | None] = [
        cell.value for table in figures.tables for row in table.rows for cell in row if isinstance(cell, Count)
    ]
    shown += [int(text) for _label, text in figures.summary if text.isdigit()]
    cap = max([value for value in shown if value is not None] + [0]) + figures.min_count
    domains, sums, rules = read(figures, cap)
    return problems(domains, sums, rules, figures.min_count)


def problems(
    domains: Mapping[Ref, Sequence[int]], sums: Sequence[Sum], rules: Sequence[Rule], min_count: int
) -> list[str]:
    """Small counts pinned to one value, counts nothing fits, and sums with exactly one hidden member."""
    found = possible(domains, [line.rule() for line in sums] + list(rules))
    out = [f"{ref}: nothing fits (the reader's view is wrong)" for ref, values in found.items() if not values]
    out += [
        f"{ref} can only be {sorted(values)}"
        for ref, values in found.items()
        if len(values) == 1 and domains[ref][-1] < min_count
    ]
    out += [
        f"{line} has one hidden count"
        for line in sums
        if sum(len(domains[ref]) > 1 for ref in (line.total, *line.parts)) == 1
    ]
    return out
