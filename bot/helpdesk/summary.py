"""The path a user took through the beslisboom, in words an agent reads at a glance (never a node id or code).

    Rol        Leerling middelbare school          ← the ``role`` fact (``bot.monitoring.labels.ROLES``)
    Thema      Pesten                              ← ``theme`` (THEMES)
    Fase       Gepraat, hielp niet                 ← ``stage``, the rung of the ladder (STAGES)
    Nu bij     Vraag: Heb je er al met iemand op school over gepraat?
    Gekozen    Start → Nee → Leerling middelbare school → Ik word gepest, ook online
    Voorgesteld  Mentor, Vertrouwenspersoon op school   ← the outcome steps' organisations, by name

Everything comes from the tree in Dutch (``dialog.tree``, the source, whatever language the user reads) and
from the labels monitoring uses, so the console and the figures name things alike. A fact value without a
word (a new one in the tree) is shown as plain words ("nieuw_thema" → "Nieuw thema"), never as it is stored;
``tests/helpdesk/test_summary.py`` checks that every value the product tree sets has its word.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.dialogs.dialog import Dialog
from bot.dialogs.model import Node
from bot.monitoring.labels import ROLES, STAGES, THEMES
from storage.models import Conversation

UNKNOWN = "onbekend"
ARROW = " → "


@dataclass(frozen=True, slots=True)
class PathSummary:
    """What the agent reads beside the chat; every field is Dutch words (or empty)."""

    role: str
    theme: str
    stage: str  # the rung of the ladder (talked about it, did not help, stuck …)
    now_at: str  # where in the tree the user is now
    now_text: str  # what the bot last asked or said there, in full (Dutch source)
    answers: tuple[str, ...]  # the buttons chosen, in order
    organisations: tuple[str, ...]  # suggested by the outcomes on the way, in order, once each
    crisis: bool  # an urgent node on the way (acute danger, 113)

    def as_context(self) -> dict[str, object]:
        """The keys the conversation page has always used (``summary.role`` …), now in words."""
        return {
            "role": self.role,
            "theme": self.theme,
            "stage": self.now_at,
            "stage_text": self.now_text,
            "ladder": self.stage,
            "path": list(self.answers),
            "route": ARROW.join(self.answers),
            "organisations": list(self.organisations),
            "crisis": self.crisis,
        }


def readable(words: dict[str, str], value: object) -> str:
    """The word for a fact value; an unknown value as plain words; nothing chosen yet: empty."""
    if not isinstance(value, str) or not value:
        return ""
    if value in words:
        return words[value]
    return value.replace("_", " ").strip().capitalize()


def summarise(dialog: Dialog, conversation: Conversation) -> PathSummary:
    """The summary of ``conversation``'s path through ``dialog`` (nodes no longer in the tree are skipped)."""
    nodes = dialog.tree.nodes
    path = [node_id for node_id in [*conversation.history, conversation.state] if node_id in nodes]
    organisations: list[str] = []
    for node_id in path:
        for step in nodes[node_id].steps:
            found = dialog.directory.organisations.get(step.organisation)
            if found is not None and found.name not in organisations:
                organisations.append(found.name)
    answers = [label for here, there in zip(path, path[1:], strict=False) if (label := _chosen(nodes[here], there))]
    current = nodes.get(conversation.state)
    facts = conversation.facts
    return PathSummary(
        role=readable(ROLES, facts.get("role")),
        theme=readable(THEMES, facts.get("theme")),
        stage=readable(STAGES, facts.get("stage")),
        now_at=_where(current),
        now_text=current.text if current is not None else "",
        answers=tuple(answers),
        organisations=tuple(organisations),
        crisis=any(nodes[node_id].urgent for node_id in path),
    )


def _chosen(node: Node, next_id: str) -> str:
    """The label of the option that leads from ``node`` to ``next_id`` ("" after a back or a restart)."""
    return next((option.label for option in node.options if option.next == next_id), "")


def _where(node: Node | None) -> str:
    """Where the user is, in a few words: the question asked, or what kind of answer they got."""
    if node is None:
        return UNKNOWN
    if node.type == "handoff":
        return "Vroeg om een mens"
    if node.type == "outcome":
        return "Hulp bij gevaar (noodnummers)" if node.urgent else "Kreeg een advies met stappen"
    lines = [line.strip() for line in node.text.splitlines() if line.strip()]
    questions = [line for line in lines if line.endswith("?")]
    return "Vraag: " + (questions[-1] if questions else lines[0])
