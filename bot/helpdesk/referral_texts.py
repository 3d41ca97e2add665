"""Every text the user sees about a warm referral. B1 Dutch, through gettext, placeholders filled after.

Call these inside ``I18n.use(conversation.locale)``. The organisation's name comes from the directory and the
agent's note and the contact wish are shown word for word: never typed into a translation.
"""

from __future__ import annotations

from bot.i18n import _
from bot.messages import Choice, OutgoingMessage
from bot.screens import REFERRAL_PREFIX

YES, NO, WITHDRAW = "yes", "no", "withdraw"


def key(answer: str, referral_id: int) -> str:
    """The button's key: the answer and the referral it is about (well within Telegram's 64 bytes)."""
    return f"{REFERRAL_PREFIX}{answer}:{referral_id}"


def label(answer: str) -> str:
    labels = {YES: _("Ja, stuur het door"), NO: _("Nee"), WITHDRAW: _("Trek de doorverwijzing in")}
    return labels[answer]


def withdraw_button(referral_id: int) -> Choice:
    return Choice(key(WITHDRAW, referral_id), label(WITHDRAW))


def proposal(referral_id: int, organisation: str, note: str, contact: str, with_transcript: bool) -> OutgoingMessage:
    """Exactly what would go to whom, then the question: the user decides. One message, so the buttons stay with
    what they are about (in the transcript, in Telegram and in the web chat alike)."""
    if with_transcript:
        transcript = _("Ons hele gesprek gaat ook mee. Zij kunnen het dan lezen.")
    else:
        transcript = _("Ons gesprek gaat niet mee. Zij krijgen alleen dit bericht.")
    what = [
        _("Wil je hulp van {organisation}?").format(organisation=organisation),
        _("Dan sturen we hun dit bericht:"),
        f"“{note}”",
        _("Zo wil je dat ze contact opnemen: {contact}").format(contact=contact),
        transcript,
    ]
    question = [
        _("Mag dit naar {organisation}? We sturen niets zonder jouw ja.").format(organisation=organisation),
        _("Je kunt het daarna nog intrekken, tot {organisation} het oppakt.").format(organisation=organisation),
    ]
    options = (Choice(key(YES, referral_id), label(YES)), Choice(key(NO, referral_id), label(NO)))
    return OutgoingMessage("\n".join(what) + "\n\n" + "\n".join(question), options=options, kind="notice")


def sent(referral_id: int, organisation: str) -> OutgoingMessage:
    text = "\n".join(
        [
            _("Je bericht is verstuurd naar {organisation}.").format(organisation=organisation),
            _("Kunnen zij je helpen? Dan nemen ze contact met je op zoals je vroeg."),
            _("Hoor je na een week niets? Praat dan hier weer met een mens."),
            _("Wil je het toch niet? Kies dan 'Trek de doorverwijzing in'."),
        ]
    )
    return OutgoingMessage(text, actions=(withdraw_button(referral_id),), kind="notice")


def refused(organisation: str) -> OutgoingMessage:
    return OutgoingMessage(
        _("Goed. We sturen niets naar {organisation}.").format(organisation=organisation), kind="notice"
    )


def withdrawn(organisation: str) -> OutgoingMessage:
    text = _("Je hebt de doorverwijzing ingetrokken.") + "\n" + _("{organisation} kan je bericht nu niet meer zien.")
    return OutgoingMessage(text.format(organisation=organisation), kind="notice")


def too_late(organisation: str) -> OutgoingMessage:
    """Withdrawn after the partner picked it up: honest about it, and what the user can still do."""
    text = (
        _("Intrekken kan niet meer. {organisation} heeft je bericht al opgepakt.")
        + "\n"
        + _("Wil je het toch niet? Zeg het dan tegen {organisation}. Of praat hier met een mens.")
    )
    return OutgoingMessage(text.format(organisation=organisation), kind="notice")


def not_current() -> OutgoingMessage:
    """A button of a referral that no longer runs (it came back, it expired, or it is not this chat's)."""
    return OutgoingMessage(_("Deze vraag over doorsturen geldt niet meer."), kind="notice")
