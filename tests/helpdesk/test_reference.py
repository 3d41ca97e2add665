"""The conversation code a user can quote ("je gesprekscode is K7-4QX"): its form, its uniqueness under
collisions (SQLite and PostgreSQL: a taken code must not spoil the turn's transaction), and the user being told."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialogs.readability import b1_problems
from bot.engine import Engine
from bot.helpdesk import reference, texts
from bot.helpdesk.desk import Helpdesk
from bot.helpdesk.texts import LEAVE_MESSAGE
from bot.i18n import I18n
from storage.models import Conversation
from storage.references import find
from storage.repository import Line, write_step
from tests.bot.helpers import CHANNEL, say, tap
from tests.fakes.helpdesk import FakeClock
from tests.helpdesk.conftest import Agents

CODE = re.compile(r"^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{2}-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{3}$")
CONVERSATIONS = Conversation.__table__  # type: ignore[attr-defined]


def test_a_code_has_five_unambiguous_signs() -> None:
    codes = {reference.new_code() for _ in range(2000)}
    assert all(CODE.match(code) for code in codes)
    assert not set("".join(codes)) & set("01IO")
    assert len(codes) > 1990  # drawn at random (33 million codes): hardly ever the same twice
    assert len(reference.ALPHABET) == len(set(reference.ALPHABET)) == 32


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("K7-4QX", "K7-4QX"),
        ("k7-4qx", "K7-4QX"),
        (" K7 4QX ", "K7-4QX"),
        ("K74QX", "K7-4QX"),
        ("K7-4Q0", None),  # a zero is never in a code
        ("K7-4QO", None),
        ("I7-4QX", None),
        ("K7-4Q", None),
        ("K7-4QXY", None),
        ("", None),
        ("1=1; --", None),
    ],
)
def test_a_typed_code_is_read_forgivingly_but_never_guessed(typed: str, code: str | None) -> None:
    assert reference.parse(typed) == code


def drawn(*codes: str) -> Callable[[], str]:
    """A code maker that hands out ``codes`` in turn (to force collisions)."""
    supply: Iterator[str] = iter(codes)
    return lambda: next(supply)


def a_conversation(chat_id: str) -> Conversation:
    return Conversation(channel=CHANNEL, chat_id=chat_id, locale="nl", state="welkom", tree_version="t")


async def test_a_taken_code_is_drawn_again_and_the_turn_goes_on(database: AsyncEngine) -> None:
    first, second = a_conversation("a"), a_conversation("b")
    async with database.begin() as conn:
        await write_step(conn, first)
        assert await reference.assign(conn, first, drawn("AA-AAA")) == "AA-AAA"
    async with database.begin() as conn:  # one turn: the code is taken twice, then a free one
        await write_step(conn, second)
        code = await reference.assign(conn, second, drawn("AA-AAA", "AA-AAA", "BB-BBB"))
        assert code == "BB-BBB" and second.reference == "BB-BBB"
        await write_step(conn, second, [Line("bot", "Je staat in de wachtrij.")])  # the transaction still works
    async with database.connect() as conn:
        stored = dict((await conn.execute(select(CONVERSATIONS.c.chat_id, CONVERSATIONS.c.reference))).all())
    assert stored == {"a": "AA-AAA", "b": "BB-BBB"}
    assert await find(database, "BB-BBB") == second.id and await find(database, "CC-CCC") is None


async def test_a_conversation_keeps_its_code_and_every_code_taken_is_an_error(database: AsyncEngine) -> None:
    first, second = a_conversation("a"), a_conversation("b")
    async with database.begin() as conn:
        await write_step(conn, first)
        await reference.assign(conn, first, drawn("AA-AAA"))
        assert await reference.assign(conn, first, drawn()) == "AA-AAA"  # no new code is drawn
    with pytest.raises(reference.NoFreeReference):
        async with database.begin() as conn:
            await write_step(conn, second)
            await reference.assign(conn, second, lambda: "AA-AAA")
    async with database.connect() as conn:
        assert await conn.scalar(select(CONVERSATIONS.c.reference).where(CONVERSATIONS.c.chat_id == "a")) == "AA-AAA"


def code_in(text: str) -> str:
    found = re.search(r"Je gesprekscode is ([A-Z0-9]{2}-[A-Z0-9]{3})\.", text)
    assert found is not None, text
    return found.group(1)


async def test_the_user_is_told_the_code_when_a_person_gets_involved(
    engine: Engine, desk: Helpdesk, agents: Agents
) -> None:
    await say(engine, "/start")
    text = "\n".join(m.text for m in await say(engine, "mens"))
    code = code_in(text)
    assert "Noem dan deze code" in text and CODE.match(code)
    conversation = await desk.conversations.load(CHANNEL, "c1")
    assert conversation is not None and conversation.reference == code
    assert await find(desk.conversations.engine, code) == conversation.id
    anna = await agents.add("anna")
    handoff = await desk.handoffs.open_for(conversation.id)  # type: ignore[arg-type]
    assert handoff is not None and handoff.id is not None
    assert await desk.claim(anna, handoff.id)
    assert await desk.end(anna, handoff.id, "information")
    again = "\n".join(m.text for m in await say(engine, "mens"))
    assert code_in(again) == code  # the same conversation keeps its code


async def test_a_message_left_outside_hours_gets_a_code_too(engine: Engine, desk: Helpdesk, clock: FakeClock) -> None:
    clock.now = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)  # Sunday evening: closed
    await say(engine, "/mens", "night")
    code = code_in("\n".join(m.text for m in await tap(engine, LEAVE_MESSAGE, "night")))
    conversation = await desk.conversations.load(CHANNEL, "night")
    assert conversation is not None and conversation.reference == code


def test_the_texts_with_a_code_are_b1(i18n: I18n) -> None:
    with i18n.use("nl"):
        queued = "\n".join(m.text for m in texts.queued(2, None, crisis=False, reference="K7-4QX"))
        left = texts.leave_a_message("maandag 30 november 2026", "09:00", "K7-4QX").text
    for name, text in (("queued_with_code", queued), ("leave_a_message_with_code", left)):
        assert "Je gesprekscode is K7-4QX." in text
        assert b1_problems(name, text) == []
