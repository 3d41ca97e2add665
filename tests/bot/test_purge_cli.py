"""``wegwijzer purge [--dry-run]`` as a user runs it: a separate process on a real SQLite database."""

from __future__ import annotations

from pathlib import Path

from storage.database import create_engine
from tests.bot.test_cli import run
from tests.storage.test_retention import EXPECTED, row_counts, seed


def printed_counts(out: str) -> dict[str, int]:
    return {name.strip(): int(count) for name, count in (line.split(":") for line in out.splitlines()[1:])}


async def test_purge_prints_counts_only_and_a_dry_run_deletes_nothing(tmp_path: Path) -> None:
    code, _, _ = await run(tmp_path, "db", "upgrade")
    assert code == 0
    database = create_engine(f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    try:
        await seed(database)
        before = await row_counts(database)

        code, out, _ = await run(tmp_path, "purge", "--dry-run")
        assert code == 0
        assert out.startswith("Dry run: nothing was deleted")
        assert printed_counts(out) == dict(EXPECTED.items())
        assert await row_counts(database) == before

        code, out, _ = await run(tmp_path, "purge")
        assert code == 0
        assert out.startswith("Deleted (conversations older than 30 days, audit older than 365 days)")
        assert printed_counts(out) == dict(EXPECTED.items())  # each line after the first: a table and a number
        for chat_id in ("1001", "1002", "webchat-old", "tekst", "notitie"):  # no chat ids, no text: counts only
            assert chat_id not in out
        after = await row_counts(database)
        assert after["conversations"] == before["conversations"] - EXPECTED.conversations

        code, out, _ = await run(tmp_path, "purge", WEGWIJZER_RETENTION_DAYS="3650")
        assert code == 0
        assert printed_counts(out) == dict.fromkeys(dict(EXPECTED.items()), 0)
    finally:
        await database.dispose()
