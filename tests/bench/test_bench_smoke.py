"""The benchmarks run end to end at their ``--quick`` size and fill their rows with numbers (no speed asserted)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_ADMIN_URL

ROOT = Path(__file__).resolve().parents[2]
NUMBER = re.compile(r"^\d[\d,.]*×?( \(.*\))?$")


def bench_rows(*args: str, timeout: float = 240) -> list[list[str]]:
    """Run ``python -m bench args``; the table's cells per row (without the header)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[1:]]


@pytest.mark.parametrize("postgres_url", ["", POSTGRES_ADMIN_URL], ids=["sqlite", "sqlite+postgresql"])
def test_telegram_bench_fills_its_rows(postgres_url: str) -> None:
    rows = bench_rows("--only", "telegram", "--quick", "--repeats", "1", "--postgres-url", postgres_url)
    telegram = [row for row in rows if row[0] == "telegram"]
    measures = " ".join(row[1] for row in telegram)
    for expected in ("ours / echo updates/s", "reply ms p99", "Bot API calls per step", "users servable"):
        assert expected in measures
    for _benchmark, measure, sqlite, postgres, _goal, _met in telegram:
        assert NUMBER.match(sqlite), (measure, sqlite)
        if measure.startswith(("ours", "ours /")):
            assert NUMBER.match(postgres) if postgres_url else postgres == "n/a", (measure, postgres)


def web_bench_rows(benchmark: str, *args: str) -> list[list[str]]:
    """The rows of one web benchmark (``webchat`` or ``relay``) run at its quick size, each cell split out."""
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--only", benchmark, "--quick", "--repeats", "1", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[1:]]


def test_webchat_bench_fills_its_rows_on_sqlite() -> None:
    rows = [row for row in web_bench_rows("webchat", "--postgres-url", "") if row[0] == "web chat"]
    measures = " ".join(row[1] for row in rows)
    for expected in ("replies/s", "latency median ms", "latency p99 ms", "errors", "server KiB per open page"):
        assert expected in measures
    for _benchmark, measure, sqlite, postgres, _goal, _met in rows:
        assert re.fullmatch(r"-?\d[\d,.]*", sqlite), (measure, sqlite)
        assert postgres == "n/a", (measure, postgres)
    assert all(row[2] == "0" for row in rows if row[1].endswith("errors"))


def test_relay_bench_fills_its_rows_on_one_and_two_workers() -> None:
    rows = [row for row in web_bench_rows("relay", "--postgres-url", POSTGRES_ADMIN_URL) if row[0] == "relay"]
    measures = [row[1] for row in rows]
    for setting in ("one worker", "two workers"):
        for direction in ("user → agent", "agent → user"):
            for pattern in ("spread", "burst of all"):
                assert f"{setting}: {direction}, {pattern}: p99 ms" in measures
    for _benchmark, measure, sqlite, postgres, _goal, _met in rows:
        assert re.fullmatch(r"\d[\d,.]*", postgres), (measure, postgres)
        if measure.startswith("one worker"):
            assert re.fullmatch(r"\d[\d,.]*", sqlite), (measure, sqlite)
    assert all(row[2] in ("0", "n/a") and row[3] == "0" for row in rows if row[1].endswith("errors"))
