"""``wegwijzer chat`` on the real tree: a pupil, a parent and a staff member reach fitting outcomes."""

from __future__ import annotations

import io
from pathlib import Path

from bot.channels.terminal import TerminalChat
from bot.engine import Engine
from tests.bot.channels.test_terminal import script
from tests.bot.test_cli import run as run_cli


async def walk(engine: Engine, name: str, *lines: str) -> str:
    out = io.StringIO()
    await TerminalChat(engine, name, script(*lines), out).run()
    return out.getvalue()


async def test_a_secondary_pupil_who_is_bullied_and_has_not_told_anyone(real_engine: Engine) -> None:
    screen = await walk(
        real_engine, "pupil", "Start", "Nee", "Leerling middelbare school", "Ik word gepest, ook online", "1"
    )
    outcome = screen.rsplit("Heb je er al met iemand op school over gepraat?", 1)[1]
    assert "Je leraar of mentor" in outcome
    assert "aanspreekpunt pesten" in outcome
    assert "Helpwanted" in outcome
    assert "Neem alleen de stappen waar jij je veilig bij voelt." in outcome
    assert "Praat met een mens" in outcome


async def test_a_primary_pupil_who_does_not_dare_gets_child_routes(real_engine: Engine) -> None:
    screen = await walk(real_engine, "kind", "1", "4", "1", "1", "Ik durf het niet")
    outcome = screen.rsplit("Heb je het al aan een grote mens verteld?", 1)[1]
    assert "Kindertelefoon" in outcome and "0800-0432" in outcome
    assert "Een volwassene die je vertrouwt" in outcome
    assert "klachtencommissie" not in outcome.lower()


async def test_a_parent_whose_child_is_sent_away(real_engine: Engine) -> None:
    screen = await walk(
        real_engine,
        "parent",
        "Start",
        "Nee",
        "Ouder of verzorger",
        "Thuis, geschorst of weggestuurd",
        "Van school gestuurd",
    )
    outcome = screen.rsplit("Wat is er aan de hand met school?", 1)[1]
    assert "Geschillencommissie passend onderwijs" in outcome
    assert "6 weken" in outcome
    assert "Ouders & Onderwijs" in outcome and "088-605 0101" in outcome
    assert "Kindertelefoon" not in outcome


async def test_a_staff_member_who_hears_of_a_sexual_offence_by_a_colleague(real_engine: Engine) -> None:
    screen = await walk(
        real_engine,
        "staff",
        "Start",
        "Nee",
        "Ik werk op een school",
        "Over een leerling",
        "Een collega gaat over de grens",
        "Ja",
    )
    outcome = screen.rsplit("En is de leerling jonger dan 18?", 1)[1]
    assert "meteen melden bij het schoolbestuur" in outcome
    assert "iemand die op school werkt" in outcome
    assert "Vertrouwensinspecteurs" in outcome and "0900-111 3111" in outcome
    assert "Adviespunt School & Veiligheid" in outcome


async def test_a_staff_member_who_picks_sexual_harassment_also_meets_the_meldplicht(real_engine: Engine) -> None:
    screen = await walk(
        real_engine,
        "staff2",
        "Start",
        "Nee",
        "Ik werk op een school",
        "Over een leerling",
        "Seksueel lastiggevallen",
        "Ja",
    )
    outcome = screen.rsplit("En is de leerling jonger dan 18?", 1)[1]
    assert "Dan geldt de meldplicht: je moet het meteen melden bij het schoolbestuur." in outcome
    assert "Melden bij het schoolbestuur" in outcome


async def test_the_wegwijzer_chat_command_walks_a_parent(tmp_path: Path) -> None:
    lines = ["Start", "Nee", "Ouder of verzorger", "Mijn kind wordt gepest", "Ik durf het niet goed"]
    code, out, _err = await run_cli(tmp_path, "chat", "--as", "ouder", stdin="\n".join(lines) + "\n")
    assert code == 0
    outcome = out.rsplit("Heb je al met de school gepraat?", 1)[1]
    assert "Die zorg begrijp ik goed." in outcome
    assert "Ouders & Onderwijs" in outcome and "Vertrouwensinspecteurs" in outcome
