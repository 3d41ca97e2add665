"""The texts of the tree and directory reach the catalogs, each with its place; numbers and addresses do not."""

from __future__ import annotations

import io

from bot.dialogs.dialog import DIRECTORY_FILE, TREE_FILE
from bot.dialogs.extract import extract_yaml
from bot.dialogs.model import Contact
from bot.screens import contact_detail


def extracted(data: bytes) -> dict[str, str]:
    """Place → text of everything extracted from one YAML file; no place is used twice."""
    found = [(place, text) for _line, _func, (place, text), _comments in extract_yaml(io.BytesIO(data), {}, [], {})]
    places = [place for place, _text in found]
    assert len(places) == len(set(places)), "two texts share a place"
    return dict(found)


def test_where_to_find_a_person_is_extracted_but_numbers_are_not() -> None:
    texts = extracted(DIRECTORY_FILE.read_bytes())
    assert texts["organisation kindertelefoon: for whom"] == "Kinderen en jongeren van 8 tot 18 jaar."
    assert "Op school. Vraag wie de vertrouwenspersoon is." in texts.values()
    assert not any(place.endswith(": value") for place in texts)
    assert "0800-0432" not in texts.values() and "https://www.kindertelefoon.nl" not in texts.values()


def test_every_tree_text_has_its_own_place() -> None:
    texts = extracted(TREE_FILE.read_bytes())
    assert texts["node rol: option ouder: label"] == "Ouder of verzorger"
    assert texts["node welkom: text"].startswith("Hoi, ik ben de Wegwijzer.")


def test_an_in_person_contact_says_where() -> None:
    assert contact_detail(Contact(kind="in_person", value="Op school.")) == "Op school."
