"""The hand-off lifecycle is declared once; storage fires its triggers; the drawing in docs/ follows the data."""

from __future__ import annotations

from pathlib import Path

import pytest
from transitions import MachineError

from storage import handoff_lifecycle as lifecycle

DOCS = Path(__file__).resolve().parents[2] / "docs" / "lifecycle.md"


def test_the_rules_of_each_trigger() -> None:
    assert lifecycle.sources("claim") == ("queued",)
    assert lifecycle.destination("claim") == "live"
    assert lifecycle.sources("requeue") == ("live",) and lifecycle.destination("requeue") == "queued"
    assert set(lifecycle.sources("user_left")) == {"queued", "live"}
    assert lifecycle.sources("cleared") == ("queued",), "a live chat is never cleared as fake"
    assert lifecycle.sources("end") == ("live",)
    with pytest.raises(KeyError):
        lifecycle.sources("no_such_trigger")


def test_every_open_state_can_end_and_nothing_leaves_ended() -> None:
    ending = {state for trigger in lifecycle.MACHINE.events for state in lifecycle.sources(trigger)}
    assert set(lifecycle.OPEN) <= ending
    assert lifecycle.ENDED not in ending


def test_the_shared_machine_has_no_models() -> None:
    assert lifecycle.MACHINE.models == []
    with pytest.raises((AttributeError, MachineError)):
        lifecycle.MACHINE.claim()  # type: ignore[attr-defined]


def test_the_drawing_in_docs_is_current() -> None:
    assert DOCS.read_text(encoding="utf-8") == lifecycle.markdown(), "run: wegwijzer lifecycle draw"
