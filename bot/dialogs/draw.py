"""``wegwijzer tree draw``: the beslisboom as a Mermaid flowchart (and SVG through Graphviz, if installed).

Content editors review the tree in the diagram: questions are boxes, outcomes are rounded and list the
organisations they point to, hand-offs to a person are double boxes. Urgent (acute danger) nodes are red,
witte vlekken (nothing fits: a person helps) are grey. Edges carry the option's button label.
``docs/beslisboom.mmd`` is the committed diagram; ``docs/beslisboom.md`` shows it on GitHub.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

from bot.dialogs.model import Directory, Node, Tree

logger = logging.getLogger(__name__)

TITLE_CHARS = 60
MERMAID_NAME = "beslisboom.mmd"
MARKDOWN_NAME = "beslisboom.md"
SVG_NAME = "beslisboom.svg"


def _title(node: Node) -> str:
    """The line that says most about the node, cut short: a question's question, else the first line."""
    lines = [line.strip() for line in node.text.strip().splitlines() if line.strip()]
    asked = [line for line in lines if line.endswith("?")] if node.type == "question" else []
    first = (asked or lines)[0]
    return first if len(first) <= TITLE_CHARS else first[: TITLE_CHARS - 1].rstrip() + "…"


def _mermaid_text(text: str) -> str:
    """Mermaid entity codes for the characters that would end a label or start an entity."""
    return text.replace("&", "#amp;").replace('"', "#quot;")


def node_label(node_id: str, node: Node, directory: Directory) -> str:
    """What a node says in the diagram: its id, the start of its text and, at an outcome, the parties."""
    parts = [f"<b>{node_id}</b>", _title(node)]
    if node.steps:
        names = [
            directory.organisations[s.organisation].name if s.organisation in directory.organisations else "?"
            for s in node.steps
        ]
        parts.append("→ " + "; ".join(names))
    return "<br/>".join(_mermaid_text(p) for p in parts)


def mermaid(tree: Tree, directory: Directory) -> str:
    """The whole tree as a Mermaid flowchart, top to bottom, in the order of the YAML file."""
    shapes = {"question": ('["', '"]'), "outcome": ('("', '")'), "handoff": ('[["', '"]]')}
    lines = [
        f"%% Beslisboom {tree.version}. Made by `wegwijzer tree draw`; do not edit by hand.",
        "flowchart TD",
    ]
    for node_id, node in tree.nodes.items():
        left, right = shapes[node.type]
        lines.append(f"    {node_id}{left}{node_label(node_id, node, directory)}{right}")
    for node_id, node in tree.nodes.items():
        for option in node.options:
            lines.append(f'    {node_id} -->|"{_mermaid_text(option.label)}"| {option.next}')
    urgent = [n for n, node in tree.nodes.items() if node.urgent]
    white = [n for n, node in tree.nodes.items() if node.witte_vlek]
    lines.append("    classDef urgent fill:#fde2e2,stroke:#c0392b,stroke-width:2px")
    lines.append("    classDef wittevlek fill:#eeeeee,stroke:#7f8c8d,stroke-dasharray: 4 3")
    lines.append("    classDef outcome fill:#e8f6ef,stroke:#27ae60")
    outcomes = [n for n, node in tree.nodes.items() if node.type == "outcome" and not node.urgent]
    for css, members in (("outcome", outcomes), ("urgent", urgent), ("wittevlek", white)):
        if members:
            lines.append(f"    class {','.join(members)} {css}")
    return "\n".join(lines) + "\n"


def markdown(diagram: str) -> str:
    """A page that shows the diagram on GitHub and other Markdown viewers."""
    return (
        "# De beslisboom\n\n"
        "Made by `wegwijzer tree draw` from `bot/dialogs/tree.yaml` and `bot/dialogs/organisaties.yaml`; "
        "do not edit by hand. A test fails when this diagram no longer matches the tree.\n\n"
        "Boxes are questions, rounded boxes are outcomes (with the organisations they point to), double boxes "
        "hand the conversation to a person. Red: acute danger. Grey: a witte vlek (nothing fits).\n\n"
        f"```mermaid\n{diagram}```\n"
    )


def dot(tree: Tree, directory: Directory) -> str:
    """The same tree in Graphviz's DOT language, for an SVG."""
    shapes = {"question": "box", "outcome": "box, style=rounded", "handoff": "box, peripheries=2"}

    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["digraph beslisboom {", "    rankdir=TB;", '    node [fontname="Helvetica", fontsize=10];']
    for node_id, node in tree.nodes.items():
        label = f"{node_id}\\n{quote(_title(node))[1:-1]}"
        if node.steps:
            names = "; ".join(
                directory.organisations[s.organisation].name if s.organisation in directory.organisations else "?"
                for s in node.steps
            )
            label += "\\n→ " + quote(names)[1:-1]
        colour = ', color="#c0392b"' if node.urgent else (', color="#7f8c8d"' if node.witte_vlek else "")
        lines.append(f'    {node_id} [shape={shapes[node.type]}, label="{label}"{colour}];')
    for node_id, node in tree.nodes.items():
        for option in node.options:
            lines.append(f"    {node_id} -> {option.next} [label={quote(option.label)}, fontsize=9];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write(tree: Tree, directory: Directory, out_dir: Path) -> list[Path]:
    """Write the Mermaid file, the Markdown page and, when Graphviz's ``dot`` is installed, an SVG."""
    out_dir.mkdir(parents=True, exist_ok=True)
    diagram = mermaid(tree, directory)
    written = [out_dir / MERMAID_NAME, out_dir / MARKDOWN_NAME]
    written[0].write_text(diagram, encoding="utf-8")
    written[1].write_text(markdown(diagram), encoding="utf-8")
    dot_program = shutil.which("dot")
    if dot_program is None:
        logger.info("Graphviz 'dot' not found: no SVG written")
        return written
    svg = out_dir / SVG_NAME
    subprocess.run(
        [dot_program, "-Tsvg", "-o", str(svg)], input=dot(tree, directory), text=True, check=True, timeout=60
    )
    written.append(svg)
    return written
