"""A Babel extraction method for the tree, the directory and the canned replies, so their texts reach the catalogs.

Every text is extracted with its place as ``msgctxt`` (``bot.dialogs.places``; canned replies as
"canned ID: label|text"), by the same walk the bot uses to look them up. babel.cfg maps ``dialogs/*.yaml``
and ``console/*.yaml`` to the ``wegwijzer_yaml`` extractor (an entry point in pyproject.toml);
``make extract-messages`` runs it. Numbers, addresses and websites are never extracted.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

import yaml

from bot.dialogs.model import Directory, Tree
from bot.dialogs.places import translate_directory, translate_tree

Extracted = tuple[int, str, tuple[str, str], list[str]]


def extract_yaml(
    fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str], options: Mapping[str, Any]
) -> Iterator[Extracted]:
    """Yield (line, "pgettext", (place, text), comments) for every user-facing text in a YAML file."""
    data = yaml.safe_load(fileobj.read().decode("utf-8"))
    found: list[tuple[str, str]] = []

    def record(place: str, text: str) -> str:
        found.append((place, text))
        return text

    if isinstance(data, dict) and "nodes" in data:
        translate_tree(Tree.model_validate(data), record)
    elif isinstance(data, dict) and "organisations" in data:
        translate_directory(Directory.model_validate(data), record)
    elif isinstance(data, dict) and "replies" in data:
        for reply in data["replies"]:
            found += [(f"canned {reply['id']}: {key}", str(reply[key])) for key in ("text",)]
    for place, text in found:
        yield 0, "pgettext", (place, text), [f"place: {place}"]
