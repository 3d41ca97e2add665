"""The referral lifecycle is declared once; consent comes before a partner sees anything; the drawing follows."""

from __future__ import annotations

from pathlib import Path

import pytest
from transitions import MachineError

from storage import referral_lifecycle as lifecycle

DOCS = Path(__file__).resolve().parents[2] / "docs" / "referral_lifecycle.md"


def test_only_the_users_consent_makes_a_referral_visible_to_a_partner() -> None:
    assert lifecycle.INITIAL == "proposed" and lifecycle.INITIAL not in lifecycle.PARTNER_SEES
    into_sight = {t["trigger"] for t in lifecycle.TRANSITIONS if t["dest"] in lifecycle.PARTNER_SEES}
    assert into_sight == {"consent", "accept"}
    assert lifecycle.sources("consent") == ("proposed",) and lifecycle.destination("consent") == "sent"
    assert lifecycle.sources("accept") == ("sent",), "a partner accepts only what the user sent"


def test_the_user_withdraws_only_before_acceptance() -> None:
    assert lifecycle.sources("withdraw") == ("sent",) and lifecycle.sources("refuse") == ("proposed",)
    assert "accepted" not in lifecycle.sources("withdraw")


def test_what_is_declined_or_not_answered_comes_back_and_is_closed_by_an_agent() -> None:
    assert lifecycle.destination("decline") in lifecycle.BACK
    assert lifecycle.destination("expire") in lifecycle.BACK
    assert set(lifecycle.sources("expire")) == {"proposed", "sent"}
    assert set(lifecycle.sources("close")) == set(lifecycle.BACK)
    with pytest.raises(KeyError):
        lifecycle.sources("no_such_trigger")


def test_final_states_are_left_by_nothing_and_every_state_is_reachable() -> None:
    leaving = {state for trigger in lifecycle.MACHINE.events for state in lifecycle.sources(trigger)}
    assert leaving.isdisjoint({"accepted", "withdrawn", "closed"})
    reached = {lifecycle.INITIAL} | {t["dest"] for t in lifecycle.TRANSITIONS}
    assert reached == set(lifecycle.STATES)


def test_the_shared_machine_has_no_models() -> None:
    assert lifecycle.MACHINE.models == []
    with pytest.raises((AttributeError, MachineError)):
        lifecycle.MACHINE.consent()  # type: ignore[attr-defined]


def test_the_drawing_in_docs_is_current() -> None:
    expected = lifecycle.markdown()
    assert DOCS.read_text(encoding="utf-8") == expected, "run: wegwijzer lifecycle draw"
