"""``wegwijzer tree check``: everything a content editor must not get wrong, as a list of problems.

Errors make the check fail; warnings (an old check date, an unused organisation) do not. The rules:

- structure: every node reachable from the start; every path ends at an outcome or a hand-off; no cycles
  (back and restart are global actions, not edges); outcomes have 1-3 steps; only questions have options;
- safety first: the first question after the welcome offers a way to an urgent outcome (acute danger);
- references: every ``next`` and every organisation exists; option ids are unique per question; facts use
  the keys ``role``, ``theme`` and ``stage`` only;
- Telegram: callback data (``opt:<node>:<option>``) at most 64 bytes; labels short; messages ≤ 4096 chars;
- B1 Dutch (``bot.dialogs.readability``) for node texts, step reasons and each organisation's card texts
  (for whom, can, cannot, hours, notes, where), its texts for children included. Button labels and names
  are a few words, not sentences: they get the length rule instead of the Flesch-Douma formula;
- facts: every organisation has a source and a check date; a check date more than 12 months old is a
  warning, a date in the future an error;
- what a user sees (``bot.dialogs.validate_content``): words per screen, jargon explained in the same
  message, can and cannot on every card, texts for children, typed words that pick one option, and the
  role × theme table (``Report.coverage``) with no gaps.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.dialogs import graph, validate_content
from bot.dialogs.dialog import Dialog, TreeError, read_yaml, references
from bot.dialogs.model import Directory, Organisation, Tree
from bot.dialogs.readability import b1_problems
from bot.dialogs.validate_content import Coverage
from bot.screens import card, option_key

logger = logging.getLogger(__name__)

CALLBACK_BYTES_MAX = 64  # Telegram's limit on callback_data
LABEL_CHARS_MAX = 32  # a button a phone shows whole
MESSAGE_CHARS_MAX = 4096  # Telegram's limit on one message
OPTIONS_MAX = 12
STEPS_MIN, STEPS_MAX = 1, 3
FACT_KEYS = frozenset({"role", "theme", "stage"})
CHECK_MAX_AGE = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class Counts:
    nodes: int = 0
    questions: int = 0
    outcomes: int = 0
    handoffs: int = 0
    paths: int = 0
    organisations: int = 0


@dataclass(slots=True)
class Report:
    """The outcome of a check: errors fail it, warnings do not."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    version: str = "?"
    coverage: Coverage | None = None  # the role × theme table, when the tree's structure allows one

    @property
    def ok(self) -> bool:
        return not self.errors


def check_files(tree_file: Path, directory_file: Path, today: date | None = None) -> Report:
    """Check a tree file and a directory file (for instance a draft) as the bot would load them."""
    try:
        tree_data, directory_data = read_yaml(tree_file), read_yaml(directory_file)
    except TreeError as exc:
        return Report(errors=exc.problems)
    return check_data(tree_data, directory_data, today)


def check_data(tree_data: Any, directory_data: Any, today: date | None = None) -> Report:
    """Check raw YAML data: first the shapes, then everything else."""
    report = Report()
    unsourced = _missing_facts(directory_data)
    report.errors += [message for _loc, message in unsourced]
    tree = directory = None
    try:
        tree = Tree.model_validate(tree_data)
    except ValidationError as exc:
        report.errors += [f"tree: {_loc(e['loc'])}: {e['msg']}" for e in exc.errors()]
    try:
        directory = Directory.model_validate(directory_data)
    except ValidationError as exc:
        known = {loc for loc, _message in unsourced}
        report.errors += [
            f"organisaties: {_loc(e['loc'])}: {e['msg']}" for e in exc.errors() if tuple(e["loc"][:3]) not in known
        ]
    if tree is None or directory is None:
        return report
    checked = check(tree, directory, today)
    checked.errors[:0] = report.errors
    return checked


