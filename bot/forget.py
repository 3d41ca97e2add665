"""Deleting one's own conversation (``/vergeet``, "Wis mijn gesprek"): the one confirmation and its texts.

The engine asks (``question``); "Ja, wissen" makes it delete the conversation in the turn's transaction
(``Engine._forget``), "Niet wissen" keeps everything (``kept``).
"""

from __future__ import annotations

import logging

from bot.i18n import N_, _
from bot.messages import Choice, OutgoingMessage
from bot.screens import FORGET_NO, FORGET_YES

logger = logging.getLogger(__name__)

QUESTION = N_("Wil je dit gesprek wissen? Dan haal ik alles weg wat je hier schreef. Dit kun je niet terugdraaien.")
DONE = N_("Je gesprek is gewist. Je woorden zijn weg. Je kunt altijd opnieuw beginnen.")


def question() -> OutgoingMessage:
    """One confirmation before the conversation is deleted."""
    options = (Choice(FORGET_YES, yes_label()), Choice(FORGET_NO, no_label()))
    return OutgoingMessage(_(QUESTION), options=options, kind="question")


def yes_label() -> str:
    return _("Ja, wissen")


def no_label() -> str:
    return _("Niet wissen")


def kept() -> OutgoingMessage:
    return OutgoingMessage(_("Goed. Je gesprek blijft bewaard."), kind="notice")


def done() -> OutgoingMessage:
    return OutgoingMessage(_(DONE), kind="notice")
