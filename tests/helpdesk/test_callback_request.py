"""'Bel me terug' through the real engine and gate, on SQLite and PostgreSQL: the questions, the consent, the
row, cancelling it; the typed number never in the transcript, never in a log, and gone from the facts once the
questions are over."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.engine import Engine
from bot.helpdesk import callback_texts
from bot.helpdesk.desk import Helpdesk
from bot.helpdesk.texts import LEAVE_MESSAGE
from bot.screens import FORGET_YES
from storage.callbacks import CALLBACKS
from storage.models import Conversation
from storage.monitoring import sums
from tests.bot.helpers import CHANNEL, option_keys, say, tap
from tests.fakes.helpdesk import FakeClock

NUMBER_TYPED = "06 8765 4321"  # not the example the question gives (06 12345678)
DIGITS = ("87654321", "8765 4321", "687654321")  # however it was typed or shown, none of it may be kept


async def conversation_of(desk: Helpdesk, chat_id: str = "c1") -> Conversation:
    conversation = await desk.conversations.load(CHANNEL, chat_id)
    assert conversation is not None and conversation.id is not None
    return conversation


async def transcript_text(desk: Helpdesk, chat_id: str = "c1") -> str:
    conversation = await conversation_of(desk, chat_id)
    assert conversation.id is not None
    return "\n".join(f"{e.sender}: {e.text}" for e in await desk.conversations.transcript(conversation.id))


async def callback_rows(database: AsyncEngine) -> list[dict[str, Any]]:
    async with database.connect() as conn:
        return [dict(r._mapping) for r in (await conn.execute(select(CALLBACKS).order_by(CALLBACKS.c.id))).all()]


def text_of(messages: list[Any]) -> str:
    return "\n".join(m.text for m in messages)


async def up_to_consent(engine: Engine, chat_id: str = "c1", part: str = "Middag") -> list[Any]:
    """From the queue's "Bel me terug" to the consent question (the helpdesk is open: Monday morning)."""
    await say(engine, "/start", chat_id)
    queued = await say(engine, "mens", chat_id)
    assert "Bel me terug" in option_keys(queued)
    asked = await tap(engine, callback_texts.START, chat_id)
    assert "Typ je telefoonnummer" in text_of(asked)
    parts = await say(engine, NUMBER_TYPED, chat_id)
    keys = option_keys(parts)
    assert list(keys) == ["Ochtend", "Middag", "Maakt niet uit", "Toch niet"]  # 9 to 5: no evening offered
    return await tap(engine, keys[part], chat_id)