def check(tree: Tree, directory: Directory, today: date | None = None) -> Report:
    """Check a loaded tree and directory."""
    today = today or date.today()
    report = Report(version=tree.version)
    report.errors += references(tree, directory)
    report.errors += _structure(tree)
    report.errors += _safety_first(tree)
    report.errors += _telegram(tree)
    if not report.errors:
        dialog = Dialog(tree, directory)
        report.errors += _message_lengths(dialog)
        report.coverage = validate_content.coverage(tree)
        report.errors += _shown(dialog, report.coverage)
    report.errors += _readability(tree, directory)
    report.errors += validate_content.can_and_cannot(directory)
    report.errors += validate_content.option_words(tree)
    errors, warnings = _facts(tree, directory, today)
    report.errors += errors
    report.warnings += warnings
    types = [node.type for node in tree.nodes.values()]
    report.counts = Counts(
        nodes=len(tree.nodes),
        questions=types.count("question"),
        outcomes=types.count("outcome"),
        handoffs=types.count("handoff"),
        paths=graph.count_paths(tree),
        organisations=len(directory.organisations),
    )
    logger.info("tree %s checked: %d errors, %d warnings", tree.version, len(report.errors), len(report.warnings))
    return report


def _loc(loc: tuple[int | str, ...]) -> str:
    return ".".join(map(str, loc))


def _missing_facts(directory_data: Any) -> list[tuple[tuple[str, str, str], str]]:
    """Organisations without a source or a check date, found before the model check, with a clear message."""
    found: list[tuple[tuple[str, str, str], str]] = []
    organisations = directory_data.get("organisations") if isinstance(directory_data, dict) else None
    if not isinstance(organisations, dict):
        return found
    for org_id, org in organisations.items():
        if not isinstance(org, dict):
            continue
        if not str(org.get("source") or "").strip():
            found.append(
                (("organisations", org_id, "source"), f"organisation '{org_id}' has no source: every fact needs one")
            )
        if org.get("checked") in (None, ""):
            found.append(
                (("organisations", org_id, "checked"), f"organisation '{org_id}' has no check date ('checked')")
            )
    return found


def _structure(tree: Tree) -> list[str]:
    problems = []
    seen = graph.reachable(tree)
    for node_id in tree.nodes:
        if node_id not in seen and tree.start in tree.nodes:
            problems.append(f"node '{node_id}' cannot be reached from the start '{tree.start}'")
    for node_id, node in tree.nodes.items():
        if node.type == "question" and not node.options:
            problems.append(f"node '{node_id}' is a dead end: a question without options")
        if node.type != "question" and node.options:
            problems.append(f"node '{node_id}' is an {node.type} but has options: only questions lead on")
        if node.type == "outcome" and not STEPS_MIN <= len(node.steps) <= STEPS_MAX:
            problems.append(f"outcome '{node_id}' has {len(node.steps)} steps: give {STEPS_MIN} to {STEPS_MAX}")
        if node.type != "outcome" and node.steps:
            problems.append(f"node '{node_id}' is a {node.type} with steps: only outcomes have steps")
        if len(node.options) > OPTIONS_MAX:
            problems.append(f"node '{node_id}' has {len(node.options)} options: at most {OPTIONS_MAX}")
        for key in node.set:
            if key not in FACT_KEYS:
                problems.append(f"node '{node_id}': unknown fact key '{key}' (use {', '.join(sorted(FACT_KEYS))})")
        for option in node.options:
            for key in option.set:
                if key not in FACT_KEYS:
                    problems.append(
                        f"node '{node_id}', option '{option.id}': unknown fact key '{key}' "
                        f"(use {', '.join(sorted(FACT_KEYS))})"
                    )
    for cycle in graph.find_cycles(tree):
        problems.append(f"cycle: {' → '.join(cycle)} (only 'Terug' and 'Opnieuw beginnen' may go back)")
    return problems


def _safety_first(tree: Tree) -> list[str]:
    """The first question after the welcome checks for acute danger: one of its options is urgent."""
    start = tree.nodes.get(tree.start)
    if start is None:
        return []
    firsts = [tree.nodes[o.next] for o in start.options if o.next in tree.nodes]
    for first in firsts:
        if any(o.next in tree.nodes and tree.nodes[o.next].urgent for o in first.options):
            continue
        return ["safety first: the question after the welcome must offer a way to an urgent outcome (acute danger)"]
    return []


