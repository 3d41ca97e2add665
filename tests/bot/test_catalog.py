"""The catalogs: the template holds every text; each language translates all of them, completely and safely.

A translation that is missing or fuzzy (its Dutch changed), whose placeholders or lines differ from the Dutch,
that drops a phone number or address, or that makes a button too long for a phone fails here, per language.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from bot.dialogs.dialog import Dialog
from bot.i18n import I18n
from bot.messages import Action
from bot.screens import action, render
from bot.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "bot" / "locales"
TEMPLATE = LOCALES / "messages.pot"
LANGUAGES = [code for code in load_settings({}).locales if code != "nl"]
PLACEHOLDER = re.compile(r"\{\w*\}")
NUMBER_OR_ADDRESS = re.compile(r"https://\S+|\b\d{3,4}-[\d ]{4,}\d|\b11[23]\b|\S+@\S+\.\w+")
LABEL_MAX = 40  # a button on a 320 px phone: two lines at most
SHORT_NAME_MAX = 28
TELEGRAM_MAX = 4096


def read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def keys(catalog: Catalog) -> set[tuple[str | None, str]]:
    return {(message.context, str(message.id)) for message in catalog if message.id}


def pairs(message: Message) -> list[tuple[str, str]]:
    """(source, translation) of a message; both plural forms of the source against every translated form."""
    if isinstance(message.id, tuple):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        return [(message.id[min(i, 1)], s) for i, s in enumerate(strings)]
    return [(str(message.id), str(message.string))]


def test_messages_pot_is_current(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [str(pybabel), "extract", "--no-location", "--sort-output", "-F", "babel.cfg", "-o", str(fresh), "bot"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    missing = keys(read(fresh)) - keys(read(TEMPLATE))
    stale = keys(read(TEMPLATE)) - keys(read(fresh))
    assert not missing and not stale, (
        f"bot/locales/messages.pot is out of date (run 'make locales'): "
        f"{len(missing)} new texts, e.g. {sorted(missing, key=str)[:3]}; "
        f"{len(stale)} gone, e.g. {sorted(stale, key=str)[:3]}"
    )


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_text_is_translated_and_none_is_fuzzy(code: str) -> None:
    catalog = read(LOCALES / code / "LC_MESSAGES" / "messages.po")
    assert keys(catalog) == keys(read(TEMPLATE)), f"{code}: run 'make locales' (the catalog is not in step)"
    untranslated = [m.context or m.id for m in catalog if m.id and not all(s for _src, s in pairs(m))]
    fuzzy = [m.context or m.id for m in catalog if m.id and m.fuzzy]
    assert not untranslated, f"{code}: {len(untranslated)} untranslated, e.g. {untranslated[:3]}"
    assert not fuzzy, f"{code}: {len(fuzzy)} fuzzy (the Dutch changed), e.g. {fuzzy[:3]}"
    header = catalog.last_translator or ""
    assert "Wegwijzer" in header and "2026" in header, f"{code}: the header says who translated it and when"


@pytest.mark.parametrize("code", LANGUAGES)
def test_translations_keep_placeholders_lines_numbers_and_addresses(code: str) -> None:
    problems = []
    for message in read(LOCALES / code / "LC_MESSAGES" / "messages.po"):
        if not message.id:
            continue
        for source, text in pairs(message):
            where = message.context or source[:40]
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
                problems.append(f"{where}: placeholders {PLACEHOLDER.findall(text)}")
            if source.count("\n") != text.count("\n"):
                problems.append(f"{where}: {text.count(chr(10)) + 1} lines, the Dutch has {source.count(chr(10)) + 1}")
            for kept in NUMBER_OR_ADDRESS.findall(source):
                if kept not in text:
                    problems.append(f"{where}: '{kept}' is missing")
    assert not problems, f"{code}: " + "; ".join(problems[:10])


@pytest.mark.parametrize("code", LANGUAGES)
def test_buttons_fit_a_phone_and_every_screen_fits_telegram(code: str) -> None:
    dialog = Dialog.load()
    i18n = I18n((code,))
    problems = []
    with i18n.use(code):
        tree, directory = dialog.view()
        labels = [(f"{n}.{o.id}", o.label) for n, node in tree.nodes.items() for o in node.options]
        labels += [(f"action {a.value}", action(a).label) for a in Action]
        problems += [
            f"{where}: '{label}' is {len(label)} characters" for where, label in labels if len(label) > LABEL_MAX
        ]
        for org_id, org in directory.organisations.items():
            if org.short and len(org.short) > SHORT_NAME_MAX:
                problems.append(f"{org_id}: short name '{org.short}' is {len(org.short)} characters")
        for node_id in tree.nodes:
            for message in render(dialog, node_id, True):
                size = len(message.plain().encode("utf-16-le")) // 2
                if size > TELEGRAM_MAX:
                    problems.append(f"{node_id}: a message of {size} characters")
    assert not problems, f"{code}: " + "; ".join(problems[:10])
