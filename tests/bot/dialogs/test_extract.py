"""The texts of the tree and directory reach the catalogs; numbers and addresses do not."""

from __future__ import annotations

import io

from bot.dialogs.dialog import DIRECTORY_FILE
from bot.dialogs.extract import extract_yaml
from bot.dialogs.model import Contact
from bot.screens import contact_detail


def test_where_to_find_a_person_is_extracted_but_numbers_are_not() -> None:
    data = DIRECTORY_FILE.read_bytes()
    messages = {message for _line, _func, message, _comments in extract_yaml(io.BytesIO(data), {}, [], {})}
    assert "Op school. Vraag wie de vertrouwenspersoon is." in messages
    assert "Kinderen en jongeren van 8 tot 18 jaar." in messages
    assert "0800-0432" not in messages
    assert "https://www.kindertelefoon.nl" not in messages


def test_an_in_person_contact_says_where() -> None:
    assert contact_detail(Contact(kind="in_person", value="Op school.")) == "Op school."
