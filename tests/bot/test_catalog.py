"""The message template holds every text the product can show, so translators see all of them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "bot" / "locales" / "messages.pot"


def msgids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {str(message.id) for message in read_po(handle) if message.id}


def test_messages_pot_is_current(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [str(pybabel), "extract", "--no-location", "--sort-output", "-F", "babel.cfg", "-o", str(fresh), "bot"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    missing = msgids(fresh) - msgids(TEMPLATE)
    stale = msgids(TEMPLATE) - msgids(fresh)
    assert not missing and not stale, (
        f"bot/locales/messages.pot is out of date (run 'make extract-messages'): "
        f"{len(missing)} new texts, e.g. {sorted(missing)[:3]}; {len(stale)} gone, e.g. {sorted(stale)[:3]}"
    )
