"""``wegwijzer lifecycle draw``: the lifecycles (hand-off, warm referral, …) as Mermaid diagrams in docs/."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from bot.settings import Settings
from storage import callback_lifecycle, handoff_lifecycle, referral_lifecycle
from storage.lifecycle import Lifecycle

logger = logging.getLogger(__name__)

DOCS = Path(__file__).resolve().parents[2] / "docs"
# Each lifecycle and the file in docs/ it is drawn into.
DRAWINGS: dict[str, Lifecycle] = {
    "lifecycle.md": handoff_lifecycle.LIFECYCLE,
    "referral_lifecycle.md": referral_lifecycle.LIFECYCLE,
    "callback_lifecycle.md": callback_lifecycle.LIFECYCLE,
}


def register(commands: Any) -> None:
    """Add ``lifecycle draw`` to the ``wegwijzer`` command's subparsers."""
    lifecycle = commands.add_parser("lifecycle", help="the lifecycles of hand-offs, call-backs and referrals")
    actions = lifecycle.add_subparsers(required=True, metavar="ACTION")
    drawing = actions.add_parser("draw", help=f"write them as Mermaid diagrams (default: into {DOCS})")
    drawing.add_argument("--out", type=Path, default=DOCS, help="folder to write into")
    drawing.set_defaults(func=cmd_draw)


def cmd_draw(settings: Settings, args: argparse.Namespace) -> int:
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for name, lifecycle in DRAWINGS.items():
        (out / name).write_text(lifecycle.markdown(), encoding="utf-8")
        print(f"written: {out / name}")
    return 0
