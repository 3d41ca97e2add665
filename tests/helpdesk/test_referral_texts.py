"""What a user reads about a warm referral meets the B1 floor (b1.md), and shows the agent's words unchanged."""

from __future__ import annotations

import pytest

from bot.dialogs.readability import b1_problems
from bot.helpdesk import referral_texts as texts
from bot.i18n import I18n
from tests.bot.test_catalog import LABEL_MAX

NOTE = "Je wordt gepest in de klas. Je wilt met iemand praten."  # an agent's note in B1, as the form asks
CONTACT = "Bel mijn moeder na vier uur."
ORG = "De Kindertelefoon"


def user_texts() -> dict[str, str]:
    with I18n(("nl",)).use("nl"):
        messages = {
            "proposal_with": texts.proposal(1, ORG, NOTE, CONTACT, with_transcript=True),
            "proposal_without": texts.proposal(1, ORG, NOTE, CONTACT, with_transcript=False),
            "sent": texts.sent(1, ORG),
            "refused": texts.refused(ORG),
            "withdrawn": texts.withdrawn(ORG),
            "too_late": texts.too_late(ORG),
            "not_current": texts.not_current(),
        }
    return {name: message.text for name, message in messages.items()}


@pytest.mark.parametrize(("name", "text"), sorted(user_texts().items()))
def test_referral_texts_are_b1(name: str, text: str) -> None:
    assert b1_problems(name, text) == []


def test_the_user_sees_exactly_what_goes_and_to_whom() -> None:
    tricky = "Zij heet {naam}; bel 06-12345678.\nNiet naar school bellen!"
    with I18n(("nl",)).use("nl"):
        asked = texts.proposal(7, ORG, tricky, "Via {mail}", with_transcript=False)
        labels = [texts.label(answer) for answer in (texts.YES, texts.NO, texts.WITHDRAW)]
    assert f"“{tricky}”" in asked.text and "Via {mail}" in asked.text and ORG in asked.text
    assert "Ons gesprek gaat niet mee." in asked.text
    assert [o.key for o in asked.options] == ["ref:yes:7", "ref:no:7"]
    assert labels == ["Ja, stuur het door", "Nee", "Trek de doorverwijzing in"]
    assert all(len(label) <= LABEL_MAX for label in labels)
    assert len(texts.key(texts.WITHDRAW, 2**31 - 1).encode()) <= 64  # Telegram's callback_data
