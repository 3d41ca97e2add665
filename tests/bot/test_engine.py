"""The engine on the starter tree, against real SQLite."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.dialogs.dialog import Dialog
from bot.engine import Engine
from bot.i18n import I18n
from bot.messages import IncomingMessage
from storage.models import MonitoringCount
from storage.repository import ConversationStore
from tests.bot.helpers import CHANNEL, option_keys, say, state_of, tap
from tests.conftest import DATA


async def test_first_message_gets_the_welcome_with_options(engine: Engine) -> None:
    messages = await say(engine, "/start")
    assert "Wegwijzer" in messages[0].text
    assert [c.label for c in messages[0].options] == ["Start"]
    assert "Praat met een mens" in option_keys(messages)
    assert await state_of(engine) == "welkom"


async def test_a_first_hello_shows_the_welcome_once(engine: Engine) -> None:
    messages = await say(engine, "hoi")
    assert len(messages) == 1 and "Wegwijzer" in messages[0].text


async def test_a_first_message_that_answers_goes_on(engine: Engine) -> None:
    messages = await say(engine, "start")
    assert messages[-1].text == "Ben je nu in gevaar?"


async def test_parent_path_by_buttons_ends_at_an_outcome(engine: Engine) -> None:
    messages = await say(engine, "/start")
    messages = await tap(engine, option_keys(messages)["Start"])
    messages = await tap(engine, option_keys(messages)["Nee"])
    messages = await tap(engine, option_keys(messages)["Ik ben ouder"])
    text = "\n".join(m.plain() for m in messages)
    assert "Ouders & Onderwijs" in text and "088-605 0101" in text
    assert "Neem alleen de stappen waar jij je veilig bij voelt." in text
    assert {"Terug", "Opnieuw beginnen", "Praat met een mens"} <= set(option_keys(messages))
    assert await state_of(engine) == "ouder_uitkomst"


async def test_pupil_path_by_typing_words_and_numbers(engine: Engine) -> None:
    await say(engine, "/start")
    await say(engine, "Start")
    await say(engine, "2")  # Nee
    messages = await say(engine, "ik ben leerling")
    assert "Kindertelefoon" in "\n".join(m.plain() for m in messages)
    assert await state_of(engine) == "leerling_uitkomst"


async def test_danger_path_shows_112_first(engine: Engine) -> None:
    await say(engine, "/start")
    await say(engine, "start")
    messages = await say(engine, "ja, nu")
    assert "112" in messages[0].text
    assert await state_of(engine) == "acuut"


async def test_small_typos_and_accents_are_understood(engine: Engine) -> None:
    await say(engine, "/start")
    await say(engine, "STÁRT")
    await say(engine, "nee!")
    messages = await say(engine, "ik ben oudr")
    assert await state_of(engine) == "ouder_uitkomst", messages


async def test_back_goes_one_step_and_stops_at_the_root(engine: Engine) -> None:
    await say(engine, "/start")
    await say(engine, "start")
    await say(engine, "nee")
    assert await state_of(engine) == "rol"
    messages = await say(engine, "terug")
    assert messages[-1].text == "Ben je nu in gevaar?"
    await say(engine, "/terug")
    assert await state_of(engine) == "welkom"
    messages = await say(engine, "terug")
    assert messages[0].text == "Je bent al bij het begin."
    assert await state_of(engine) == "welkom"


@pytest.mark.parametrize("where", ["gevaar", "rol", "ouder_uitkomst"])
async def test_restart_from_several_states_goes_to_the_root(engine: Engine, where: str) -> None:
    await walk_to(engine, where)
    messages = await say(engine, "opnieuw")
    assert "Wegwijzer" in messages[0].text
    conversation = await engine.store.load(CHANNEL, "c1")
    assert conversation is not None
    assert (conversation.state, conversation.history, conversation.facts) == ("welkom", [], {})


@pytest.mark.parametrize("where", ["welkom", "rol", "leerling_uitkomst"])
async def test_asking_for_a_person_works_everywhere_and_is_recorded(engine: Engine, where: str) -> None:
    await walk_to(engine, where)
    messages = await tap(engine, "cmd:mens")
    assert "genoteerd" in messages[0].text
    assert "tel:112" in {c.href for m in messages for c in m.contacts}  # and the numbers to call now
    conversation = await engine.store.load(CHANNEL, "c1")
    assert conversation is not None and conversation.handoff_requested_at is not None
    assert conversation.state == where  # asking for a person does not move the tree


@pytest.mark.parametrize("where", ["welkom", "gevaar", "ouder_uitkomst"])
async def test_language_and_help_and_stop_work_everywhere(engine: Engine, where: str) -> None:
    await walk_to(engine, where)
    messages = await say(engine, "taal")
    assert [c.key for c in messages[0].options] == ["lang:nl"]
    assert messages[0].options[0].label == "Nederlands"
    messages = await tap(engine, "lang:nl")
    assert await state_of(engine) == where
    messages = await say(engine, "/help")
    assert "terug" in messages[0].text
    messages = await say(engine, "stop")
    assert "terugkomen" in messages[0].text
    messages = await say(engine, "hallo")
    assert "Wegwijzer" in messages[0].text and len(messages) == 1


async def test_reaching_the_witte_vlek_asks_for_a_person_and_counts_it(engine: Engine) -> None:
    await walk_to(engine, "rol")
    messages = await say(engine, "iets anders")
    assert "Een mens denkt met je mee" in messages[0].text
    assert "genoteerd" in messages[1].text

    async with engine.store.engine.connect() as conn:
        kinds = (await conn.execute(select(MonitoringCount.kind, MonitoringCount.node))).all()
    assert ("handoff_requested", "mens_anders") in kinds and ("witte_vlek", "mens_anders") in kinds


async def test_stale_button_is_answered_with_the_current_question(engine: Engine) -> None:
    messages = await say(engine, "/start")
    start_key = option_keys(messages)["Start"]
    await tap(engine, start_key)
    messages = await tap(engine, start_key)  # the same old button again
    assert "eerdere vraag" in messages[0].text
    assert messages[1].text == "Ben je nu in gevaar?"
    assert await state_of(engine) == "gevaar"


@pytest.mark.parametrize("key", ["opt:gevaar:bestaat_niet", "opt:", "garbage", "cmd:onbekend", "lang:xx", ""])
async def test_unknown_button_keys_do_not_move(engine: Engine, key: str) -> None:
    await walk_to(engine, "gevaar")
    messages = await tap(engine, key)
    assert messages[-1].text == "Ben je nu in gevaar?"
    assert await state_of(engine) == "gevaar"


BAD_INPUTS = [
    "wat bedoel je",
    "",
    "   ",
    "x" * 10_000,
    "😀😀😀",
    "مرحبا، أحتاج مساعدة",
    "\x00\x07\x1b[31m\u202e",
    "<script>alert(1)</script>",
    "0",
    "99",
]


@pytest.mark.parametrize("text", BAD_INPUTS, ids=range(len(BAD_INPUTS)))
async def test_bad_input_gets_a_clear_reask_and_keeps_the_state(engine: Engine, text: str) -> None:
    await walk_to(engine, "gevaar")
    messages = await say(engine, text)
    assert messages, "always an answer"
    assert messages[-1].text == "Ben je nu in gevaar?"
    assert [c.label for c in messages[-1].options] == ["Ja, nu", "Nee"]
    assert await state_of(engine) == "gevaar"


async def test_long_text_is_cut_and_the_user_is_told(engine: Engine) -> None:
    await walk_to(engine, "gevaar")
    messages = await say(engine, "y" * 10_000)
    assert "erg lang" in messages[0].text
    conversation = await engine.store.load(CHANNEL, "c1")
    assert conversation is not None and conversation.id is not None
    stored = [e.text for e in await engine.store.transcript(conversation.id) if e.sender == "user"]
    assert len(stored[-1]) == 4000


async def test_free_text_at_an_outcome_points_to_a_person(engine: Engine) -> None:
    await walk_to(engine, "ouder_uitkomst")
    messages = await say(engine, "en nu?")
    assert "Praat met een mens" in messages[0].text
    assert await state_of(engine) == "ouder_uitkomst"


async def test_duplicate_update_id_is_processed_once(engine: Engine) -> None:
    await say(engine, "/start", update_id="u1")
    first = await say(engine, "start", update_id="u2")
    again = await engine.handle(IncomingMessage(CHANNEL, "c1", text="start", update_id="u2"))
    assert first and again.duplicate and again.messages == []
    assert await state_of(engine) == "gevaar"
    conversation = await engine.store.load(CHANNEL, "c1")
    assert conversation is not None and conversation.id is not None
    assert [e.text for e in await engine.store.transcript(conversation.id) if e.sender == "user"] == ["/start", "start"]


async def test_conversations_do_not_see_each_other(engine: Engine) -> None:
    await walk_to(engine, "rol", chat_id="a")
    await say(engine, "/start", chat_id="b")
    assert await state_of(engine, "a") == "rol"
    assert await state_of(engine, "b") == "welkom"


async def test_a_second_engine_resumes_at_the_same_node(store: ConversationStore, dialog: Dialog, i18n: I18n) -> None:
    first = Engine(store, dialog, i18n)
    await walk_to(first, "rol")
    second = Engine(ConversationStore(store.engine), Dialog.load(DATA / "tree.yaml", DATA / "organisaties.yaml"), i18n)
    screen = await second.screen(CHANNEL, "c1")
    assert screen[0].text == "Wie ben jij?"
    await say(second, "ik ben ouder")
    assert await state_of(second) == "ouder_uitkomst"
    await say(second, "terug")
    assert await state_of(second) == "rol"


async def test_transcript_holds_every_message_exactly_once(engine: Engine) -> None:
    sent: list[str] = []
    received: list[str] = []
    for text in ["/start", "start", "bla", "nee", "ik ben ouder"]:
        sent.append(text)
        received += [m.plain() for m in await say(engine, text)]
    conversation = await engine.store.load(CHANNEL, "c1")
    assert conversation is not None and conversation.id is not None
    entries = await engine.store.transcript(conversation.id)
    assert [e.text for e in entries if e.sender == "user"] == sent
    assert [e.text for e in entries if e.sender == "bot"] == received


async def walk_to(engine: Engine, node: str, chat_id: str = "c1") -> None:
    """Walk the starter tree to ``node`` by typing."""
    routes = {
        "welkom": [],
        "gevaar": ["start"],
        "acuut": ["start", "ja"],
        "rol": ["start", "nee"],
        "ouder_uitkomst": ["start", "nee", "ik ben ouder"],
        "leerling_uitkomst": ["start", "nee", "ik ben leerling"],
    }
    await say(engine, "/start", chat_id)
    for text in routes[node]:
        await say(engine, text, chat_id)
    assert await state_of(engine, chat_id) == node


async def test_a_state_that_left_the_tree_restarts_with_an_apology(
    store: ConversationStore, dialog: Dialog, i18n: I18n
) -> None:
    old = Engine(store, dialog, i18n)
    await walk_to(old, "ouder_uitkomst")
    nodes = {k: v for k, v in dialog.tree.nodes.items() if k != "ouder_uitkomst"}
    rol = nodes["rol"]
    nodes["rol"] = rol.model_copy(update={"options": tuple(o for o in rol.options if o.next != "ouder_uitkomst")})
    new_tree = dialog.tree.model_copy(update={"version": "starter-2", "nodes": nodes})
    new = Engine(store, Dialog(new_tree, dialog.directory), i18n)
    messages = await say(new, "hallo")
    assert messages[0].text == "Sorry, de wegwijzer is veranderd. We beginnen opnieuw."
    assert "Wegwijzer" in messages[1].text
    conversation = await store.load(CHANNEL, "c1")
    assert conversation is not None
    assert (conversation.state, conversation.tree_version, conversation.history) == ("welkom", "starter-2", [])


async def test_a_state_that_stayed_in_a_new_tree_version_carries_on(
    store: ConversationStore, dialog: Dialog, i18n: I18n
) -> None:
    await walk_to(Engine(store, dialog, i18n), "rol")
    new = Engine(store, Dialog(dialog.tree.model_copy(update={"version": "starter-2"}), dialog.directory), i18n)
    messages = await say(new, "ik ben ouder")
    assert "Sorry" not in messages[0].text
    assert await state_of(new) == "ouder_uitkomst"
