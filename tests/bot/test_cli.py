"""The ``wegwijzer`` command as a user runs it: separate processes, real SQLite, a real server."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import sys
from pathlib import Path

import aiohttp

from bot.logging_setup import OneLineFormatter, json_formatter

WEGWIJZER = [sys.executable, "-m", "bot"]


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEGWIJZER_") and k != "DATABASE_URL"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    env.update(extra)
    return env


async def run(tmp_path: Path, *args: str, stdin: str = "", **env: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *WEGWIJZER,
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=environment(tmp_path, **env),
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_chat_survives_being_stopped_and_started_mid_way(tmp_path: Path) -> None:
    code, first, _ = await run(tmp_path, "chat", "--as", "anna", stdin="1\n")
    assert code == 0
    last_screen = first.rsplit("> ", 2)[-2].strip()  # what was shown after the last answer
    code, again, _ = await run(tmp_path, "chat", "--as", "anna")
    assert code == 0
    assert "Welkom terug" in again
    assert last_screen in again
    code, fresh, _ = await run(tmp_path, "chat", "--as", "someone-else")
    assert "Welkom terug" not in fresh


async def test_a_bad_setting_stops_start_up_and_names_the_key(tmp_path: Path) -> None:
    code, _, err = await run(tmp_path, "serve", WEGWIJZER_PORT="tachtig")
    assert code == 2
    assert "WEGWIJZER_PORT" in err


async def test_a_language_without_a_catalog_stops_start_up_and_names_it(tmp_path: Path) -> None:
    code, _, err = await run(tmp_path, "serve", WEGWIJZER_LOCALES="nl,fy")
    assert code == 2
    assert "WEGWIJZER_LOCALES" in err and "'fy'" in err and "make locales" in err


async def test_db_upgrade_then_serve_is_ready(tmp_path: Path) -> None:
    code, out, _ = await run(tmp_path, "db", "upgrade")
    assert code == 0 and "up to date" in out
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = await asyncio.create_subprocess_exec(
        *WEGWIJZER, "serve", "--port", str(port), env=environment(tmp_path), stderr=asyncio.subprocess.PIPE
    )
    try:
        assert server.stderr is not None
        while "serving on" not in (line := (await asyncio.wait_for(server.stderr.readline(), 180)).decode()):
            assert line, "the server ended without saying it serves"
        assert f"serving on http://127.0.0.1:{port}/" in line
        async with aiohttp.ClientSession() as session:
            for _attempt in range(100):
                try:
                    async with session.get(f"http://127.0.0.1:{port}/readyz") as response:
                        assert response.status == 200
                        assert (await response.json())["status"] == "ok"
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("the server never answered /readyz")
    finally:
        server.terminate()
        await server.wait()


def test_a_log_event_is_one_line_with_its_ids_in_text_and_in_json() -> None:
    try:
        raise ValueError("first\nsecond")
    except ValueError:
        record = logging.LogRecord("bot.x", logging.ERROR, __file__, 1, "turn %s\nfailed", ("t1",), sys.exc_info())
    record.handoff_id = 7  # what ``extra={"handoff_id": 7}`` sets
    text = OneLineFormatter().format(record)
    assert "\n" not in text and "turn t1\\nfailed" in text and "handoff_id=7" in text and "ValueError" in text
    line = json_formatter().format(record)
    assert "\n" not in line
    fields = json.loads(line)
    assert {"time", "level", "logger", "message"} <= fields.keys()
    assert (fields["level"], fields["logger"], fields["message"]) == ("ERROR", "bot.x", "turn t1\nfailed")
    assert fields["handoff_id"] == 7 and "ValueError" in fields["exc_info"]
