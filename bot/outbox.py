"""Messages as outbox rows: ``OutgoingMessage`` to plain JSON data and back, and who sends through the outbox.

A channel that pushes to an outside service (Telegram's Bot API) gets every message through the outbox table,
written in the turn's transaction (``storage.unit_of_work``) and delivered by the channel's sender after the
commit. The web chat needs none: its pages read the transcript after the last line they have (``seq``), so the
transcript is its outbox, and an open page gets the new lines pushed after the commit.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.messages import Choice, ContactLink, OutgoingMessage

logger = logging.getLogger(__name__)

OUTBOX_CHANNELS = frozenset({"telegram"})


def uses_outbox(channel: str) -> bool:
    return channel in OUTBOX_CHANNELS


def encode(message: OutgoingMessage) -> dict[str, Any]:
    """The message as JSON-ready data (only what is set)."""
    data: dict[str, Any] = {"text": message.text, "kind": message.kind}
    if message.options:
        data["options"] = [[c.key, c.label] for c in message.options]
    if message.actions:
        data["actions"] = [[c.key, c.label] for c in message.actions]
    if message.author is not None:
        data["author"] = message.author
    if message.title is not None:
        data["title"] = message.title
    if message.contacts:
        data["contacts"] = [[c.kind, c.label, c.value, c.href, c.urgent] for c in message.contacts]
    return data


def decode(data: dict[str, Any]) -> OutgoingMessage:
    """The message ``encode`` made."""
    return OutgoingMessage(
        text=str(data.get("text", "")),
        options=tuple(Choice(str(key), str(label)) for key, label in data.get("options", ())),
        actions=tuple(Choice(str(key), str(label)) for key, label in data.get("actions", ())),
        kind=str(data.get("kind", "text")),
        author=data.get("author"),
        title=data.get("title"),
        contacts=tuple(
            ContactLink(str(kind), str(label), str(value), str(href), bool(urgent))
            for kind, label, value, href, urgent in data.get("contacts", ())
        ),
    )
