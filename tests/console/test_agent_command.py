"""``wegwijzer agent add`` as a newcomer runs it: a separate process, the password on standard input."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.console.auth import verify_password
from storage.agents import AgentStore
from storage.database import create_engine
from storage.models import Agent, utcnow
from tests.bot.test_cli import run

ADD_ANNA = ("agent", "add", "anna", "--display-name", "Anna")  # the name users see is required


async def agents_in(tmp_path: Path) -> list[Agent]:
    database = create_engine(f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    try:
        async with database.connect() as conn:
            rows = (await conn.execute(select(Agent.__table__))).all()  # type: ignore[attr-defined]
    finally:
        await database.dispose()
    return [Agent(**row._mapping) for row in rows]


async def test_agent_add_reads_the_password_from_a_pipe(tmp_path: Path) -> None:
    code, out, err = await run(tmp_path, *ADD_ANNA, "--admin", stdin="een lang wachtwoord\n")
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
    code, _, err = await run(tmp_path, *ADD_ANNA, stdin="kort\n")
    assert code == 2 and "minstens 10 tekens" in err
    assert (await run(tmp_path, *ADD_ANNA, stdin="een lang wachtwoord\n"))[0] == 0
    code, _, err = await run(tmp_path, *ADD_ANNA, stdin="een ander wachtwoord\n")
    assert code == 1 and "al een account" in err


@pytest.mark.parametrize("weak", [" " * 12, "1234567890", "aaaaaaaaaaaa", "password123", "anna12345678"])
async def test_blank_repeated_and_common_passwords_are_refused(tmp_path: Path, weak: str) -> None:
    code, _, err = await run(tmp_path, *ADD_ANNA, stdin=weak + "\n")
    assert code == 2 and "wachtwoord" in err
    assert (await run(tmp_path, *ADD_ANNA, stdin="een lang wachtwoord\n"))[0] == 0
    code, _, err = await run(tmp_path, "agent", "reset-password", "anna", stdin=weak + "\n")
    assert code == 2 and "wachtwoord" in err


async def test_deactivate_and_reset_password_end_sessions_and_are_audited(tmp_path: Path) -> None:
    assert (await run(tmp_path, *ADD_ANNA, stdin="een lang wachtwoord\n"))[0] == 0
    assert (await run(tmp_path, "agent", "add", "bram", "--display-name", "Bram", stdin="nog een wachtwoord\n"))[0] == 0
    database = create_engine(f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    try:
        store = AgentStore(database)
        ids = {a.name: a.id for a in await agents_in(tmp_path)}
        now = utcnow()
        for name, agent_id in ids.items():
            assert agent_id is not None
            await store.start_session(f"hash-{name}", agent_id, "csrf", now)
        old_hash = (await agents_in(tmp_path))[1].password_hash
        code, out, err = await run(tmp_path, "agent", "reset-password", "bram", stdin="een heel nieuw wachtwoord\n")
        assert code == 0, err
        assert await store.session("hash-bram", now - timedelta(hours=1), now) is None
        assert await store.session("hash-anna", now - timedelta(hours=1), now) is not None
        bram = await store.by_name("bram")
        assert (
            bram is not None
            and bram.password_hash != old_hash
            and verify_password(bram.password_hash, "een heel nieuw wachtwoord")
        )
        code, out, err = await run(tmp_path, "agent", "deactivate", "anna")
        assert code == 0, err
        assert await store.session("hash-anna", now - timedelta(hours=1), now) is None
        anna = await store.by_name("anna")
        assert anna is not None and not anna.active
        actions = {entry.action for entry, _ in await store.audit_log()}
        assert {f"deactivate:{ids['anna']}", f"password_reset:{ids['bram']}"} <= actions
        assert (await run(tmp_path, "agent", "deactivate", "nobody"))[0] == 1
    finally:
        await database.dispose()
