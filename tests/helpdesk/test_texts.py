"""Every text the helpdesk sends a user, and every canned reply, meets the B1 floor (b1.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.console.canned import Canned, load_canned
from bot.dialogs.dialog import Dialog
from bot.dialogs.readability import b1_problems
from bot.helpdesk import texts
from bot.i18n import I18n
from bot.safety.help import HELP, crisis_help, emergency_numbers


def user_texts() -> dict[str, str]:
    dialog = Dialog.load()
    with I18n(("nl",)).use("nl"):
        emergency = emergency_numbers(dialog)
        messages = {
            "queued": texts.queued(3, timedelta(minutes=6), crisis=True),
            "queued_unknown": texts.queued(1, None, crisis=False),
            "closed": texts.closed("maandag 30 november 2026", "09:00", crisis=True, emergency=emergency),
            "closed_never": texts.closed(None, None, crisis=False, emergency=emergency),
            "still_waiting": [texts.still_waiting(2, timedelta(minutes=1))],
            "leave_a_message": [texts.leave_a_message("maandag 30 november 2026", "09:00")],
            "message_kept": [texts.message_kept()],
            "agent_joined": [texts.agent_joined("Anna")],
            "already_live": [texts.already_live("Anna")],
            "back_in_queue": [texts.back_in_queue(2)],
            "agent_gone": [texts.agent_gone("Anna", 1)],
            "chat_ended": [texts.chat_ended("Anna")],
            "left_queue": [texts.left_queue()],
            **{f"crisis_{kind}": crisis_help(dialog, kind, offer_person=True) for kind in HELP},
        }
    return {name: "\n".join(m.text for m in found) for name, found in messages.items()}


@pytest.mark.parametrize(("name", "text"), sorted(user_texts().items()))
def test_helpdesk_texts_are_b1(name: str, text: str) -> None:
    assert b1_problems(name, text) == []


@pytest.mark.parametrize("reply", sorted(load_canned().values(), key=lambda c: c.id), ids=lambda c: c.id)
def test_canned_replies_are_short_b1(reply: Canned) -> None:
    assert b1_problems(reply.id, reply.text) == []
    assert len(reply.text) <= 200 and len(reply.label) <= 20
