"""Turn a node of the tree into the messages the user sees, in the conversation's language."""

from __future__ import annotations

from bot.dialogs.dialog import Dialog
from bot.dialogs.model import Contact, Node, Organisation, Step
from bot.i18n import _, language_name
from bot.messages import Action, Choice, OutgoingMessage

OPTION_PREFIX = "opt:"
ACTION_PREFIX = "cmd:"
LANGUAGE_PREFIX = "lang:"
SAFE_STEPS = "Neem alleen de stappen waar jij je veilig bij voelt."


def option_key(node_id: str, option_id: str) -> str:
    """The callback key of an option; it names its node, so a tap on a stale button is recognised."""
    return f"{OPTION_PREFIX}{node_id}:{option_id}"


def action(name: Action) -> Choice:
    labels = {
        Action.BACK: _("Terug"),
        Action.RESTART: _("Opnieuw beginnen"),
        Action.HUMAN: _("Praat met een mens"),
        Action.LANGUAGE: _("Taal"),
        Action.STOP: _("Stoppen"),
        Action.HELP: _("Hulp"),
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


def render(dialog: Dialog, node_id: str, can_go_back: bool) -> list[OutgoingMessage]:
    """The messages of one node: a question with its options, or an outcome with its steps."""
    node = dialog.node(node_id)
    actions = actions_for(node, can_go_back)
    if node.type == "question":
        options = tuple(Choice(option_key(node_id, o.id), _(o.label)) for o in node.options)
        return [OutgoingMessage(_(node.text), options=options, actions=actions, kind="question")]
    if node.type == "handoff":
        return [OutgoingMessage(_(node.text), kind="outcome")]
    messages = [OutgoingMessage(_(node.text), kind="outcome")]
    messages += [OutgoingMessage(organisation_card(dialog, step), kind="outcome") for step in node.steps]
    messages.append(OutgoingMessage(_(SAFE_STEPS), actions=actions, kind="outcome"))
    return messages


def organisation_card(dialog: Dialog, step: Step) -> str:
    org = dialog.organisation(step.organisation)
    lines = [_(org.name)]
    if step.why:
        lines.append(_(step.why))
    lines.append(_("Voor wie: {who}").format(who=_(org.for_whom)))
    if org.can:
        lines.append(_("Dit kunnen ze voor je doen:"))
        lines += [f"• {_(item)}" for item in org.can]
    if org.cannot:
        lines.append(_("Dit kunnen ze niet:"))
        lines += [f"• {_(item)}" for item in org.cannot]
    lines += [contact_line(c) for c in org.contact]
    lines += cost_lines(org)
    return "\n".join(lines)


def contact_line(contact: Contact) -> str:
    labels = {
        "phone": _("Bel: {value}"),
        "chat": _("Chat: {value}"),
        "website": _("Website: {value}"),
        "email": _("Mail: {value}"),
        "in_person": _("Waar: {value}"),
    }
    value = _(contact.value) if contact.kind == "in_person" else contact.value
    line = labels[contact.kind].format(value=value)
    if contact.hours:
        line += f" ({_(contact.hours)})"
    if contact.note:
        line += f" {_(contact.note)}"
    return line


def cost_lines(org: Organisation) -> list[str]:
    lines = []
    if org.free:
        lines.append(_("Het kost niets."))
    if org.anonymous:
        lines.append(_("Je hoeft je naam niet te zeggen."))
    return lines


def language_menu(codes: tuple[str, ...]) -> OutgoingMessage:
    options = tuple(Choice(LANGUAGE_PREFIX + code, language_name(code)) for code in codes)
    return OutgoingMessage(_("In welke taal wil je verder?"), options=options, kind="question")
