"""Choosing a language: the first-message offer, typing a language's name, words of another language, the menu.

These run on small catalogs compiled here, so they test the mechanism; tests/bot/test_catalogs.py checks the
product's own catalogs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from bot.dialogs.dialog import Dialog
from bot.engine import Engine
from bot.i18n import I18n
from bot.languages import OFFER, Languages
from bot.messages import IncomingMessage
from storage.repository import ConversationStore
from tests.bot.helpers import CHANNEL, option_keys, say, state_of, tap

TRANSLATED = {
    "en": {
        OFFER: ("Do you want to go on in {language}?", None),
        "Wie ben jij?": ("Who are you?", "node rol: text"),
        "In welke taal wil je verder?": ("Which language do you want to use?", None),
    },
    "tr": {OFFER: ("{language} devam etmek ister misiniz?", None)},
}


def compiled(directory: Path) -> I18n:
    for code, entries in TRANSLATED.items():
        catalog = Catalog(locale=code)
        for source, (text, context) in entries.items():
            catalog.add(source, text, context=context)
        target = directory / code / "LC_MESSAGES"
        target.mkdir(parents=True)
        with (target / "messages.mo").open("wb") as handle:
            write_mo(handle, catalog)
    return I18n(("nl", "en", "tr"), directory)


@pytest.fixture
def polyglot(store: ConversationStore, dialog: Dialog, tmp_path: Path) -> Engine:
    return Engine(store, dialog, compiled(tmp_path))


async def test_a_phone_set_to_turkish_is_offered_turkish_in_both_languages(polyglot: Engine) -> None:
    reply = await polyglot.handle(IncomingMessage(CHANNEL, "c1", text="/start", locale_hint="tr-NL"))
    offer = reply.messages[-1]
    assert offer.text == "Wil je verder in het Türkçe?\nTürkçe devam etmek ister misiniz?"
    assert [(c.key, c.label) for c in offer.options] == [("lang:tr", "Türkçe"), ("lang:nl", "Nederlands")]
    assert reply.messages[0].text.startswith("Hoi, ik ben de Wegwijzer.")  # the welcome, in Dutch until chosen
    conversation = await polyglot.store.load(CHANNEL, "c1")
    assert conversation is not None and conversation.locale == "nl"


async def test_a_dutch_browser_gets_no_offer(polyglot: Engine) -> None:
    reply = await polyglot.handle(IncomingMessage(CHANNEL, "c1", text="/start", locale_hint="nl-NL"))
    assert reply.messages[0].text.startswith("Hoi, ik ben de Wegwijzer.")


async def test_typing_english_please_switches_and_keeps_the_place(polyglot: Engine) -> None:
    await say(polyglot, "/start")
    await say(polyglot, "start")
    await say(polyglot, "nee")
    messages = await say(polyglot, "English please")
    assert messages[-1].text == "Who are you?"  # the tree's own text, looked up by its place
    assert await state_of(polyglot) == "rol"
    assert (await polyglot.store.load(CHANNEL, "c1")).locale == "en"  # type: ignore[union-attr]


async def test_a_sentence_in_turkish_gets_the_offer_instead_of_not_understood(polyglot: Engine) -> None:
    await say(polyglot, "/start")
    messages = await say(polyglot, "benim oğlum okulda çok üzgün, ne yapmalıyım")
    assert "Dat begreep ik niet" not in messages[0].text
    assert option_keys(messages)["Türkçe"] == "lang:tr"
    assert await state_of(polyglot) == "welkom"


@pytest.mark.parametrize("word", ["taal", "language", "dil", "język", "мова", "اللغة", "/taal"])
async def test_the_word_for_language_works_in_every_locale(polyglot: Engine, word: str) -> None:
    await say(polyglot, "/start")
    messages = await say(polyglot, word)
    assert [c.key for c in messages[0].options] == ["lang:nl", "lang:en", "lang:tr"]


@pytest.mark.parametrize(("word", "state"), [("back", "welkom"), ("geri", "welkom"), ("назад", "welkom")])
async def test_command_words_of_other_locales_work(polyglot: Engine, word: str, state: str) -> None:
    await say(polyglot, "/start")
    await say(polyglot, "start")
    await say(polyglot, word)
    assert await state_of(polyglot) == state


async def test_the_menu_switches_at_any_moment(polyglot: Engine) -> None:
    await say(polyglot, "/start")
    await say(polyglot, "start")
    await say(polyglot, "nee")
    menu = await say(polyglot, "taal")
    assert menu[0].text == "In welke taal wil je verder?"
    again = await tap(polyglot, option_keys(menu)["English"])
    assert again[-1].text == "Who are you?" and await state_of(polyglot) == "rol"


def test_languages_are_named_by_their_own_name(tmp_path: Path) -> None:
    languages = Languages(compiled(tmp_path))
    assert languages.typed("kan het in het Engels?") == "en"
    assert languages.typed("turkce lutfen") == "tr"
    assert languages.typed("ik word gepest") is None
    assert languages.guess("mijn zoon wordt gepest op school") == "nl"
    assert languages.guess("hello") is None  # one word is not enough to guess
