"""``wegwijzer tree check`` and ``wegwijzer tree draw``, for content editors.

``tree check`` prints the counts (nodes, outcomes, paths, organisations), the role × theme table (how many
outcomes each combination reaches), then warnings and errors; it
exits 1 when there is an error, 0 otherwise (also with warnings). ``--tree`` and ``--directory`` check a
draft instead of the files the bot loads. ``tree draw`` writes the diagram to ``docs/``.
"""

from __future__ import annotations

import argparse
import logging
from datetime import date
from pathlib import Path
from typing import Any

from bot.dialogs import draw, validate
from bot.dialogs.dialog import DIRECTORY_FILE, TREE_FILE, TreeError, parse, read_yaml
from bot.settings import Settings

logger = logging.getLogger(__name__)

DOCS_DIR = Path(__file__).resolve().parents[2] / "docs"


def register(commands: Any) -> None:
    """Add ``tree check`` and ``tree draw`` to the ``wegwijzer`` command's subparsers."""
    tree = commands.add_parser("tree", help="check or draw the decision tree")
    actions = tree.add_subparsers(required=True, metavar="ACTION")

    check = actions.add_parser("check", help="validate the tree and the organisation directory")
    _file_options(check)
    check.add_argument("--today", type=date.fromisoformat, help="check dates as if today were this day (YYYY-MM-DD)")
    check.set_defaults(func=cmd_check)

    drawing = actions.add_parser("draw", help="write the tree as a Mermaid diagram (and SVG with Graphviz)")
    _file_options(drawing)
    drawing.add_argument("--out", type=Path, default=DOCS_DIR, help=f"folder to write to (default: {DOCS_DIR})")
    drawing.set_defaults(func=cmd_draw)


def _file_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tree", type=Path, default=TREE_FILE, help="tree file (default: the bot's tree.yaml)")
    parser.add_argument(
        "--directory", type=Path, default=DIRECTORY_FILE, help="organisation file (default: organisaties.yaml)"
    )


def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    report = validate.check_files(args.tree, args.directory, args.today)
    print(summary(report))
    return 0 if report.ok else 1


def summary(report: validate.Report) -> str:
    """The report as a content editor reads it."""
    c = report.counts
    lines = [
        f"Beslisboom {report.version}: {c.nodes} nodes ({c.questions} questions, {c.outcomes} outcomes, "
        f"{c.handoffs} hand-offs), {c.paths} paths, {c.organisations} organisations."
    ]
    if report.coverage is not None and report.coverage.roles:
        lines.append(
            "Role × theme: outcomes each combination reaches ('mens': a person helps; '·': not offered; "
            "GAP: offered, no outcome):"
        )
        lines += [f"  {row}" for row in report.coverage.table().splitlines()]
    if report.warnings:
        lines.append(f"{len(report.warnings)} warning(s):")
        lines += [f"  - {w}" for w in report.warnings]
    if report.errors:
        lines.append(f"{len(report.errors)} error(s):")
        lines += [f"  - {e}" for e in report.errors]
        lines.append("FAILED: fix the errors above.")
    else:
        lines.append("OK: the tree passes the check.")
    return "\n".join(lines)


def cmd_draw(settings: Settings, args: argparse.Namespace) -> int:
    try:
        tree, directory = parse(read_yaml(args.tree), read_yaml(args.directory))
    except TreeError as exc:
        print("The tree cannot be drawn:")
        print("\n".join(f"  - {p}" for p in exc.problems))
        return 1
    written = draw.write(tree, directory, args.out)
    for path in written:
        print(f"wrote {path}")
    if not any(path.suffix == ".svg" for path in written):
        print("no SVG: install Graphviz ('dot') to get one")
    return 0
