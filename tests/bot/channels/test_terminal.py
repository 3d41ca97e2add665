"""The terminal chat against the real engine and SQLite, with scripted typing."""

from __future__ import annotations

import io
from collections.abc import Callable

from bot.channels.terminal import TerminalChat
from bot.engine import Engine


def script(*lines: str) -> Callable[[], str]:
    pending = list(lines)

    def read_line() -> str:
        if not pending:
            raise EOFError
        return pending.pop(0)

    return read_line


async def test_walks_to_an_outcome_with_numbers_and_words(engine: Engine) -> None:
    out = io.StringIO()
    await TerminalChat(engine, "me", script("1", "nee", "2"), out).run()
    screen = out.getvalue()
    assert "  1. Start" in screen
    assert "Ouders & Onderwijs" in screen
    assert "Tot ziens. Je gesprek is bewaard." in screen


async def test_leaving_and_coming_back_resumes_mid_way(engine: Engine) -> None:
    await TerminalChat(engine, "me", script("1", "2"), io.StringIO()).run()
    out = io.StringIO()
    await TerminalChat(engine, "me", script("1"), out).run()
    screen = out.getvalue()
    assert "Welkom terug" in screen
    assert "Wie ben jij?" in screen
    assert "Kindertelefoon" in screen  # 1 = Ik ben leerling


async def test_a_number_out_of_range_is_text_and_gets_a_reask(engine: Engine) -> None:
    out = io.StringIO()
    await TerminalChat(engine, "me", script("9"), out).run()
    assert "Dat begreep ik niet" in out.getvalue()
