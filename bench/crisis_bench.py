"""Crisis detection benchmark: how long reading one text for danger takes, in every language at once.

The server reads every typed text in all six languages' phrase files (a parent whose chat is still in Dutch may
type Arabic), so this is the cost each typed message pays before anything else. Goals: a typical message (under
200 characters) well under 1 ms; the longest accepted text (4000 characters) under 20 ms. No database: the
results stand in the SQLite column.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench.table import Row, spread, verdict
from bot.safety.crisis import CrisisDetector
from bot.settings import load_settings

NAME = "crisis"
TEXTS = {
    "short, calm (30 characters)": "mijn zoon wordt gepest op school",
    "short, danger (20 characters)": "ik wil niet meer leven",
    "typical (180 characters)": (
        "Hallo, mijn dochter zit in groep 7 en wordt al weken uitgescholden door een paar kinderen. "
        "De juf zegt dat ze het aanpakt maar er gebeurt niets. Wat kan ik nu het beste doen?"
    ),
    "Arabic in a Dutch chat (30 characters)": "ابني يقول انه يريد ان يموت",
}


def timings(detector: CrisisDetector, text: str, runs: int) -> list[float]:
    measured = []
    for _ in range(runs):
        started = time.perf_counter()
        detector.detect(text, "nl")
        measured.append((time.perf_counter() - started) * 1000)
    return measured


def measure(options: Any) -> list[Row]:
    """The crisis detector's rows for ``python -m bench``: each measure repeated ``options.repeats`` times."""
    runs = 30 if options.quick else 300
    locales = load_settings({}).locales
    loads: list[float] = []
    typical: dict[str, list[float]] = {name: [] for name in TEXTS}
    first: list[float] = []
    again: list[float] = []
    long_text = " ".join(f"woord{i} ik ben er en het was" for i in range(600))[:3990]
    for _ in range(options.repeats):
        started = time.perf_counter()
        detector = CrisisDetector.load(locales)
        loads.append((time.perf_counter() - started) * 1000)
        for name, text in TEXTS.items():
            typical[name].append(statistics.median(timings(detector, text, runs)))
        first.append(timings(detector, long_text, 1)[0])
        again.append(statistics.median(timings(detector, long_text, 20)))
    rows = [Row(NAME, f"load {len(locales)} languages' phrases (ms)", spread(loads, "{:,.0f}"))]
    for name, medians in typical.items():
        rows.append(Row(NAME, f"{name}: median ms", spread(medians, "{:.3f}"), "", "< 1", _met(medians, 1)))
    rows.append(Row(NAME, "4000 characters, new words: ms", spread(first), "", "< 20", _met(first, 20)))
    rows.append(Row(NAME, "4000 characters, again: median ms", spread(again), "", "< 20", _met(again, 20)))
    return rows


def _met(results: list[float], below: float) -> str:
    return verdict([statistics.median(results)], lambda value: value < below)


def main() -> None:
    """``python -m bench.crisis_bench``: the same as ``python -m bench --only crisis``."""
    from bench.__main__ import main as bench_main

    raise SystemExit(bench_main(["--only", NAME]))


if __name__ == "__main__":
    main()
