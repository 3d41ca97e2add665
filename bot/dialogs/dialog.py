"""Load the tree and the directory, and build the one shared ``transitions`` Machine for them.

Every conversation shares this Machine. A conversation's state lives in the database; for each step the
engine puts it on a small cursor object and fires the option's trigger through the machine's event
(``Event.trigger(model)``), so no model is ever added to the machine and nothing grows with the number
of conversations.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from transitions import Machine, MachineError

from bot.dialogs.model import Directory, Node, Organisation, Tree
from bot.dialogs.places import translate_directory, translate_tree
from bot.i18n import SOURCE_LOCALE, current_locale, pgettext

logger = logging.getLogger(__name__)

DIALOGS_DIR = Path(__file__).resolve().parent
TREE_FILE = DIALOGS_DIR / "tree.yaml"
DIRECTORY_FILE = DIALOGS_DIR / "organisaties.yaml"
RESTART = "restart"


class TreeError(Exception):
    """The tree or directory cannot be loaded; ``problems`` lists why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(slots=True)
class Cursor:
    """The model the shared machine moves: just a state name."""

    state: str


def read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        raise TreeError([f"{path.name}: cannot be read: {exc}"]) from None


def parse(tree_data: Any, directory_data: Any) -> tuple[Tree, Directory]:
    problems: list[str] = []
    tree = directory = None
    try:
        tree = Tree.model_validate(tree_data)
    except ValidationError as exc:
        problems += [f"tree: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
    try:
        directory = Directory.model_validate(directory_data)
    except ValidationError as exc:
        problems += [f"organisaties: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
    if problems or tree is None or directory is None:
        raise TreeError(problems)
    problems = references(tree, directory)
    if problems:
        raise TreeError(problems)
    return tree, directory


def references(tree: Tree, directory: Directory) -> list[str]:
    """Every reference points at something that exists."""
    problems = []
    if tree.start not in tree.nodes:
        problems.append(f"start node '{tree.start}' does not exist")
    for node_id, node in tree.nodes.items():
        for option in node.options:
            if option.next not in tree.nodes:
                problems.append(f"node '{node_id}', option '{option.id}': next node '{option.next}' does not exist")
        for step in node.steps:
            if step.organisation not in directory.organisations:
                problems.append(f"node '{node_id}': organisation '{step.organisation}' is not in the directory")
        ids = [o.id for o in node.options]
        for dup in {i for i in ids if ids.count(i) > 1}:
            problems.append(f"node '{node_id}': option id '{dup}' is used twice")
    return problems


class Dialog:
    """One version of the beslisboom: its nodes, organisations and shared machine.

    ``tree`` and ``directory`` hold the Dutch source. ``node()`` and ``organisation()`` answer in the language
    that is active (``I18n.use``): a translated copy per language, built once from the catalogs, each text
    looked up by its place (``bot.dialogs.places``).
    """

    def __init__(self, tree: Tree, directory: Directory) -> None:
        self.tree = tree
        self.directory = directory
        self._views: dict[str, tuple[Tree, Directory]] = {SOURCE_LOCALE: (tree, directory)}
        self.version = tree.version
        self.start = tree.start
        self.machine = Machine(
            model=None,
            states=list(tree.nodes),
            initial=tree.start,
            auto_transitions=False,
            send_event=False,
        )
        for node_id, node in tree.nodes.items():
            for option in node.options:
                self.machine.add_transition(option.id, node_id, option.next)
        self.machine.add_transition(RESTART, "*", tree.start)

    @classmethod
    def load(cls, tree_file: Path = TREE_FILE, directory_file: Path = DIRECTORY_FILE) -> Dialog:
        tree, directory = parse(read_yaml(tree_file), read_yaml(directory_file))
        return cls(tree, directory)

    def view(self) -> tuple[Tree, Directory]:
        """The tree and directory in the active language."""
        locale = current_locale()
        view = self._views.get(locale)
        if view is None:
            view = (translate_tree(self.tree, pgettext), translate_directory(self.directory, pgettext))
            self._views[locale] = view
        return view

    def node(self, node_id: str) -> Node:
        return self.view()[0].nodes[node_id]

    def has(self, node_id: str) -> bool:
        return node_id in self.tree.nodes

    def organisation(self, org_id: str) -> Organisation:
        return self.view()[1].organisations[org_id]

    def choose(self, state: str, option_id: str) -> str:
        """Fire ``option_id`` from ``state`` on the shared machine and return the new state."""
        cursor = Cursor(state)
        event = self.machine.events.get(option_id)
        if event is None:
            raise MachineError(f"no option '{option_id}' anywhere in the tree")
        if not event.trigger(cursor):
            raise MachineError(f"option '{option_id}' did not move from '{state}'")
        return cursor.state

    def restart(self, state: str) -> str:
        cursor = Cursor(state)
        self.machine.events[RESTART].trigger(cursor)
        return cursor.state
