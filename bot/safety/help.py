"""What the user gets at once when their words speak of danger: the fitting help, as tap-to-call contacts.

Numbers come from the organisation directory (``bot/dialogs/organisaties.yaml``), never from these texts;
each kind names the organisations that fit it, most urgent first. Facts: ../shared/content/organisaties.md
(112 free, day and night; 113 day and night, free and anonymous, also when you worry about someone else;
Veilig Thuis 0800-2000 free, day and night; Kindertelefoon for 8 to 18, free and anonymous).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.dialogs.dialog import Dialog
from bot.i18n import N_, _
from bot.messages import Action, ContactLink, OutgoingMessage
from bot.safety.crisis import CrisisKind
from bot.screens import action, contact_link, contact_links

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CrisisHelp:
    text: str
    organisations: tuple[str, ...]


HELP: dict[CrisisKind, CrisisHelp] = {
    CrisisKind.SUICIDE: CrisisHelp(
        N_(
            "Wat je schrijft, vind ik belangrijk. Je staat er niet alleen voor.\n"
            "Praat er nu over met 113. Dat kan dag en nacht. Het is gratis en anoniem.\n"
            "Ben je nu in gevaar? Bel dan 112."
        ),
        ("zelfmoordpreventie_113", "nood_112", "kindertelefoon"),
    ),
    CrisisKind.SUICIDE_OTHER: CrisisHelp(
        N_(
            "Je maakt je zorgen om iemand. Goed dat je dat zegt.\n"
            "Ook dan kun je 113 bellen of chatten. Dat kan dag en nacht.\n"
            "Is die persoon nu in gevaar? Bel dan 112."
        ),
        ("zelfmoordpreventie_113", "nood_112"),
    ),
    CrisisKind.VIOLENCE: CrisisHelp(
        N_("Ben je nu in gevaar? Bel dan meteen 112.\nBellen naar 112 is gratis. Het kan dag en nacht."),
        ("nood_112", "kindertelefoon"),
    ),
    CrisisKind.ABUSE_HOME: CrisisHelp(
        N_(
            "Wat naar dat het thuis niet veilig is. Het is niet jouw schuld.\n"
            "Bel Veilig Thuis. Dat is gratis en kan dag en nacht.\n"
            "Ben je nu in gevaar? Bel dan 112."
        ),
        ("veilig_thuis", "nood_112", "kindertelefoon"),
    ),
    CrisisKind.SEXUAL: CrisisHelp(
        N_(
            "Wat er gebeurd is, is niet jouw schuld.\n"
            "Je mag er met iemand over praten. Dat kan anoniem.\n"
            "Ben je nu in gevaar? Bel dan 112."
        ),
        ("kindertelefoon", "veilig_thuis", "nood_112"),
    ),
}


def crisis_help(dialog: Dialog, kind: CrisisKind, *, offer_person: bool) -> list[OutgoingMessage]:
    """The help for ``kind``: one calm message, then each organisation with big tap-to-call buttons.

    ``offer_person``: add the button to talk to a person now (not while a person already has the chat).
    """
    found = HELP[kind]
    messages = [OutgoingMessage(_(found.text), kind="crisis")]
    for org_id in found.organisations:
        org = dialog.organisation(org_id)
        messages.append(
            OutgoingMessage(org.for_whom, kind="crisis", title=org.name, contacts=contact_links(org, urgent=True))
        )
    if offer_person:
        messages.append(
            OutgoingMessage(
                _("Wil je nu met iemand van ons praten? Kies dan 'Praat met een mens'."),
                actions=(action(Action.HUMAN),),
                kind="crisis",
            )
        )
    return messages


EMERGENCY = ("nood_112", "zelfmoordpreventie_113", "kindertelefoon", "veilig_thuis", "ouders_onderwijs")


def emergency_numbers(dialog: Dialog) -> OutgoingMessage:
    """Who to call now when no person of ours can answer (closed, the terminal): each number as a button."""
    text = "\n".join(
        [
            _("Heb je nu hulp nodig? Bel dan:"),
            _("• 112 als je nu in gevaar bent."),
            _("• 113 als je aan zelfmoord denkt. Of als je je zorgen maakt om iemand."),
            _("• de Kindertelefoon als je 8 tot 18 jaar bent."),
            _("• Veilig Thuis bij geweld of zorgen thuis."),
            _("• Ouders & Onderwijs als je ouder of verzorger bent."),
            _("Bellen naar 112, 113, de Kindertelefoon en Veilig Thuis is gratis."),
        ]
    )
    return OutgoingMessage(text, kind="crisis", contacts=named_phone_links(dialog, EMERGENCY))


def named_phone_links(dialog: Dialog, org_ids: tuple[str, ...]) -> tuple[ContactLink, ...]:
    """The phone numbers of these organisations, each labelled with its name ("Bel Veilig Thuis 0800-2000")."""
    links = []
    for org_id in org_ids:
        org = dialog.organisation(org_id)
        for contact in org.contact:
            link = contact_link(contact, urgent=True)
            if link is None or contact.kind != "phone":
                continue
            name = org.name
            label = link.label if name == contact.value else f"{link.label} {name}"
            links.append(ContactLink(link.kind, label, link.value, link.href, urgent=True))
    return tuple(links)


def missing_organisations(dialog: Dialog) -> list[str]:
    """Organisations the crisis help names that the directory lacks (checked when the engine starts)."""
    named = {org_id for found in HELP.values() for org_id in found.organisations} | set(EMERGENCY)
    return sorted(org_id for org_id in named if org_id not in dialog.directory.organisations)
