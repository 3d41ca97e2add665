"""The beslisboom as a graph: edges, reachability, cycles and every path from the start to a leaf.

Only options are edges. 'Terug' and 'Opnieuw beginnen' are global actions of the engine, not edges, so a
tree with no cycles here is a tree the user can still walk back through.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from bot.dialogs.model import Tree

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Edge:
    """One option: from ``source`` through ``option`` (its id) to ``target``."""

    source: str
    option: str
    target: str


@dataclass(frozen=True, slots=True)
class TreePath:
    """One walk from the start to a leaf: the options chosen, in order, and the leaf reached."""

    edges: tuple[Edge, ...]

    @property
    def leaf(self) -> str:
        return self.edges[-1].target


def facts(tree: Tree, path: TreePath) -> dict[str, str]:
    """What the engine records along ``path``: each node's and each chosen option's ``set``, later wins."""
    found: dict[str, str] = dict(tree.nodes[path.edges[0].source].set)
    for edge in path.edges:
        option = next(o for o in tree.nodes[edge.source].options if o.id == edge.option)
        found.update(option.set)
        found.update(tree.nodes[edge.target].set)
    return found


def edges(tree: Tree) -> list[Edge]:
    """Every option of every node whose target exists."""
    return [
        Edge(node_id, option.id, option.next)
        for node_id, node in tree.nodes.items()
        for option in node.options
        if option.next in tree.nodes
    ]


def reachable(tree: Tree) -> set[str]:
    """The nodes that can be reached from the start."""
    if tree.start not in tree.nodes:
        return set()
    seen = {tree.start}
    todo = [tree.start]
    while todo:
        for option in tree.nodes[todo.pop()].options:
            if option.next in tree.nodes and option.next not in seen:
                seen.add(option.next)
                todo.append(option.next)
    return seen


def find_cycles(tree: Tree) -> list[list[str]]:
    """Each cycle found by a depth-first search, as the list of node ids around it (first = last)."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(tree.nodes, white)
    cycles: list[list[str]] = []

    def visit(node_id: str, trail: list[str]) -> None:
        colour[node_id] = grey
        trail.append(node_id)
        for option in tree.nodes[node_id].options:
            target = option.next
            if target not in tree.nodes:
                continue
            if colour[target] == grey:
                cycles.append([*trail[trail.index(target) :], target])
            elif colour[target] == white:
                visit(target, trail)
        trail.pop()
        colour[node_id] = black

    for node_id in tree.nodes:
        if colour[node_id] == white:
            visit(node_id, [])
    return cycles


def count_paths(tree: Tree) -> int:
    """How many different walks lead from the start to a leaf (0 for a tree with a cycle)."""
    if find_cycles(tree) or tree.start not in tree.nodes:
        return 0
    memo: dict[str, int] = {}

    def paths_from(node_id: str) -> int:
        if node_id not in memo:
            targets = [o.next for o in tree.nodes[node_id].options if o.next in tree.nodes]
            memo[node_id] = sum(paths_from(t) for t in targets) if targets else 1
        return memo[node_id]

    return paths_from(tree.start)


def iter_paths(tree: Tree) -> Iterator[TreePath]:
    """Every walk from the start to a leaf, depth first. The tree must have no cycles."""
    if find_cycles(tree):
        raise ValueError("the tree has a cycle, so its paths cannot be listed")

    def walk(node_id: str, trail: tuple[Edge, ...]) -> Iterator[TreePath]:
        options = [o for o in tree.nodes[node_id].options if o.next in tree.nodes]
        if not options:
            if trail:
                yield TreePath(trail)
            return
        for option in options:
            yield from walk(option.next, (*trail, Edge(node_id, option.id, option.next)))

    if tree.start in tree.nodes:
        yield from walk(tree.start, ())
