"""What a user can still do about a warm referral: answer a proposal, or withdraw one that was sent.

In Telegram the buttons stay on the message that asked. A web page shows only the buttons of its current screen,
so these come again where that screen is rebuilt: a page that opens or reconnects (``Engine.screen``) and the
end of a chat (``Helpdesk.end``). They are the same messages the user got (``referral_texts``), with every
button as an offer, so two open referrals keep all their buttons.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from bot.dialogs.dialog import Dialog
from bot.helpdesk import referral_texts as texts
from bot.messages import OutgoingMessage
from storage import referral_lifecycle as lifecycle
from storage.models import Referral


def organisation_name(dialog: Dialog, organisation_id: str) -> str:
    """The organisation's name (names stay Dutch in every catalog); its id when it has left the directory since."""
    if organisation_id not in dialog.directory.organisations:
        return organisation_id
    return dialog.organisation(organisation_id).name


def offers(referrals: Sequence[Referral], name_of: Callable[[str], str]) -> list[OutgoingMessage]:
    """The messages for ``referrals`` (``ReferralStore.awaiting_user``); call inside the user's ``I18n.use``."""
    shown: list[OutgoingMessage] = []
    for referral in referrals:
        assert referral.id is not None
        name = name_of(referral.organisation_id)
        if referral.status == lifecycle.PROPOSED:
            asked = texts.proposal(referral.id, name, referral.note, referral.contact, referral.with_transcript)
            shown.append(replace(asked, options=(), actions=asked.options))
        elif referral.status == lifecycle.SENT:
            shown.append(texts.sent(referral.id, name))
    return shown