async def test_a_call_back_asked_while_waiting(
    engine: Engine, desk: Helpdesk, database: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    consent = await up_to_consent(engine)
    question = consent[-1]
    assert question.text.startswith("Mogen we je 's middags bellen op 06 87654321?")  # the number, repeated
    assert "Daarna wissen we het." in question.text
    assert [c.label for c in question.options] == ["Ja, bel me", "Nee"]
    pending = (await conversation_of(desk)).facts["callback"]
    assert pending == {"step": "consent", "phone": "+31687654321", "part": "afternoon"}  # only until the answer
    assert await callback_rows(database) == []  # nothing before the yes

    done = await tap(engine, callback_texts.YES)
    text = text_of(done)
    assert "Afgesproken. Een medewerker van de chat-ondersteuning belt je." in text
    assert "Dat kan op zijn vroegst op maandag 23 november 2026 om 12:00." in text  # afternoon, not "soon"
    assert "Je wacht nu niet meer in de chat." in text  # one way to a person at a time
    assert option_keys(done) == {"Annuleer terugbellen": callback_texts.CANCEL}

    (row,) = await callback_rows(database)
    conversation = await conversation_of(desk)
    assert (row["status"], row["phone"], row["part_of_day"], row["locale"]) == (
        "waiting",
        "+31687654321",
        "afternoon",
        "nl",
    )
    assert row["conversation_id"] == conversation.id and row["agent_id"] is None and row["attempts"] == 0
    assert "callback" not in conversation.facts  # the number lives in the request now, nowhere else
    assert await desk.handoffs.open_for(conversation.id or 0) is None

    transcript = await transcript_text(desk)
    assert "user: (telefoonnummer)" in transcript
    assert "Mogen we je 's middags bellen op (telefoonnummer)?" in transcript
    assert "user: Ja, bel me" in transcript
    assert not any(digits in transcript for digits in DIGITS)
    assert not [r.getMessage() for r in caplog.records if any(d in r.getMessage() for d in DIGITS)]
    counted = await sums(database, date(2026, 1, 1), date(2030, 1, 1), "callback_requested", ("node", "detail"))
    assert counted == {("afternoon", "open"): 1}


async def test_a_wrong_number_is_said_plainly_asked_again_and_never_kept(
    engine: Engine, desk: Helpdesk, database: AsyncEngine
) -> None:
    await say(engine, "/start")
    await say(engine, "mens")
    await tap(engine, callback_texts.START)
    for wrong in ("0612", "06 1234 567a", "mijn nummer is 0611223344", "0900 9876543"):
        answer = await say(engine, wrong)
        assert answer[0].text == "Dit is geen telefoonnummer dat wij kunnen bellen. Kijk of je het goed hebt getypt."
        assert answer[1].text.startswith("Typ je telefoonnummer. Bijvoorbeeld: 06 12345678.")  # the question again
        assert (await conversation_of(desk)).facts["callback"] == {"step": "number"}  # no number kept
    transcript = await transcript_text(desk)
    assert transcript.count("user: (telefoonnummer)") == 4
    said = [line for line in transcript.splitlines() if line.startswith("user: ")]
    assert said[-4:] == ["user: (telefoonnummer)"] * 4
    for wrong in ("567a", "0611223344", "9876543"):
        assert wrong not in transcript
    assert await callback_rows(database) == []


async def test_no_consent_no_request(engine: Engine, desk: Helpdesk, database: AsyncEngine) -> None:
    await up_to_consent(engine, part="Maakt niet uit")
    unclear = await say(engine, "misschien")
    assert unclear[0].text == "Kies een van de knoppen."
    assert unclear[1].text.startswith("Mogen we je bellen op 06 87654321?")
    assert "misschien" in await transcript_text(desk)  # an answer that is not a number is kept as typed
    no = await say(engine, "nee")  # typed, as well as tapped
    assert no[0].text == "Goed. We bellen je niet. We hebben je nummer niet bewaard."
    assert "Je staat al in de wachtrij." in no[1].text  # still waiting for a chat
    assert "callback" not in (await conversation_of(desk)).facts
    assert await callback_rows(database) == []


async def test_yes_can_be_typed(engine: Engine, desk: Helpdesk, database: AsyncEngine) -> None:
    await up_to_consent(engine, part="Ochtend")
    done = await say(engine, "ja")
    assert "Dat doen we zo snel als het kan." in text_of(done)  # Monday 10:00, morning, open
    assert [r["part_of_day"] for r in await callback_rows(database)] == ["morning"]


@pytest.mark.parametrize("leave", ["opnieuw", "stop", "terug", "/start", "tap another button", "danger"])
async def test_leaving_the_questions_takes_the_number_out_of_the_facts(
    engine: Engine, desk: Helpdesk, database: AsyncEngine, leave: str
) -> None:
    await say(engine, "/start")
    await tap(engine, callback_texts.START)  # from a screen that offered it, before any queue
    await say(engine, NUMBER_TYPED)
    assert (await conversation_of(desk)).facts["callback"]["phone"] == "+31687654321"
    if leave == "tap another button":
        await tap(engine, LEAVE_MESSAGE)
    elif leave == "danger":
        await say(engine, "ik wil dood")
    else:
        await say(engine, leave)
    conversation = await conversation_of(desk)
    assert "callback" not in conversation.facts
    assert "687654321" not in str(conversation.facts)
    assert await callback_rows(database) == []
    late = await tap(engine, callback_texts.YES)  # an old consent button after leaving: nothing happens
    assert "Afgesproken" not in text_of(late)
    assert await callback_rows(database) == []


async def test_a_number_typed_with_words_of_danger_is_still_not_kept(engine: Engine, desk: Helpdesk) -> None:
    await say(engine, "/start")
    await tap(engine, callback_texts.START)
    help_now = await say(engine, f"ik wil dood {NUMBER_TYPED}")
    assert "113" in text_of(help_now) or any(c.href == "tel:113" for m in help_now for c in m.contacts)
    transcript = await transcript_text(desk)
    assert not any(digits in transcript for digits in DIGITS)
    assert "callback" not in (await conversation_of(desk)).facts
    assert (await conversation_of(desk)).facts["crisis"]  # the danger is known to a person who reads on


async def test_cancel_and_see_it_again_when_coming_back(engine: Engine, desk: Helpdesk, database: AsyncEngine) -> None:
    await up_to_consent(engine)
    await tap(engine, callback_texts.YES)
    again = await tap(engine, callback_texts.START)  # one open request at a time
    assert again[0].text.startswith("Je hebt gevraagd of we je bellen. Dat staat nog.")
    await say(engine, "stop")
    back = await say(engine, "hallo")  # back after stopping: the request is listed, with the way to cancel it
    assert back[0].text.startswith("Je hebt gevraagd of we je bellen. Dat staat nog.")
    assert option_keys(back)["Annuleer terugbellen"] == callback_texts.CANCEL
    assert "Hoi, ik ben de Wegwijzer." in text_of(back)  # and then the bot as always

    cancelled = await tap(engine, callback_texts.CANCEL)
    assert cancelled[0].text == "Goed. We bellen je niet. Je nummer is gewist."
    (row,) = await callback_rows(database)
    assert (row["status"], row["phone"], row["outcome"]) == ("cancelled", None, "user_cancelled")
    assert row["closed_at"] is not None
    twice = await tap(engine, callback_texts.CANCEL)
    assert twice[0].text == "Je staat niet meer op de lijst om gebeld te worden."
    closed = await sums(database, date(2026, 1, 1), date(2030, 1, 1), "callback_closed", ("node", "detail"))
    assert closed == {("cancelled", "user_cancelled"): 1}


async def test_outside_opening_hours_a_call_is_the_other_offer(
    engine: Engine, desk: Helpdesk, clock: FakeClock, database: AsyncEngine
) -> None:
    clock.now = datetime(2026, 12, 24, 18, 0, tzinfo=UTC)  # Thursday evening; then Christmas and a weekend
    closed = await say(engine, "/mens", "late")
    offer = closed[-1]
    assert [c.label for c in offer.options] == ["Bericht achterlaten", "Bel me terug"]
    assert "Liever gebeld worden? Kies dan 'Bel me terug'." in offer.text
    await tap(engine, callback_texts.START, "late")
    parts = await say(engine, "+32 470 12 34 56", "late")
    consent = await tap(engine, option_keys(parts)["Maakt niet uit"], "late")
    assert consent[-1].text.startswith("Mogen we je bellen op +32 470 12 34 56?")
    done = text_of(await tap(engine, callback_texts.YES, "late"))
    assert "Dat kan op zijn vroegst op maandag 28 december 2026 om 09:00." in done  # never a closed time
    assert "niet meer in de chat" not in done
    (row,) = await callback_rows(database)
    assert (row["phone"], row["part_of_day"]) == ("+32470123456", "any")
    counted = await sums(database, date(2026, 1, 1), date(2030, 1, 1), "callback_requested", ("detail",))
    assert counted == {("after_hours",): 1}


async def test_a_left_message_stays_when_a_call_is_asked_too(
    engine: Engine, desk: Helpdesk, clock: FakeClock, database: AsyncEngine
) -> None:
    clock.now = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)  # Sunday evening: closed
    await say(engine, "/mens")
    await tap(engine, LEAVE_MESSAGE)
    await say(engine, "Mijn kind wordt gepest.")
    await tap(engine, callback_texts.START)
    await say(engine, NUMBER_TYPED)
    await tap(engine, callback_texts.PART_KEYS["any"])
    await tap(engine, callback_texts.YES)
    conversation = await conversation_of(desk)
    handoff = await desk.handoffs.open_for(conversation.id or 0)
    assert handoff is not None and handoff.after_hours  # the message is still there for the agents
    assert len(await callback_rows(database)) == 1


async def test_vergeet_removes_the_request_and_its_number(
    engine: Engine, desk: Helpdesk, database: AsyncEngine
) -> None:
    await up_to_consent(engine)
    await tap(engine, callback_texts.YES)
    assert len(await callback_rows(database)) == 1
    await say(engine, "/vergeet")
    await tap(engine, FORGET_YES)
    assert await callback_rows(database) == []
    assert await desk.conversations.load(CHANNEL, "c1") is None
