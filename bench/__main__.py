"""``make bench``: run the benchmarks and print one table (see docs/performance.md for how to read it).

Each benchmark module has ``measure(options) -> list[Row]``; ``--only`` runs some of them, ``--quick`` runs
each at a small size (to check that the benchmarks still work, not to measure).
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
import time

from bench.table import Row, render

BENCHMARKS = ("engine", "crisis", "telegram", "webchat", "relay")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated: " + ", ".join(BENCHMARKS))
    parser.add_argument("--quick", action="store_true", help="small sizes: checks that the benchmarks run")
    parser.add_argument("--repeats", type=int, default=3, help="how often each measure is repeated")
    parser.add_argument(
        "--postgres-url",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="the PostgreSQL the database benchmarks also run on ('' for SQLite only)",
    )
    options = parser.parse_args(argv)
    chosen = [name.strip() for name in options.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    rows: list[Row] = []
    started = time.perf_counter()
    for name in chosen:
        module = importlib.import_module(f"bench.{name}_bench")
        print(f"running {name} …", file=sys.stderr, flush=True)
        rows += module.measure(options)
    print(render(rows))
    print(
        f"{platform.machine()}, {_cores()} cores, Python {platform.python_version()}; "
        f"{options.repeats} repeats each, median (lowest–highest); {time.perf_counter() - started:,.0f} s in all"
    )
    return 0


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    sys.exit(main())
