"""Crisis detection benchmark: how long reading one text for danger takes, in every language at once.

Run with ``make bench``. The server reads every typed text in all six languages' phrase files (a parent whose
chat is still in Dutch may type Arabic), so this is the cost each typed message pays before anything else.
Target: a typical message (under 200 characters) well under 1 ms; the longest accepted text (4000
characters) under 20 ms.
"""

from __future__ import annotations

import statistics
import time

from bench.engine_bench import Row, print_table
from bot.safety.crisis import CrisisDetector
from bot.settings import load_settings

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


def bench(runs: int = 300) -> list[Row]:
    locales = load_settings({}).locales
    started = time.perf_counter()
    detector = CrisisDetector.load(locales)
    rows: list[Row] = [
        (f"load {len(locales)} languages' phrases (ms)", f"{(time.perf_counter() - started) * 1000:.0f}", "")
    ]
    for name, text in TEXTS.items():
        measured = sorted(timings(detector, text, runs))
        rows.append((f"{name}: median ms", f"{statistics.median(measured):.3f}", "< 1"))
    long_text = " ".join(f"woord{i} ik ben er en het was" for i in range(600))[:3990]
    first = timings(detector, long_text, 1)[0]
    again = sorted(timings(detector, long_text, 20))
    rows.append(("4000 characters, new words: ms", f"{first:.1f}", "< 20"))
    rows.append(("4000 characters, again: median ms", f"{statistics.median(again):.1f}", "< 20"))
    return rows


def main() -> None:
    print_table(bench())


if __name__ == "__main__":
    main()
