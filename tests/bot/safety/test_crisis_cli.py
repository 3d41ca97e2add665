"""``wegwijzer crisis check`` as a content editor runs it: a separate process, lines in, JSON lines out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

WEGWIJZER = [sys.executable, "-m", "bot"]


def run(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEGWIJZER_") and k != "DATABASE_URL"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'never-created.sqlite3'}"
    return subprocess.run([*WEGWIJZER, *args], input=stdin.encode(), capture_output=True, env=env, timeout=60)


def test_each_line_gets_its_kind_in_order(tmp_path: Path) -> None:
    lines = ["ik wil nie meer leve", "ik ga dood van het lachen", "", "   ", "mn vader slaat me", "ik ben verkracht 😢"]
    done = run(tmp_path, "crisis", "check", "--locale", "nl", stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr.decode()
    out = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert out == [
        {"text": "ik wil nie meer leve", "kind": "suicide"},
        {"text": "ik ga dood van het lachen", "kind": "none"},
        {"text": "mn vader slaat me", "kind": "abuse_home"},
        {"text": "ik ben verkracht 😢", "kind": "sexual"},
    ]  # blank lines are skipped
    assert not (tmp_path / "never-created.sqlite3").exists()


def test_the_locale_defaults_to_dutch_and_odd_bytes_do_not_stop_it(tmp_path: Path) -> None:
    done = subprocess.run(
        [*WEGWIJZER, "crisis", "check"],
        input=b"ik wil dood\r\n\xff\xfe kapot\nhij slaat me nu",
        capture_output=True,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    kinds = [json.loads(line)["kind"] for line in done.stdout.decode("utf-8").splitlines()]
    assert kinds == ["suicide", "none", "violence"]


def test_an_unknown_locale_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    done = run(tmp_path, "crisis", "check", "--locale", "xx", stdin="ik wil dood\n")
    assert done.returncode == 2
    assert "unknown locale 'xx'" in done.stderr.decode() and "nl" in done.stderr.decode()
    assert done.stdout == b""
