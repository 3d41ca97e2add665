"""Telegram end to end: the real product and the real python-telegram-bot against a fake Bot API server."""

from __future__ import annotations

import copy

import pytest

from bot.appkeys import HUB
from bot.messages import OutgoingMessage
from tests.fakes.telegram_harness import TelegramHarness
from tests.fakes.telegram_updates import NOT_TEXT

CHAT = 4242
OTHER = 5151


async def walk_to_role(telegram: TelegramHarness, chat_id: int = CHAT) -> None:
    await telegram.say(chat_id, "/start")
    await telegram.tap(chat_id, "Start")
    await telegram.tap(chat_id, "Nee")


def live_keyboards(telegram: TelegramHarness, chat_id: int = CHAT) -> list[str]:
    """The texts of the messages in the chat that still have buttons."""
    return [m["text"] for (chat, _id), m in telegram.api.messages.items() if chat == chat_id and "reply_markup" in m]


def edits(telegram: TelegramHarness) -> list[str]:
    """Calls that changed a message already sent (each one counts against the chat's limit)."""
    return [c.method for c in telegram.api.calls if c.method.startswith("editMessage")]


async def test_a_whole_path_by_button_taps(telegram: TelegramHarness) -> None:
    welcome = await telegram.say(CHAT, "/start")
    assert welcome[0]["text"].startswith("Hoi, ik ben de Wegwijzer.")
    assert list(telegram.api.buttons(welcome[0])) == ["Start", "Praat met een mens"]

    question = await telegram.tap(CHAT, "Start")
    assert [m["text"] for m in question] == ["Ben je nu in gevaar?"]

    assert [m["text"] for m in await telegram.tap(CHAT, "Nee")] == ["Wie ben jij?"]
    [outcome] = await telegram.tap(CHAT, "Ik ben leerling")  # the outcome's messages as one, with one keyboard
    text = outcome["text"]
    assert text.startswith("Deze organisaties kunnen je helpen.\n\nKindertelefoon\n")
    assert "Bel 0800-0432" in text
    assert text.endswith("Neem alleen de stappen waar jij je veilig bij voelt.")
    assert list(telegram.api.buttons(outcome)) == [
        "Meer over Kindertelefoon",
        "Meer over Vertrouwensinspecteurs",
        "Terug",
        "Opnieuw beginnen",
        "Praat met een mens",
    ]
    bold = outcome["entities"][0]
    assert bold == {"type": "bold", "offset": text.index("Kindertelefoon"), "length": len("Kindertelefoon")}
    assert telegram.api.buttons(outcome)["Terug"] == "cmd:terug"

    assert telegram.api.calls_of("answerCallbackQuery") == []  # answered in the webhook's responses
    assert edits(telegram) == []  # no call to close the screens before: a tap on them is answered (below)
    assert live_keyboards(telegram)[-1] == text
    assert all("parse_mode" not in m for m in telegram.api.sent(CHAT))
    conversation = await telegram.conversation(CHAT)
    assert conversation.state == "leerling_uitkomst"
    assert conversation.facts == {"role": "leerling"}


async def test_options_one_per_row_and_actions_below(telegram: TelegramHarness) -> None:
    await walk_to_role(telegram)
    rows = telegram.api.sent(CHAT)[-1]["reply_markup"]["inline_keyboard"]
    assert [[b["text"] for b in row] for row in rows] == [
        ["Ik ben leerling"],
        ["Ik ben ouder"],
        ["Iets anders"],
        ["Terug", "Praat met een mens"],
    ]


async def test_commands_mid_path(telegram: TelegramHarness) -> None:
    await walk_to_role(telegram)

    assert [m["text"] for m in await telegram.say(CHAT, "/terug")] == ["Ben je nu in gevaar?"]
    assert (await telegram.conversation(CHAT)).state == "gevaar"

    [help_text] = await telegram.say(CHAT, "/help@WegwijzerTestBot")
    assert "Typ 'terug'" in help_text["text"] and help_text["text"].endswith("\n\nBen je nu in gevaar?")
    assert "Nee" in telegram.api.buttons(help_text)

    language = await telegram.say(CHAT, "/taal")
    assert list(telegram.api.buttons(language[-1])) == [
        "Nederlands",
        "English",
        "العربية",
        "Türkçe",
        "Polski",
        "Українська",
    ]
    assert [m["text"] for m in await telegram.tap(CHAT, "Nederlands")] == ["Ben je nu in gevaar?"]

    restarted = await telegram.say(CHAT, "/opnieuw")
    assert restarted[-1]["text"].startswith("Hoi, ik ben de Wegwijzer.")
    assert (await telegram.conversation(CHAT)).history == []

    stopped = await telegram.say(CHAT, "/stop")
    assert stopped[0]["text"].startswith("Fijn dat je er was.")
    assert (await telegram.conversation(CHAT)).status == "ended"
    assert "reply_markup" not in stopped[0]
    assert edits(telegram) == []

    await telegram.say(CHAT, "/start")
    person = await telegram.say(CHAT, "/mens")  # last: from here on a person may have the conversation
    assert person and all(m["text"] for m in person)


