"""The checks of ``wegwijzer tree check`` that read what a user sees, screen by screen.

``bot.dialogs.validate`` runs them once the tree's structure is sound (they render nodes the way the bot
does, with ``bot.screens``):

- length: an outcome's first screen is at most ``SCREEN_WORDS_MAX`` words, a question at most
  ``QUESTION_WORDS_MAX`` (see ``screen_words`` for how we count);
- jargon: a word of ``JARGON`` is explained in the same message, by one of its explaining phrases;
- honest cards: every organisation says what it can and what it cannot do, also in its texts for children;
- children: every party a primary-school route names has simpler texts (``for_children``), and those texts,
  like the routes only primary-school pupils take, keep sentences short (``CHILD_AVERAGE_WORDS_MAX``);
- typed words: a word (or phrase) picks one option of a question only, and is not part of another
  option's phrase there, or typing it would match both; a command word (terug, stop, …) never picks one;
- coverage: the role × theme table; a combination the tree offers that reaches no outcome is a gap.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from bot.dialogs import graph
from bot.dialogs.dialog import Dialog
from bot.dialogs.model import Directory, Tree
from bot.dialogs.readability import measure, word_count
from bot.matching import COMMAND_WORDS, fold
from bot.messages import OutgoingMessage
from bot.screens import card, render

logger = logging.getLogger(__name__)

# An outcome's first screen: its text, one message per party (name, why, one line per number or website)
# and the closing "Neem alleen de stappen …". Words are counted as in ``bot.dialogs.readability`` (a run of
# characters between spaces with a letter or digit in it), over each message's ``plain()``: so the title,
# the text and each contact line ("Bel 0800-0432": 2 words) count; buttons ("Meer over …", Terug) do not.
SCREEN_WORDS_MAX = 90
QUESTION_WORDS_MAX = 60  # a question's text, without its buttons
CHILD_ROLE = "leerling_po"
CHILD_AVERAGE_WORDS_MAX = 8.5  # "about 8 words a sentence" for primary-school pupils
HANDOFF_THEMES = frozenset({"anders"})  # "something else" goes to a person by design: not a gap

# Words a user may not know → phrases that explain them. A message that uses the word must contain one of
# the phrases (compared as whole words, case and accents aside), or use a plain word instead.
JARGON: dict[str, tuple[str, ...]] = {
    "misdrijf": ("strafbaar",),
    "aangifte": ("officieel",),
    "meldplicht": ("verplicht", "meteen melden"),
    "bevoegd gezag": ("schoolbestuur",),
    "niet bindend": ("niet op te volgen", "niet opvolgen"),
    "lhbtiq": ("homo", "lesbisch", "transgender"),
    "grooming": ("vertrouwen winnen",),
    "meldcode": ("stappenplan",),
}


@dataclass(frozen=True, slots=True)
class Shown:
    """One message as a user sees it, and where it comes from (for the problem's wording)."""

    where: str
    message: OutgoingMessage

    def words(self) -> str:
        """Everything on it a user reads: title, text, contact lines and the option buttons."""
        return "\n".join([self.message.plain(), *(choice.label for choice in self.message.options)])


@dataclass(frozen=True, slots=True)
class Coverage:
    """Per role and theme, the outcomes a person can reach (``offered``: some path has both facts)."""

    roles: tuple[str, ...]
    themes: tuple[str, ...]
    outcomes: dict[tuple[str, str], frozenset[str]]
    offered: frozenset[tuple[str, str]]

    def cell(self, role: str, theme: str) -> str:
        if (role, theme) not in self.offered:
            return "·"
        found = self.outcomes.get((role, theme), frozenset())
        if found:
            return str(len(found))
        return "mens" if theme in HANDOFF_THEMES else "GAP"

    def gaps(self) -> list[tuple[str, str]]:
        return [(r, t) for r in self.roles for t in self.themes if self.cell(r, t) == "GAP"]

    def table(self) -> str:
        """Roles as rows, themes as columns: how many outcomes each combination reaches."""
        first = max((len(r) for r in self.roles), default=4)
        widths = [max(len(t), 4) for t in self.themes]
        header = " " * first + "".join(f" {t:>{w}}" for t, w in zip(self.themes, widths, strict=True))
        rows = [
            f"{r:<{first}}" + "".join(f" {self.cell(r, t):>{w}}" for t, w in zip(self.themes, widths, strict=True))
            for r in self.roles
        ]
        return "\n".join([header, *rows])


def paths_by_role(tree: Tree) -> dict[str, set[str]]:
    """Per role: the nodes on a path that a person with that role walks."""
    found: dict[str, set[str]] = {}
    for path in graph.iter_paths(tree):
        role = graph.facts(tree, path).get("role")
        if role:
            found.setdefault(role, set()).update(edge.target for edge in path.edges)
    return found


def coverage(tree: Tree) -> Coverage:
    """The role × theme table, in the order the tree first offers each role and theme ("anders" last)."""
    roles: dict[str, None] = {}
    themes: dict[str, None] = {}
    outcomes: dict[tuple[str, str], set[str]] = {}
    offered: set[tuple[str, str]] = set()
    for path in graph.iter_paths(tree):
        facts = graph.facts(tree, path)
        role, theme = facts.get("role"), facts.get("theme")
        if not role or not theme:
            continue
        roles.setdefault(role)
        themes.setdefault(theme)
        offered.add((role, theme))
        if tree.nodes[path.leaf].type == "outcome":
            outcomes.setdefault((role, theme), set()).add(path.leaf)
    ordered = sorted(themes, key=lambda theme: theme in HANDOFF_THEMES)  # "something else" last
    return Coverage(tuple(roles), tuple(ordered), {k: frozenset(v) for k, v in outcomes.items()}, frozenset(offered))


def coverage_problems(table: Coverage) -> list[str]:
    return [
        f"gap: role '{role}' × theme '{theme}' is offered but reaches no outcome (only a person)"
        for role, theme in table.gaps()
    ]


def screens(dialog: Dialog, child_nodes: set[str]) -> Iterator[tuple[str, str, list[Shown]]]:
    """Each node's screen as the bot renders it: (node id, node type, its messages, labelled).

    Nodes a primary-school pupil reaches are rendered twice: as adults see them and with the children's texts.
    """
    for node_id, node in dialog.tree.nodes.items():
        for child in (False, True) if node_id in child_nodes else (False,):
            suffix = " (for children)" if child else ""
            messages = render(dialog, node_id, True, child=child)
            labels = [f"{node.type} '{node_id}'{suffix}"]
            if node.type == "outcome":
                labels = [
                    f"outcome '{node_id}'{suffix} text",
                    *(f"outcome '{node_id}'{suffix}, step '{s.organisation}'" for s in node.steps),
                    f"outcome '{node_id}'{suffix}, closing message",
                ]
            yield node_id, node.type, [Shown(w, m) for w, m in zip(labels, messages, strict=True)]


def cards(dialog: Dialog, child_nodes: set[str]) -> Iterator[Shown]:
    """Each organisation's card ("Meer over …"), once, and once more with the children's texts where shown."""
    seen: set[tuple[str, bool]] = set()
    for node_id, node in dialog.tree.nodes.items():
        for step in node.steps:
            for child in (False, True) if node_id in child_nodes else (False,):
                if (step.organisation, child) in seen:
                    continue
                seen.add((step.organisation, child))
                where = f"card of '{step.organisation}'" + (" for children" if child else "")
                yield Shown(where, card(dialog, node_id, step.organisation, True, child=child))


def screen_words(dialog: Dialog, child_nodes: set[str]) -> list[str]:
    """An outcome's first screen and a question fit a phone: count the words of every message's plain()."""
    problems = []
    for _node_id, node_type, shown in screens(dialog, child_nodes):
        limit = QUESTION_WORDS_MAX if node_type == "question" else SCREEN_WORDS_MAX
        total = sum(word_count(s.message.plain()) for s in shown)
        if total > limit:
            where = shown[0].where.removesuffix(" text")
            problems.append(f"{where}: the screen has {total} words (at most {limit}); say less or name fewer parties")
    return problems


def jargon(dialog: Dialog, child_nodes: set[str]) -> list[str]:
    """A hard word is explained in the message that uses it, or replaced."""
    problems: list[str] = []
    shown = [s for _node, _type, messages in screens(dialog, child_nodes) for s in messages]
    for message in [*shown, *cards(dialog, child_nodes)]:
        text = f" {fold(message.words())} "
        for word, explanations in JARGON.items():
            if f" {fold(word)} " not in text:
                continue
            if not any(f" {fold(phrase)} " in text for phrase in explanations):
                problem = (
                    f"{message.where}: '{word}' is jargon; explain it in the same message "
                    f"(e.g. with '{explanations[0]}') or use a plain word"
                )
                if problem not in problems:
                    problems.append(problem)
    return problems


def can_and_cannot(directory: Directory) -> list[str]:
    """Every card says what the party can and cannot do, so nobody expects a fix no one can give."""
    problems = []
    for org_id, org in directory.organisations.items():
        for texts, where in ((org, ""), (org.for_children, " (for_children)")):
            if texts is None:
                continue
            if not texts.can:
                problems.append(f"organisation '{org_id}'{where} says nothing it can do ('can')")
            if not texts.cannot:
                problems.append(f"organisation '{org_id}'{where} says nothing it cannot do ('cannot')")
    return problems


def for_children(dialog: Dialog, by_role: dict[str, set[str]]) -> list[str]:
    """Parties on primary-school routes have texts for children; child texts keep sentences short."""
    problems = []
    child_nodes = by_role.get(CHILD_ROLE, set())
    others = set().union(*(nodes for role, nodes in by_role.items() if role != CHILD_ROLE))
    for org_id in sorted({s.organisation for n in child_nodes for s in dialog.node(n).steps}):
        if dialog.organisation(org_id).for_children is None:
            problems.append(
                f"organisation '{org_id}' is named to primary-school pupils but has no 'for_children' texts"
            )
    texts: list[tuple[str, list[str]]] = []
    for org_id, org in dialog.directory.organisations.items():
        if org.for_children is not None:
            kid = org.for_children
            texts.append((f"organisation '{org_id}' for_children", [kid.for_whom, *kid.can, *kid.cannot]))
    for node_id in sorted(child_nodes - others):
        node = dialog.node(node_id)
        texts.append((f"node '{node_id}' (primary school only)", [node.text, *(s.why for s in node.steps if s.why)]))
    for where, parts in texts:
        average = measure(*parts).words_per_sentence
        if average > CHILD_AVERAGE_WORDS_MAX:
            problems.append(
                f"{where}: {average:.1f} words per sentence on average; for children at most "
                f"{CHILD_AVERAGE_WORDS_MAX:g}"
            )
    return problems


def option_words(tree: Tree) -> list[str]:
    """A typed word picks one option: the same word (or one inside another's phrase) on two options is ambiguous."""
    problems = []
    for node_id, node in tree.nodes.items():
        listed = [
            (option.id, folded)
            for option in node.options
            if option.words
            for word in option.words.split(",")
            if (folded := fold(word))
        ]
        for option_id, word in listed:
            if word in COMMAND_WORDS:
                problems.append(
                    f"node '{node_id}', option '{option_id}': '{word}' is a command word "
                    f"('{COMMAND_WORDS[word].value}'), so it never picks the option"
                )
        for i, (first_id, first) in enumerate(listed):
            for second_id, second in listed[i + 1 :]:
                if first_id == second_id:
                    continue
                if first == second:
                    problems.append(
                        f"node '{node_id}': the word '{first}' is on options '{first_id}' and '{second_id}'; "
                        "give it to one"
                    )
                elif f" {first} " in f" {second} " or f" {second} " in f" {first} ":
                    problems.append(
                        f"node '{node_id}': '{first}' (option '{first_id}') and '{second}' (option "
                        f"'{second_id}') overlap, so typing the longer one matches both"
                    )
    return problems
