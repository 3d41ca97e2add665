"""``wegwijzer agent add`` as a newcomer runs it: a separate process, the password on standard input."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from storage.database import create_engine
from storage.models import Agent
from tests.bot.test_cli import run


async def agents_in(tmp_path: Path) -> list[Agent]:
    database = create_engine(f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    try:
        async with database.connect() as conn:
            rows = (await conn.execute(select(Agent.__table__))).all()  # type: ignore[attr-defined]
    finally:
        await database.dispose()
    return [Agent(**row._mapping) for row in rows]


async def test_agent_add_reads_the_password_from_a_pipe(tmp_path: Path) -> None:
    code, out, err = await run(tmp_path, "agent", "add", "anna", "--admin", stdin="een lang wachtwoord\n")
    assert code == 0, err
    assert "anna" in out and "/console/" in out
    code, _, _ = await run(tmp_path, "agent", "add", "bram", "--display-name", "Bram J.", stdin="nog een wachtwoord\n")
    assert code == 0
    stored = {a.name: a for a in await agents_in(tmp_path)}
    assert stored["anna"].role == "admin" and stored["bram"].role == "agent"
    assert stored["bram"].display_name == "Bram J."
    assert stored["anna"].password_hash.startswith("$argon2id$")
    assert "een lang wachtwoord" not in stored["anna"].password_hash


async def test_agent_add_refuses_a_short_password_and_a_taken_name(tmp_path: Path) -> None:
    code, _, err = await run(tmp_path, "agent", "add", "anna", stdin="kort\n")
    assert code == 2 and "minstens 10 tekens" in err
    assert (await run(tmp_path, "agent", "add", "anna", stdin="een lang wachtwoord\n"))[0] == 0
    code, _, err = await run(tmp_path, "agent", "add", "anna", stdin="een ander wachtwoord\n")
    assert code == 1 and "al een account" in err
