"""Shared parts of the hypothesis fuzz tests (tests/**/test_*_fuzz.py): strategies, settings, the log check.

Each fuzz test is an ``async def`` under ``@given``: pytest-asyncio runs every example on the test's event loop,
so one real server (a function-scoped fixture, started once per test) answers all examples of a test. What
each example must show: no 5xx, no traceback and nothing at ERROR in the log (``assert_clean_log``), and the
conversation still answers a normal message afterwards.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# One server per test, examples share it: hence the health check; no deadline, as a real round trip varies.
# ``database=None``: no .hypothesis/ directory in the work tree; a failure prints its example to reproduce.
FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Every code point, lone surrogates (U+D800–U+DFFF) included: JSON can carry them as "\ud800".
ANY_CHAR = st.characters(codec=None, exclude_categories=())
ODD_TEXT = st.text(ANY_CHAR, max_size=40) | st.sampled_from(
    ["", " ", "\ud800", "start\udfff", "\x00", "\u202e", "²", "٣", "0", "-1", "1e309", "NaN", "/start", "/mens"]
)
HUGE_INT = st.integers(min_value=2**63 - 2, max_value=2**80) | st.integers(min_value=-(2**80), max_value=-(2**63) + 2)
ODD_INT = st.integers() | HUGE_INT | st.sampled_from([0, -1, 2**31, 2**31 - 1, 2**53 + 1])
SCALAR = st.none() | st.booleans() | ODD_INT | st.floats(allow_nan=False) | ODD_TEXT
JSON = st.recursive(
    SCALAR,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(ODD_TEXT, children, max_size=4),
    max_leaves=12,
)


def anything_but(*kinds: type) -> st.SearchStrategy[Any]:
    """Any JSON value that is not of one of ``kinds`` (bool counts as int, as in Python)."""
    return JSON.filter(lambda value: not isinstance(value, kinds))


def to_json(value: Any) -> bytes:
    """JSON as a client sends it: non-ASCII escaped, so lone surrogates travel as ``\\udXXX``."""
    return json.dumps(value, ensure_ascii=True).encode()


def nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


# Bodies that are not what a JSON encoder makes: broken or extreme texts (nesting, digits past Python's limit).
RAW_JSON = st.one_of(
    st.binary(max_size=200).map(lambda raw: raw.decode("latin-1")),
    st.integers(min_value=1, max_value=5000).map(nested),
    st.integers(min_value=1, max_value=3000).map(lambda n: '{"a":' * n + "1" + "}" * n),
    st.integers(min_value=4000, max_value=6000).map(lambda n: "9" * n),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "[1e999]", '"\\ud800"', "{", "", "null", "[]"]),
)


def logged_problems(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Log records at ERROR (or above) or with a traceback, as text."""
    return [
        f"{record.levelname} {record.name}: {record.getMessage()}"
        + (f"\n{logging.Formatter().formatException(record.exc_info)}" if record.exc_info else "")
        for record in caplog.records
        if record.levelno >= logging.ERROR or record.exc_info
    ]


def assert_clean_log(caplog: pytest.LogCaptureFixture) -> None:
    problems = logged_problems(caplog)
    assert not problems, "\n".join(problems)
