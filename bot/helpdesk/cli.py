"""``wegwijzer lifecycle draw``: the hand-off lifecycle (``storage.handoff_lifecycle``) as Mermaid in docs/."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from bot.settings import Settings
from storage import handoff_lifecycle

logger = logging.getLogger(__name__)

DOCS_FILE = Path(__file__).resolve().parents[2] / "docs" / "lifecycle.md"


def register(commands: Any) -> None:
    """Add ``lifecycle draw`` to the ``wegwijzer`` command's subparsers."""
    lifecycle = commands.add_parser("lifecycle", help="the lifecycle of a request for a person")
    actions = lifecycle.add_subparsers(required=True, metavar="ACTION")
    drawing = actions.add_parser("draw", help=f"write it as a Mermaid diagram (default: {DOCS_FILE})")
    drawing.add_argument("--out", type=Path, default=DOCS_FILE, help="file to write")
    drawing.set_defaults(func=cmd_draw)


def cmd_draw(settings: Settings, args: argparse.Namespace) -> int:
    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(handoff_lifecycle.markdown(), encoding="utf-8")
    print(f"written: {out}")
    return 0
