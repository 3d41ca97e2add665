"""``wegwijzer crisis check``: which crisis the bot hears in each line, for content editors trying phrases.

Reads lines from standard input and prints one JSON line per non-empty input line, in order:
``{"text": "ik wil dood", "kind": "suicide"}``, or ``"kind": "none"``. Empty (or blank) lines are skipped, so a
file of test phrases may use them to group its lines. ``--locale`` reads the lines as a chat in that language
does: its own phrases (when it has a ``crisis.<locale>.yaml``) and the Dutch ones. A locale that is neither in
the settings nor has a phrase file exits 2 with a message; a broken phrase file exits 1. No database needed.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.safety.crisis import DATA_DIR, FALLBACK, CrisisDataError, CrisisDetector, available_locales
from bot.settings import Settings


def register(commands: Any) -> None:
    """Add ``crisis check`` to the ``wegwijzer`` command's subparsers."""
    crisis = commands.add_parser("crisis", help="try the crisis words (free-text danger detection)")
    actions = crisis.add_subparsers(required=True, metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="read lines from stdin; print one JSON line each with the crisis kind heard, or none",
        description='Print {"text": …, "kind": …} for each non-empty line on standard input, in order; kind is '
        "suicide, suicide_other, violence, sexual, abuse_home or none. Blank lines are skipped.",
    )
    check.add_argument(
        "--locale", default=FALLBACK, help=f"read the lines as a chat in this locale (default: {FALLBACK})"
    )
    check.set_defaults(func=cmd_check)


def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    with_file = available_locales(DATA_DIR)
    known = sorted({*settings.locales, *with_file})
    if args.locale not in known:
        print(f"wegwijzer: unknown locale {args.locale!r}; known: {', '.join(known)}", file=sys.stderr)
        return 2
    try:
        detector = CrisisDetector.load((args.locale,), DATA_DIR)
    except CrisisDataError as exc:
        print(f"wegwijzer: {exc}", file=sys.stderr)
        return 1
    if args.locale not in with_file:
        print(f"wegwijzer: no crisis.{args.locale}.yaml: checking the Dutch phrases only", file=sys.stderr)
    out = sys.stdout.buffer
    for raw in sys.stdin.buffer:
        text = raw.decode("utf-8", "replace").strip()
        if not text:
            continue
        kind = detector.detect(text, args.locale)
        line = json.dumps({"text": text, "kind": str(kind) if kind else "none"}, ensure_ascii=False)
        out.write(line.encode("utf-8") + b"\n")
        out.flush()
    return 0
