"""Danger typed in free text is answered with help at once, in every state, and the user keeps their place."""

from __future__ import annotations

import io
from datetime import date

from bot.channels.terminal import TerminalChat
from bot.engine import Engine
from bot.messages import IncomingMessage, OutgoingMessage
from storage.monitoring import sums
from tests.bot.helpers import CHANNEL, option_keys, say, state_of, tap


def hrefs(messages: list[OutgoingMessage]) -> set[str]:
    return {contact.href for m in messages for contact in m.contacts}


async def test_suicide_typed_at_the_welcome_gets_113_first_and_keeps_the_welcome(engine: Engine) -> None:
    messages = await say(engine, "ik denk aan zelfmoord")
    assert messages[0].kind == "crisis"  # help before anything else
    assert {"tel:113", "tel:08000113", "tel:112"} <= hrefs(messages)
    assert all(c.urgent for m in messages for c in m.contacts if m.kind == "crisis")
    assert "Praat met een mens" in option_keys(messages)
    assert "Dat begreep ik niet" not in "\n".join(m.text for m in messages)
    assert await state_of(engine) == "welkom"
    assert messages[-1].options and messages[-1].options[0].label == "Start"  # the place in the tree, again


async def test_violence_typed_mid_path_gets_112_and_the_same_question_again(engine: Engine) -> None:
    await say(engine, "/start")
    await say(engine, "start")
    await say(engine, "nee")
    messages = await say(engine, "hij slaat me nu")
    assert messages[0].kind == "crisis" and "tel:112" in hrefs(messages)
    assert await state_of(engine) == "rol"
    assert messages[-1].text == "Wie ben jij?"


async def test_abuse_at_home_gets_veilig_thuis(engine: Engine) -> None:
    messages = await say(engine, "mijn vader slaat mij")
    assert "tel:08002000" in hrefs(messages)


async def test_at_an_outcome_crisis_words_do_not_repeat_the_whole_outcome(engine: Engine) -> None:
    await say(engine, "/start")
    await say(engine, "start")
    await say(engine, "nee")
    await say(engine, "ik ben leerling")
    messages = await say(engine, "ik wil niet meer leven")
    assert messages[0].kind == "crisis"
    assert await state_of(engine) == "leerling_uitkomst"


async def test_ordinary_words_at_an_outcome_get_a_short_answer_not_the_outcome_again(engine: Engine) -> None:
    await say(engine, "/start")
    await say(engine, "start")
    await say(engine, "nee")
    outcome = await say(engine, "ik ben leerling")
    again = await say(engine, "ik ga dood van het lachen")
    assert not any(m.kind == "crisis" for m in again)
    assert len(again) == 1 and "einde van deze route" in again[0].text
    assert again[0].options == outcome[-1].options  # "Meer over …" is still there


async def test_a_crisis_is_counted_by_kind_only(engine: Engine) -> None:
    await say(engine, "ik wil dood")
    assert await sums(engine.store.engine, date.min, date.max, "crisis", by=("node",)) == {("suicide",): 1}


async def test_after_crisis_words_asking_for_a_person_counts_as_urgent(engine: Engine) -> None:
    await say(engine, "ik word nu in elkaar geslagen")
    conversation = await engine.store.load(CHANNEL, "c1")
    assert conversation is not None and conversation.facts.get("crisis") == "violence"


async def test_an_edited_message_is_read_for_danger_only(engine: Engine) -> None:
    await say(engine, "/start")
    plain = await engine.handle(IncomingMessage(CHANNEL, "c1", text="Nee", edited=True, update_id="e1"))
    assert await state_of(engine) == "welkom"  # an edit is no answer
    assert "aangepast" in plain.messages[0].text
    danger = await engine.handle(IncomingMessage(CHANNEL, "c1", text="ik wil me van kant maken", update_id="e2"))
    assert danger.messages[0].kind == "crisis"
    edited = await engine.handle(
        IncomingMessage(CHANNEL, "c1", text="eigenlijk wil ik dood", edited=True, update_id="e3")
    )
    assert edited.messages[0].kind == "crisis"


async def test_meer_over_opens_the_card_and_a_stale_one_is_refused(engine: Engine) -> None:
    await say(engine, "/start")
    await say(engine, "start")
    await say(engine, "nee")
    outcome = await say(engine, "ik ben leerling")
    more = option_keys(outcome)["Meer over Kindertelefoon"]
    card = (await tap(engine, more))[0]
    assert card.kind == "card" and card.title == "Kindertelefoon"
    assert "Dit kunnen ze:" in card.text and "Dit kunnen ze niet:" in card.text
    assert "tel:08000432" in {c.href for c in card.contacts}
    stale = await tap(engine, "more:ouders_onderwijs")
    assert "eerdere vraag" in stale[0].text


async def test_the_terminal_answers_danger_with_numbers_as_text(engine: Engine) -> None:
    out = io.StringIO()
    chat = TerminalChat(engine, "term", out=out)
    await chat.send(IncomingMessage("terminal", "term", text="/start"))
    await chat.send(chat.to_message("ik snij mezelf"))
    printed = out.getvalue()
    assert "Bel 113" in printed and "Bel 0800-0113" in printed
    assert "knop" not in printed.split("ik snij", 1)[-1].lower()  # the terminal does not speak of buttons