async def test_a_stale_button_is_answered_with_the_question_of_now_in_one_message(telegram: TelegramHarness) -> None:
    await telegram.say(CHAT, "/start")
    await telegram.tap(CHAT, "Start")
    danger = copy.deepcopy(telegram.message_with(CHAT, "Nee"))
    await telegram.tap(CHAT, "Nee")
    assert "Ja, nu" in telegram.api.buttons(telegram.api.messages[(CHAT, danger["message_id"])])  # still open
    before = len(telegram.api.calls)

    [reply] = await telegram.tap(CHAT, "Ja, nu", message=danger)

    assert reply["text"] == "Die knop hoort bij een eerdere vraag. Hier is de vraag van nu.\n\nWie ben jij?"
    assert "Ik ben leerling" in telegram.api.buttons(reply)
    assert (await telegram.conversation(CHAT)).state == "rol"
    assert [c.method for c in telegram.api.calls[before:]] == ["sendMessage"]


async def test_two_quick_taps_on_one_keyboard_take_one_step(telegram: TelegramHarness) -> None:
    await telegram.say(CHAT, "/start")
    await telegram.tap(CHAT, "Start")
    question = copy.deepcopy(telegram.message_with(CHAT, "Nee"))
    buttons = telegram.api.buttons(question)
    answers = []
    for data in (buttons["Nee"], buttons["Ja, nu"]):  # both arrive before any answer is sent
        response = await telegram.client.post(
            "/telegram/webhook",
            json=telegram.updates.tap(CHAT, question, data),
            headers={"X-Telegram-Bot-Api-Secret-Token": "test-secret_0123456789"},
        )
        answers.append((await response.json())["method"])
    await telegram.settle()

    assert (await telegram.conversation(CHAT)).state == "rol"
    assert telegram.api.texts(CHAT)[-2:] == [
        "Wie ben jij?",
        "Die knop hoort bij een eerdere vraag. Hier is de vraag van nu.\n\nWie ben jij?",
    ]
    assert answers == ["answerCallbackQuery", "answerCallbackQuery"]  # each tap answered, in the response


async def test_a_button_the_engine_does_not_know_is_answered_with_the_question(telegram: TelegramHarness) -> None:
    await walk_to_role(telegram)
    question = copy.deepcopy(telegram.message_with(CHAT, "Ik ben ouder"))
    for data in ("rubbish", "h:" + "0" * 40):
        update = telegram.updates.tap(CHAT, question, data)
        assert await telegram.post(update) == 200
        assert telegram.api.texts(CHAT)[-1].endswith("\n\nWie ben jij?")
        assert "Ik ben ouder" in telegram.api.buttons(telegram.api.sent(CHAT)[-1])
    assert (await telegram.conversation(CHAT)).state == "rol"


@pytest.mark.parametrize("kind", sorted(NOT_TEXT))
async def test_non_text_gets_a_kind_word_and_the_question_and_is_not_stored(
    telegram: TelegramHarness, kind: str
) -> None:
    await walk_to_role(telegram)
    conversation = await telegram.conversation(CHAT)
    store = telegram.channel.engine.store
    lines_before = len(await store.transcript(conversation.id))
    before = len(telegram.api.sent(CHAT))

    assert await telegram.post(telegram.updates.message(CHAT, **NOT_TEXT[kind])) == 200

    [reply] = telegram.api.sent(CHAT)[before:]
    assert reply["text"].startswith("Ik kan alleen tekst lezen.") and reply["text"].endswith("\n\nWie ben jij?")
    assert "Ik ben leerling" in telegram.api.buttons(reply)
    after = await telegram.conversation(CHAT)
    assert after.state == "rol" and after.updated_at == conversation.updated_at
    assert len(await store.transcript(conversation.id)) == lines_before


async def test_non_text_as_the_very_first_message_says_how_to_begin(telegram: TelegramHarness) -> None:
    assert await telegram.post(telegram.updates.message(CHAT, **NOT_TEXT["photo"])) == 200
    assert telegram.api.texts(CHAT) == [
        "Ik kan alleen tekst lezen. Foto's, spraakberichten, stickers en bestanden bewaar ik niet.\n"
        "Stuur /start om te beginnen."
    ]
    assert await telegram.channel.engine.store.load("telegram", str(CHAT)) is None


