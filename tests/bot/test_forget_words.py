"""Typing the word for "Wis mijn gesprek" works in every language (issue 13): it asks the one question, in the
user's language, and "yes" deletes.

The words come from bot/command_words.yaml (``forget:`` of each locale) and the translated button label, so a word
added there is tested here. Each is typed in a conversation in its own language; the full path through the real
Telegram webhook (the product's tree and catalogs) is walked in English.
"""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialogs.dialog import Dialog
from bot.engine import Engine
from bot.forget import DONE, QUESTION, no_label, yes_label
from bot.i18n import I18n, _
from bot.languages import language_name
from bot.matching import COMMAND_WORDS_FILE
from bot.messages import IncomingMessage
from bot.screens import FORGET_NO, FORGET_YES
from bot.settings import load_settings
from storage.repository import ConversationStore
from tests.bot.forget_tables import forgotten_events, left
from tests.fakes.telegram_harness import TelegramHarness

LOCALES = load_settings({}, None).locales  # the languages the product offers
with COMMAND_WORDS_FILE.open(encoding="utf-8") as handle:
    WORDS: dict[str, list[str]] = {code: entry["actions"]["forget"] for code, entry in yaml.safe_load(handle).items()}
TYPED = [pytest.param(code, word, id=f"{code}-{word}") for code in LOCALES for word in WORDS.get(code, [])]
CHAT = "42"


def test_every_language_has_its_words() -> None:
    assert set(LOCALES) == {"nl", "en", "ar", "tr", "pl", "uk"}
    assert all(WORDS.get(code) for code in LOCALES), WORDS


@pytest.fixture(scope="module")
def i18n_all() -> I18n:
    return I18n(LOCALES)


def in_language(i18n: I18n, code: str, text: str) -> str:
    with i18n.use(code):
        return _(text)


async def in_conversation(engine: Engine, code: str) -> None:
    """A conversation that goes on in ``code`` (the user chose it, as with the language button)."""
    await engine.handle(IncomingMessage("telegram", CHAT, text="/start"))
    await engine.handle(IncomingMessage("telegram", CHAT, choice=f"lang:{code}"))
    conversation = await engine.store.load("telegram", CHAT)
    assert conversation is not None and conversation.locale == code


async def asks(engine: Engine, i18n: I18n, code: str, typed: str) -> None:
    reply = await engine.handle(IncomingMessage("telegram", CHAT, text=typed))
    question = reply.messages[-1]
    assert question.text == in_language(i18n, code, QUESTION), [m.text for m in reply.messages]
    with i18n.use(code):
        assert [(c.key, c.label) for c in question.options] == [(FORGET_YES, yes_label()), (FORGET_NO, no_label())]


@pytest.mark.parametrize(("code", "word"), TYPED)
async def test_the_typed_word_asks_in_the_users_language_and_yes_deletes(
    store: ConversationStore, real_dialog: Dialog, i18n_all: I18n, code: str, word: str
) -> None:
    engine = Engine(store, real_dialog, i18n_all)
    if code != "nl":
        assert in_language(i18n_all, code, QUESTION) != QUESTION, "the catalog translates the question"
    await in_conversation(engine, code)
    await asks(engine, i18n_all, code, word)
    done = await engine.handle(IncomingMessage("telegram", CHAT, choice=FORGET_YES))
    assert done.forgotten and [m.text for m in done.messages] == [in_language(i18n_all, code, DONE)]
    assert await store.load("telegram", CHAT) is None


@pytest.mark.parametrize("code", LOCALES)
async def test_the_translated_button_label_typed_asks_too(
    store: ConversationStore, real_dialog: Dialog, i18n_all: I18n, code: str
) -> None:
    engine = Engine(store, real_dialog, i18n_all)
    await in_conversation(engine, code)
    await asks(engine, i18n_all, code, in_language(i18n_all, code, "Wis mijn gesprek"))


@pytest.mark.parametrize("code", LOCALES)
async def test_every_word_works_in_a_dutch_conversation_too(
    store: ConversationStore, real_dialog: Dialog, i18n_all: I18n, code: str
) -> None:
    """A parent who switched back to Dutch may still type the word of their own language."""
    engine = Engine(store, real_dialog, i18n_all)
    for word in WORDS[code]:
        await engine.handle(IncomingMessage("telegram", CHAT, text="/start"))
        await asks(engine, i18n_all, "nl", word)
        await engine.handle(IncomingMessage("telegram", CHAT, choice=FORGET_NO))


async def test_delete_my_chat_on_telegram_in_english(
    product_telegram: TelegramHarness, sqlite_database: AsyncEngine, i18n_all: I18n
) -> None:
    chat = 5150
    telegram = product_telegram
    await telegram.say(chat, "hallo")
    await telegram.say(chat, "taal")
    await telegram.tap(chat, language_name("en"))
    await telegram.say(chat, "my son is being bullied")
    asked = await telegram.say(chat, "Delete my chat")
    assert any(in_language(i18n_all, "en", QUESTION) in str(m.get("text")) for m in asked), asked
    with i18n_all.use("en"):
        yes = yes_label()
    before = await left(sqlite_database)
    assert before["conversations"] == 1 and before["transcript_entries"] > 0
    done = await telegram.tap(chat, yes)
    assert any(in_language(i18n_all, "en", DONE) in str(m.get("text")) for m in done), done
    await telegram.settle()
    assert await left(sqlite_database) == dict.fromkeys(before, 0)
    assert await forgotten_events(sqlite_database) == [("",) * 7 + (1,)]
