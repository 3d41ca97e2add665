"""The Dutch beside a bot line: reverse catalogs built from small compiled catalogs (never the product's own)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from bot.console.dutch_source import DutchSource, DutchSources, ReverseCatalog, placeholders
from tests.console.catalogs import Entry, compile_catalog

WELCOME_NL = "Hoi, ik ben de Wegwijzer.\nVoel je je niet veilig op school?\nNeem alleen de stappen die jij wil."
WELCOME_UK = "Привіт, я Wegwijzer.\nТи почуваєшся в школі небезпечно?\nРоби лише ті кроки, які хочеш."
AHEAD = ("Er is {n} persoon voor je.", "Er zijn {n} mensen voor je.")
AHEAD_UK = ("Перед тобою {n} людина.", "Перед тобою {n} людини.", "Перед тобою {n} людей.")

UK: list[Entry] = [
    (WELCOME_NL, WELCOME_UK, "node welkom: text"),
    ("Je praat nu met {name} van de chat-ondersteuning.", "Тепер ти говориш з {name} зі служби підтримки.", None),
    (AHEAD, AHEAD_UK, None),
    ("Je bent nummer {place}.", "Ти номер {place}.", None),
    ("Je bent de volgende.", "Ти наступний.", None),
    ("{name} zei {name}.", "{name} сказала {name}.", None),  # one placeholder twice
    ("Ja", "Так", "node a: option ja: label"),
    ("Jazeker", "Так", "node b: option ja: label"),  # two Dutch wordings, one Ukrainian word
    ("Zeker", "Так", "node c: option ja: label"),
    ("Nee", "Ні", "node a: option nee: label"),
    ("Nee hoor", "Ні", "node b: option nee: label"),
    ("Neen", "Ні", "node c: option nee: label"),
    ("Nooit", "Ні", "node d: option nee: label"),  # four: too many to show
    ("Bel nu 112.\nHet is gratis.", "Зателефонуй 112, це безкоштовно.", None),  # lines merged: no mapping
    ("Wacht op {name}.", "Чекай.", None),  # the Ukrainian drops the name: the Dutch cannot be refilled
    ("Website", "Website", None),  # the same word in both languages
]
EN: list[Entry] = [
    ("Je bent de volgende.", "You are next.", None),
    ("Wil je verder in het {language}?", "Do you want to go on in {language}?", None),
]


@pytest.fixture
def source(tmp_path: Path) -> DutchSource:
    compile_catalog(tmp_path, "uk", UK)
    compile_catalog(tmp_path, "en", EN)
    return DutchSource.load(tmp_path, ("nl", "uk", "en", "tr"))  # no Turkish catalog: simply none


def test_placeholders_are_named_fields_only() -> None:
    assert placeholders("Je bent nummer {place}.") == frozenset({"place"})
    assert placeholders("Geen velden, wel {{haakjes}}.") == frozenset()
    assert placeholders("Positioneel {0}") is None
    assert placeholders("Kapot {") is None


def test_a_multi_line_text_maps_line_by_line(source: DutchSource) -> None:
    lines = zip(WELCOME_UK.split("\n"), WELCOME_NL.split("\n"), strict=True)
    assert source.beside(WELCOME_UK, "uk") == [(uk, (nl,)) for uk, nl in lines]
    assert source.line("Ти почуваєшся в школі небезпечно?", "uk") == "Voel je je niet veilig op school?"


def test_placeholders_refill_the_dutch_template(source: DutchSource) -> None:
    assert (
        source.line("Тепер ти говориш з Анна зі служби підтримки.", "uk")
        == "Je praat nu met Анна van de chat-ondersteuning."
    )
    assert source.line("Олег сказала Олег.", "uk") == "Олег zei Олег."
    assert source.line("Олег сказала Анна.", "uk") is None  # the same field must have the same value


def test_plural_forms_pick_the_dutch_form_by_n(source: DutchSource) -> None:
    assert source.line("Перед тобою 1 людина.", "uk") == "Er is 1 persoon voor je."
    assert source.line("Перед тобою 3 людини.", "uk") == "Er zijn 3 mensen voor je."
    assert source.line("Перед тобою 21 людина.", "uk") == "Er zijn 21 mensen voor je."  # Ukrainian's "one" form


def test_a_line_joined_from_two_texts_is_matched_sentence_by_sentence(source: DutchSource) -> None:
    assert source.line("Перед тобою 2 людини. Ти номер 3.", "uk") == "Er zijn 2 mensen voor je. Je bent nummer 3."
    assert source.line("Ти наступний. Щось невідоме.", "uk") is None  # half known is not known


def test_unknown_ambiguous_and_restructured_lines_get_no_dutch(source: DutchSource) -> None:
    assert source.line("Цього рядка немає в каталозі.", "uk") is None
    assert source.line("Так", "uk") is None  # "Ja", "Jazeker" or "Zeker": never a guess …
    assert source.sources("Так", "uk") == ("Ja", "Jazeker", "Zeker")  # … but the agent may see all three
    assert source.sources("Ні", "uk") == ()
    assert source.line("Зателефонуй 112, це безкоштовно.", "uk") is None
    assert source.line("Чекай.", "uk") is None


def test_beside_leaves_unknown_lines_without_dutch_and_stays_quiet_for_dutch(source: DutchSource) -> None:
    assert source.beside("Ти наступний.\nНевідомо що.\nТак", "uk") == [
        ("Ти наступний.", ("Je bent de volgende.",)),
        ("Невідомо що.", ()),
        ("Так", ("Ja", "Jazeker", "Zeker")),
    ]
    assert source.beside("Je bent de volgende.\nHoi.", "uk") is None  # already Dutch: nothing to add
    assert source.beside("Website", "uk") is None  # the same in both: nothing to add
    assert source.beside("Невідомо що.", "uk") is None


def test_other_languages_help_when_they_agree(source: DutchSource) -> None:
    # The first message offers a language in both: Dutch, then the phone's language; the user may switch later.
    offer = "Wil je verder in het English?\nDo you want to go on in English?"
    assert source.beside(offer, "nl") == [
        ("Wil je verder in het English?", ()),  # Dutch already
        ("Do you want to go on in English?", ("Wil je verder in het English?",)),
    ]
    assert source.line("You are next.", "uk") == "Je bent de volgende."


def test_a_recompiled_catalog_is_read_again(tmp_path: Path) -> None:
    path = compile_catalog(tmp_path, "uk", [("Je bent de volgende.", "Ти наступний.", None)])
    sources = DutchSources()
    assert sources.get(tmp_path, ("nl", "uk")).line("Ти наступна.", "uk") is None
    assert sources.get(tmp_path, ("nl", "uk")) is sources.get(tmp_path, ("nl", "uk"))  # cached
    compile_catalog(tmp_path, "uk", [("Je bent de volgende.", "Ти наступна.", None)])
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert sources.get(tmp_path, ("nl", "uk")).line("Ти наступна.", "uk") == "Je bent de volgende."


def test_untranslated_entries_and_the_header_map_nothing() -> None:
    catalog = Catalog(locale="pl")
    catalog.add("Nog niet vertaald.", "")
    reverse = ReverseCatalog.from_catalog(catalog)
    assert reverse.exact == {} and reverse.templates == []