async def test_an_edited_message_is_ignored_politely(telegram: TelegramHarness) -> None:
    await walk_to_role(telegram)
    before = len(telegram.api.calls)
    assert await telegram.post(telegram.updates.edited(CHAT, "Ik ben ouder")) == 200
    later = telegram.api.calls[before:]
    assert [c.method for c in later] == ["sendMessage"]
    assert later[0].params["text"].startswith("Je hebt een bericht aangepast.")
    assert (await telegram.conversation(CHAT)).state == "rol"
    assert telegram.message_with(CHAT, "Ik ben leerling")["text"] == "Wie ben jij?"  # the question stays answerable


async def test_in_a_group_the_bot_says_once_that_it_talks_in_private(telegram: TelegramHarness) -> None:
    group = -100
    assert await telegram.post(telegram.updates.text(group, "/start@WegwijzerTestBot", chat_type="group")) == 200
    assert await telegram.post(telegram.updates.text(group, "/mens", chat_type="group")) == 200
    texts = telegram.api.texts(group)
    assert len(texts) == 1
    assert "privégesprek" in texts[0] and "https://t.me/WegwijzerTestBot" in texts[0]
    assert await telegram.channel.engine.store.load("telegram", str(group)) is None

    added = -200
    assert await telegram.post(telegram.updates.added_to_group(added)) == 200
    assert await telegram.post(telegram.updates.text(added, "/start", chat_type="supergroup")) == 200
    assert len(telegram.api.texts(added)) == 1


async def test_the_hub_delivers_long_agent_messages_in_pieces(telegram: TelegramHarness) -> None:
    await telegram.say(CHAT, "/start")
    paragraph = "Ik lees met je mee en denk met je na. " * 20
    long_text = "\n\n".join([paragraph.strip()] * 8) + " 🙂" * 300
    assert await telegram.client.app[HUB].deliver(
        "telegram", str(CHAT), [OutgoingMessage(long_text, kind="agent", author="Sanne")]
    )
    await telegram.settle()
    pieces = telegram.api.texts(CHAT)[1:]
    assert len(pieces) == 2
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in pieces)
    assert pieces[0].startswith("Sanne:\nIk lees met je mee")
    assert " ".join(pieces).split() == f"Sanne:\n{long_text}".split()
    assert live_keyboards(telegram) == [telegram.api.texts(CHAT)[0]]  # an agent's words leave the buttons


async def test_the_hub_shows_typing(telegram: TelegramHarness) -> None:
    await telegram.client.app[HUB].typing("telegram", str(CHAT))
    [call] = telegram.api.calls_of("sendChatAction")
    assert call.params == {"chat_id": str(CHAT), "action": "typing"}


async def test_one_slow_chat_does_not_hold_up_another(telegram: TelegramHarness) -> None:
    release = telegram.api.hold(CHAT)
    headers = {"X-Telegram-Bot-Api-Secret-Token": "test-secret_0123456789"}
    for text in ("/start", "Start", "Nee"):  # answered 200 each, while the sends to CHAT wait
        response = await telegram.client.post(
            "/telegram/webhook", json=telegram.updates.text(CHAT, text), headers=headers
        )
        assert response.status == 200

    response = await telegram.client.post(
        "/telegram/webhook", json=telegram.updates.text(OTHER, "/start"), headers=headers
    )
    assert response.status == 200
    await telegram.api.wait_until(lambda: len(telegram.api.texts(OTHER)) == 1)
    assert telegram.api.texts(CHAT) == []

    release.set()
    await telegram.settle()
    texts = telegram.api.texts(CHAT)
    assert texts[0].startswith("Hoi") and texts[1:] == ["Ben je nu in gevaar?", "Wie ben jij?"]  # in order


async def test_a_one_time_confirmation_is_closed_after_the_next_reply(telegram: TelegramHarness) -> None:
    await walk_to_role(telegram)
    [question] = await telegram.say(CHAT, "/vergeet")
    asked = telegram.message_with(CHAT, "Ja, wissen")
    assert question["text"].startswith("Wil je dit gesprek wissen?")

    [kept] = await telegram.tap(CHAT, "Niet wissen")

    assert kept["text"].startswith("Goed. Je gesprek blijft bewaard.")
    assert "reply_markup" not in telegram.api.messages[(CHAT, asked["message_id"])]  # no "Ja, wissen" left to tap
    assert edits(telegram) == ["editMessageReplyMarkup"]  # the one edit: the screens before keep their buttons
    assert (await telegram.conversation(CHAT)).state == "rol"
