"""Every user-facing text of the tree and the directory, named by its place: the place is its ``msgctxt``.

A text's identity in the catalogs is where it stands ("node rol: option ouder: label"), not its Dutch
wording, so a change to the Dutch marks the translation fuzzy (``make locales``) instead of silently showing
Dutch again, and two places with the same Dutch words can be translated differently.

One walk serves both sides: ``translate_tree`` / ``translate_directory`` rebuild the models with each text
replaced by ``translate(place, text)``. The Babel extractor (``bot.dialogs.extract``) passes a recorder, the
``Dialog`` passes the active catalog's ``pgettext``, so extraction and use can never disagree on a place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.dialogs.model import ChildTexts, Contact, Directory, Node, Option, Organisation, Step, Tree

logger = logging.getLogger(__name__)

Translate = Callable[[str, str], str]  # (place, Dutch text) → the text to show


def translate_tree(tree: Tree, translate: Translate) -> Tree:
    nodes = {node_id: _node(node_id, node, translate) for node_id, node in tree.nodes.items()}
    return tree.model_copy(update={"nodes": nodes})


def translate_directory(directory: Directory, translate: Translate) -> Directory:
    organisations = {org_id: _organisation(org_id, org, translate) for org_id, org in directory.organisations.items()}
    return directory.model_copy(update={"organisations": organisations})


def _node(node_id: str, node: Node, translate: Translate) -> Node:
    at = f"node {node_id}"
    return node.model_copy(
        update={
            "text": translate(f"{at}: text", node.text),
            "options": tuple(_option(at, option, translate) for option in node.options),
            "steps": tuple(_step(at, step, translate) for step in node.steps),
        }
    )


def _option(at: str, option: Option, translate: Translate) -> Option:
    at = f"{at}: option {option.id}"
    words = translate(f"{at}: words", option.words) if option.words else None
    return option.model_copy(update={"label": translate(f"{at}: label", option.label), "words": words})


def _step(at: str, step: Step, translate: Translate) -> Step:
    if not step.why:
        return step
    return step.model_copy(update={"why": translate(f"{at}: step {step.organisation}: why", step.why)})


def _organisation(org_id: str, org: Organisation, translate: Translate) -> Organisation:
    at = f"organisation {org_id}"
    children = org.for_children
    return org.model_copy(
        update={
            "name": translate(f"{at}: name", org.name),
            "short": translate(f"{at}: short", org.short) if org.short else None,
            "for_whom": translate(f"{at}: for whom", org.for_whom),
            "can": _items(f"{at}: can", org.can, translate),
            "cannot": _items(f"{at}: cannot", org.cannot, translate),
            "contact": tuple(_contact(f"{at}: contact {i + 1}", c, translate) for i, c in enumerate(org.contact)),
            "for_children": None if children is None else _children(f"{at}: for children", children, translate),
        }
    )


def _children(at: str, texts: ChildTexts, translate: Translate) -> ChildTexts:
    return texts.model_copy(
        update={
            "for_whom": translate(f"{at}: for whom", texts.for_whom),
            "can": _items(f"{at}: can", texts.can, translate),
            "cannot": _items(f"{at}: cannot", texts.cannot, translate),
        }
    )


def _items(at: str, items: tuple[str, ...], translate: Translate) -> tuple[str, ...]:
    return tuple(translate(f"{at} {i + 1}", item) for i, item in enumerate(items))


def _contact(at: str, contact: Contact, translate: Translate) -> Contact:
    """Where to find a person is text; a number, address or website is never translated."""
    update: dict[str, str | None] = {
        "hours": translate(f"{at}: hours", contact.hours) if contact.hours else None,
        "note": translate(f"{at}: note", contact.note) if contact.note else None,
    }
    if contact.kind == "in_person":
        update["value"] = translate(f"{at}: where", contact.value)
    return contact.model_copy(update=update)
