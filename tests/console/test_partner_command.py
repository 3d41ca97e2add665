"""``wegwijzer agent add NAME --partner ORG_ID``, run as a separate process: an account linked to one organisation
of the directory; an id that is not in it is refused clearly (exit 2), before any password is asked."""

from __future__ import annotations

from pathlib import Path

from tests.bot.test_cli import run
from tests.console.test_agent_command import agents_in


async def test_a_partner_account_is_linked_to_an_organisation_of_the_directory(tmp_path: Path) -> None:
    args = ("agent", "add", "kt", "--display-name", "Kim", "--partner", "kindertelefoon")
    code, out, err = await run(tmp_path, *args, stdin="een lang wachtwoord\n")
    assert code == 0, err
    assert "partner" in out and "kindertelefoon" in out
    (stored,) = await agents_in(tmp_path)
    assert (stored.name, stored.role, stored.organisation_id) == ("kt", "partner", "kindertelefoon")
    assert stored.password_hash.startswith("$argon2id$")
    code, _, err = await run(tmp_path, *args, stdin="een ander wachtwoord\n")
    assert code == 1 and "al een account" in err


async def test_an_unknown_organisation_is_refused_with_exit_2(tmp_path: Path) -> None:
    args = ("agent", "add", "kt", "--display-name", "Kim", "--partner", "kindertelefon")
    code, out, err = await run(tmp_path, *args, stdin="een lang wachtwoord\n")
    assert code == 2 and out == ""
    assert "'kindertelefon' staat niet in de lijst van organisaties" in err and "Bedoel je kindertelefoon" in err
    assert "Traceback" not in err
    code, _, err = await run(tmp_path, "agent", "add", "kt", "--display-name", "Kim", "--partner", "")
    assert code == 2 and "staat niet in de lijst" in err
    assert not (tmp_path / "cli.sqlite3").exists(), "refused before the database was touched"


async def test_a_partner_is_never_an_admin(tmp_path: Path) -> None:
    args = ("agent", "add", "kt", "--display-name", "Kim", "--admin", "--partner", "kindertelefoon")
    code, _, err = await run(tmp_path, *args, stdin="een lang wachtwoord\n")
    assert code == 2 and "geen beheerder" in err
