"""A Babel extraction method for the tree and directory YAML, so their texts land in the catalogs.

babel.cfg maps ``bot/dialogs/*.yaml`` to the ``wegwijzer_yaml`` extractor (an entry point in pyproject.toml);
``make extract-messages`` runs it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

import yaml

from bot.dialogs.model import TRANSLATABLE_KEYS

Extracted = tuple[int, str, str, list[str]]


def extract_yaml(
    fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Collection[str], options: Mapping[str, Any]
) -> Iterator[Extracted]:
    """Yield (line, funcname, message, comments) for every user-facing text in a YAML file."""
    root = yaml.compose(fileobj.read().decode("utf-8"))
    if root is not None:
        yield from _walk(root, None)


def _walk(node: yaml.Node, key: str | None) -> Iterator[Extracted]:
    if isinstance(node, yaml.MappingNode):
        in_person = any(str(k.value) == "kind" and getattr(v, "value", None) == "in_person" for k, v in node.value)
        for key_node, value_node in node.value:
            child_key = str(key_node.value)
            if in_person and child_key == "value":  # where to find a person: Dutch text, not a number
                child_key = "text"
            yield from _walk(value_node, child_key)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _walk(item, key)
    elif isinstance(node, yaml.ScalarNode) and key in TRANSLATABLE_KEYS and node.value:
        yield node.start_mark.line + 1, "_", str(node.value), [f"yaml key: {key}"]
