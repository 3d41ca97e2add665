"""``wegwijzer serve`` as a user starts it (issue 15): a start-up error is one line on stderr and exit code 2.

Separate processes on real SQLite and PostgreSQL. Nothing may claim the server runs before it does: the log says
"serving on" only once the socket accepts, so /healthz answers the moment that line is read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import aiohttp
from alembic.script import ScriptDirectory

from bot.cli import build_parser
from storage.migrate import alembic_config, downgrade
from tests.bot.test_cli import WEGWIJZER, environment, run
from tests.conftest import fresh_database

PASSWORD = "s3cr3t-pw"
STARTUP_SECONDS = 180  # a loaded machine may take long to import and load the tree; nothing here is timed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def serving_line(stderr: asyncio.StreamReader, seen: list[str]) -> str:
    """Read log lines until the one that says where the server listens."""
    while line := (await stderr.readline()).decode():
        seen.append(line)
        if "serving on" in line:
            return line
    raise AssertionError("the server ended without saying it serves:\n" + "".join(seen))


def assert_one_line_error(code: int, out: str, err: str, *needles: str) -> str:
    """Exit 2, no traceback, nothing that claims to serve; the error line holds every needle. It is returned."""
    assert code == 2, err
    assert "Traceback" not in err + out
    assert "serving on" not in err + out and "draait" not in err + out
    errors = [line for line in err.splitlines() if line.startswith("wegwijzer: ")]
    assert len(errors) == 1, err
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


async def test_serve_migrates_a_fresh_sqlite_file_and_logs_json_saying_it_serves_only_once_it_does(
    tmp_path: Path,
) -> None:
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        *WEGWIJZER,
        "serve",
        "--port",
        str(port),
        "--log-format",
        "json",
        env=environment(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert server.stderr is not None and server.stdout is not None
    seen: list[str] = []
    try:
        line = await asyncio.wait_for(serving_line(server.stderr, seen), STARTUP_SECONDS)
        assert json.loads(line)["message"] == f"serving on http://127.0.0.1:{port}/"
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/healthz") as response:
            assert response.status == 200  # no retry: it said it serves, so it does
    finally:
        server.terminate()
        seen.extend((await server.stderr.read()).decode().splitlines(keepends=True))
        out = (await server.stdout.read()).decode()
        await server.wait()
    assert server.returncode == 0
    assert "draait" not in out
    records = [json.loads(line) for line in seen]  # every log line is one JSON object
    assert all({"time", "level", "logger", "message"} <= record.keys() for record in records)
    assert sum("serving on" in record["message"] for record in records) == 1
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with sqlite3.connect(tmp_path / "cli.sqlite3") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchone() == (head,)


async def test_serve_on_postgresql_with_an_old_schema_names_db_upgrade(tmp_path: Path, postgres_url: str) -> None:
    engine = await fresh_database(postgres_url)
    try:
        await downgrade(engine, "-1")  # the code is newer than the database
    finally:
        await engine.dispose()
    code, out, err = await run(tmp_path, "serve", "--port", str(free_port()), DATABASE_URL=postgres_url)
    assert_one_line_error(code, out, err, "wegwijzer db upgrade")


async def test_serve_on_a_port_in_use_names_the_port_and_how_to_choose_another(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = await run(tmp_path, "serve", "--port", str(port))
        json_code, json_out, json_err = await run(tmp_path, "--log-format", "json", "serve", "--port", str(port))
    assert_one_line_error(code, out, err, str(port), "--port", "WEGWIJZER_PORT")
    # With JSON logs the error is one of the log's events: every line on stderr is still a JSON object.
    assert json_code == 2 and "Traceback" not in json_err and not json_out
    records = [json.loads(line) for line in json_err.splitlines()]
    [error] = [record for record in records if record["level"] == "CRITICAL"]
    assert str(port) in error["message"] and "WEGWIJZER_PORT" in error["message"] and error["exit_code"] == 2


async def test_a_malformed_or_unreachable_database_url_names_the_key_and_not_the_password(tmp_path: Path) -> None:
    closed = free_port()  # nothing listens there
    urls = {
        "nonsense": "nonsense",
        "bad port": f"postgresql://wegwijzer:{PASSWORD}@127.0.0.1:not-a-port/wegwijzer",
        "bad scheme": f"mysql://wegwijzer:{PASSWORD}@127.0.0.1/wegwijzer",
        "unreachable": f"postgresql://wegwijzer:{PASSWORD}@127.0.0.1:{closed}/wegwijzer",
    }
    results = await asyncio.gather(
        *(run(tmp_path, "serve", "--port", str(free_port()), DATABASE_URL=url) for url in urls.values()),
        run(tmp_path, "db", "upgrade", DATABASE_URL=urls["unreachable"]),  # the other commands say it the same way
    )
    for kind, (code, out, err) in zip([*urls, "unreachable"], results, strict=True):
        line = assert_one_line_error(code, out, err, "DATABASE_URL")
        assert PASSWORD not in err + out, kind
        if kind == "unreachable":
            assert f"127.0.0.1:{closed}" in line


def help_texts(parser: argparse.ArgumentParser, name: str = "wegwijzer") -> Iterator[tuple[str, str]]:
    """``--help`` of the command and of every subcommand, nested."""
    yield name, parser.format_help()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, subparser in action.choices.items():
                yield from help_texts(subparser, f"{name} {sub}")


DUTCH = (" de ", " het ", " een ", " voor ", " van ", "draait", "veilige", "beslisboom", "ondersteuning", "gesprek")


async def test_every_help_text_is_english(tmp_path: Path) -> None:
    code, out, _ = await run(tmp_path, "--help")
    assert code == 0 and "serve" in out
    texts = dict(help_texts(build_parser()))
    assert len(texts) > 10
    for command, text in [("wegwijzer (process)", out), *texts.items()]:
        flat = " ".join(text.lower().split())
        assert not [word for word in DUTCH if word in f" {flat} "], (command, text)
