"""Turn a node of the tree into the messages the user sees, in the conversation's language."""

from __future__ import annotations

from bot.dialogs.dialog import Dialog
from bot.dialogs.model import ChildTexts, Contact, Node, Organisation
from bot.i18n import N_, _
from bot.messages import Action, Choice, ContactLink, OutgoingMessage

OPTION_PREFIX = "opt:"
ACTION_PREFIX = "cmd:"
MORE_PREFIX = "more:"
FORGET_PREFIX = "forget:"  # the answers to "Wil je dit gesprek wissen?"
FORGET_YES = FORGET_PREFIX + "yes"
FORGET_NO = FORGET_PREFIX + "no"
CALLBACK_PREFIX = "bel:"  # "Bel me terug" and its questions (bot/helpdesk/callback_request.py)
REFERRAL_PREFIX = "ref:"  # the user's answers to a warm referral (bot/helpdesk/referrals.py)
SAFE_STEPS = N_("Neem alleen de stappen waar jij je veilig bij voelt.")


def option_key(node_id: str, option_id: str) -> str:
    """The callback key of an option; it names its node, so a tap on a stale button is recognised."""
    return f"{OPTION_PREFIX}{node_id}:{option_id}"


def action(name: Action) -> Choice:
    labels = {
        Action.BACK: _("Terug"),
        Action.RESTART: _("Opnieuw beginnen"),
        Action.HUMAN: _("Praat met een mens"),
        Action.LANGUAGE: _("Taal"),
        Action.STOP: _("Ik ben klaar"),
        Action.HELP: _("Hulp"),
        Action.FORGET: _("Wis mijn gesprek"),
        Action.PRIVACY: _("Privacy"),
    }
    return Choice(ACTION_PREFIX + name.value, labels[name])


def actions_for(node: Node, can_go_back: bool) -> tuple[Choice, ...]:
    """The global buttons on a screen: back (when there is a way back), restart at an end, and a person."""
    chosen = []
    if can_go_back:
        chosen.append(action(Action.BACK))
    if node.type != "question":
        chosen.append(action(Action.RESTART))
    chosen.append(action(Action.HUMAN))
    return tuple(chosen)


def render(dialog: Dialog, node_id: str, can_go_back: bool, *, child: bool = False) -> list[OutgoingMessage]:
    """The messages of one node: a question with its options, or an outcome's short first screen.

    An outcome is its text, one short message per party (name in bold, why, tap-to-call or website), and
    "Meer over …" buttons that open what each party can and cannot do (``card``). ``child``: a
    primary-school pupil, who gets the simpler words where the directory has them.
    """
    node = dialog.node(node_id)
    actions = actions_for(node, can_go_back)
    if node.type == "question":
        options = tuple(Choice(option_key(node_id, o.id), o.label) for o in node.options)
        return [OutgoingMessage(node.text, options=options, actions=actions, kind="question")]
    if node.type == "handoff":
        return [OutgoingMessage(node.text, kind="outcome")]
    messages = [OutgoingMessage(node.text, kind="crisis" if node.urgent else "outcome")]
    for step in node.steps:
        org = dialog.organisation(step.organisation)
        why = step.why or texts_for(org, child).for_whom
        messages.append(
            OutgoingMessage(why, kind="party", title=org.name, contacts=contact_links(org, urgent=node.urgent))
        )
    messages.append(OutgoingMessage(_(SAFE_STEPS), options=more_buttons(dialog, node), actions=actions, kind="outcome"))
    return messages


def more_buttons(dialog: Dialog, node: Node) -> tuple[Choice, ...]:
    """One "Meer over …" button per party of an outcome (with the party's short name, if it has one)."""
    buttons = []
    for step in node.steps:
        org = dialog.organisation(step.organisation)
        name = org.short or org.name
        buttons.append(Choice(MORE_PREFIX + step.organisation, _("Meer over {name}").format(name=name)))
    return tuple(buttons)


def card(dialog: Dialog, node_id: str, org_id: str, can_go_back: bool, *, child: bool = False) -> OutgoingMessage:
    """What one party of the outcome at ``node_id`` is for, can and cannot do, and how to reach it."""
    node = dialog.node(node_id)
    org = dialog.organisation(org_id)
    words = texts_for(org, child)
    lines = [_("Voor wie: {who}").format(who=words.for_whom)]
    if words.can:
        lines.append(_("Dit kunnen ze:"))
        lines += [f"• {item}" for item in words.can]
    if words.cannot:
        lines.append(_("Dit kunnen ze niet:"))
        lines += [f"• {item}" for item in words.cannot]
    lines += [detail for contact in org.contact if (detail := contact_detail(contact))]
    lines += cost_lines(org)
    return OutgoingMessage(
        "\n".join(lines),
        options=more_buttons(dialog, node),
        actions=actions_for(node, can_go_back),
        kind="card",
        title=org.name,
        contacts=contact_links(org, urgent=node.urgent),
    )


def texts_for(org: Organisation, child: bool) -> Organisation | ChildTexts:
    return org.for_children if child and org.for_children is not None else org


def contact_links(org: Organisation, *, urgent: bool = False) -> tuple[ContactLink, ...]:
    """An organisation's numbers, chats, mail and websites as data the channels render."""
    return tuple(link for contact in org.contact if (link := contact_link(contact, urgent=urgent)) is not None)


def contact_link(contact: Contact, *, urgent: bool = False) -> ContactLink | None:
    labels = {"phone": _("Bel"), "chat": _("Chat via"), "website": _("Website"), "email": _("Mail")}
    if contact.href is None:
        return None
    return ContactLink(contact.kind, labels[contact.kind], contact.value, contact.href, urgent=urgent)


def contact_detail(contact: Contact) -> str | None:
    """A contact's words for the card: where to find a person, or a number's hours and notes."""
    if contact.kind == "in_person":
        return contact.value
    extra = [text for text in (contact.hours, contact.note) if text]
    if not extra:
        return None
    sentences = [text if text.endswith((".", "!", "?")) else text + "." for text in extra]
    return f"{contact.value.removeprefix('https://')}: " + " ".join(sentences)


def cost_lines(org: Organisation) -> list[str]:
    lines = []
    if org.free:
        lines.append(_("Het kost niets."))
    if org.anonymous:
        lines.append(_("Je hoeft je naam niet te zeggen."))
    return lines