def _telegram(tree: Tree) -> list[str]:
    problems = []
    for node_id, node in tree.nodes.items():
        if len(node.text) > MESSAGE_CHARS_MAX:
            problems.append(f"node '{node_id}': text is {len(node.text)} characters (at most {MESSAGE_CHARS_MAX})")
        for option in node.options:
            key = option_key(node_id, option.id)
            size = len(key.encode("utf-8"))
            if size > CALLBACK_BYTES_MAX:
                problems.append(
                    f"node '{node_id}', option '{option.id}': callback data '{key}' is {size} bytes "
                    f"(Telegram allows {CALLBACK_BYTES_MAX})"
                )
            if len(option.label) > LABEL_CHARS_MAX:
                problems.append(
                    f"node '{node_id}', option '{option.id}': label '{option.label}' is {len(option.label)} "
                    f"characters (at most {LABEL_CHARS_MAX})"
                )
    return problems


def _message_lengths(dialog: Dialog) -> list[str]:
    problems = []
    for node_id, node in dialog.tree.nodes.items():
        for step in node.steps:
            shown = card(dialog, node_id, step.organisation, True).plain()
            if len(shown) > MESSAGE_CHARS_MAX:
                problems.append(
                    f"outcome '{node_id}': the card of '{step.organisation}' is {len(shown)} characters "
                    f"(at most {MESSAGE_CHARS_MAX})"
                )
    return problems


def _shown(dialog: Dialog, coverage: Coverage) -> list[str]:
    """The checks that render screens as the bot does; they need a sound tree."""
    by_role = validate_content.paths_by_role(dialog.tree)
    child_nodes = by_role.get(validate_content.CHILD_ROLE, set())
    return [
        *validate_content.screen_words(dialog, child_nodes),
        *validate_content.jargon(dialog, child_nodes),
        *validate_content.for_children(dialog, by_role),
        *validate_content.coverage_problems(coverage),
    ]


def _readability(tree: Tree, directory: Directory) -> list[str]:
    problems = []
    for node_id, node in tree.nodes.items():
        problems += b1_problems(f"node '{node_id}' text", node.text)
        for step in node.steps:
            if step.why:
                problems += b1_problems(f"node '{node_id}', step '{step.organisation}' why", step.why)
    for org_id, org in directory.organisations.items():
        problems += b1_problems(f"organisation '{org_id}'", *_card_texts(org))
        if org.for_children is not None:
            kid = org.for_children
            problems += b1_problems(f"organisation '{org_id}' for_children", kid.for_whom, *kid.can, *kid.cannot)
    return problems


def _card_texts(org: Organisation) -> list[str]:
    """The Dutch sentences of an organisation's card (not its name, numbers or addresses)."""
    texts = [org.for_whom, *org.can, *org.cannot]
    for contact in org.contact:
        texts += [t for t in (contact.hours, contact.note) if t]
        if contact.kind == "in_person":
            texts.append(contact.value)
    return texts


def _facts(tree: Tree, directory: Directory, today: date) -> tuple[list[str], list[str]]:
    errors, warnings = [], []
    used = {step.organisation for node in tree.nodes.values() for step in node.steps}
    for org_id, org in directory.organisations.items():
        if not org.source.strip():
            errors.append(f"organisation '{org_id}' has no source: every fact needs one")
        if org.checked > today:
            errors.append(f"organisation '{org_id}': check date {org.checked} is in the future")
        elif today - org.checked > CHECK_MAX_AGE:
            warnings.append(
                f"organisation '{org_id}': facts checked on {org.checked}, more than 12 months ago; check them again"
            )
        if org_id not in used:
            warnings.append(f"organisation '{org_id}' is in the directory but no outcome uses it")
    return errors, warnings
